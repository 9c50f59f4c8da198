import { describe, expect, it } from 'vitest';
import {
  editionDate,
  editionName,
  looksLikePdf,
  nameKey,
  stampLine,
  type Edition,
} from '../../src/modules/epaper/domain.js';

describe('e-paper editions', () => {
  it('take a calendar day that exists, written YYYY-MM-DD', () => {
    expect(editionDate.safeParse('2026-11-20').success).toBe(true);
    expect(editionDate.safeParse('2028-02-29').success).toBe(true);
    for (const date of ['2026-02-29', '2026-13-01', '2026-11-31', '20-11-2026', '2026-11-20T00:00:00Z', ''])
      expect(editionDate.safeParse(date).success, date).toBe(false);
  });

  it('take a one-line name, trimmed, and compare names without case or extra spaces', () => {
    expect(editionName.parse('  New Delhi ')).toBe('New Delhi');
    for (const name of ['', '   ', 'New\nDelhi', 'x'.repeat(61), 'Mumbai\u202E']) {
      expect(editionName.safeParse(name).success, JSON.stringify(name)).toBe(false);
    }
    expect(nameKey(' New  Delhi')).toBe(nameKey('new delhi'));
    expect(nameKey('Mumbai')).not.toBe(nameKey('New Delhi'));
  });

  it('recognise a PDF by its header, within its first kilobyte as PDF readers do', () => {
    expect(looksLikePdf(Buffer.from('%PDF-1.7\n…'))).toBe(true);
    expect(looksLikePdf(Buffer.concat([Buffer.alloc(100, 0x20), Buffer.from('%PDF-1.4')]))).toBe(true);
    expect(looksLikePdf(Buffer.from('PK\u0003\u0004 a zip file'))).toBe(false);
    expect(looksLikePdf(Buffer.concat([Buffer.alloc(1100, 0x20), Buffer.from('%PDF-1.4')]))).toBe(false);
  });

  it('stamp a downloaded copy with the reader, the edition and the day', () => {
    const edition = { name: 'Mumbai', date: '2026-11-19' } as Edition;
    expect(
      stampLine({
        email: 'meera@example.com',
        downloadedOn: '20 November 2026',
        publicationName: 'The Daily Ledger',
        edition,
      }),
    ).toBe(
      'The Daily Ledger e-paper, Mumbai edition of 2026-11-19. Downloaded by meera@example.com on 20 November 2026. For personal use only.',
    );
  });
});
