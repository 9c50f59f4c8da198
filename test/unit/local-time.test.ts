import { describe, expect, it } from 'vitest';
import { instantOfLocal, localInputOf } from '../../src/modules/content/local-time.js';

describe('publish times typed in the publication’s time zone', () => {
  it('reads a wall-clock time in Asia/Kolkata as the UTC instant', () => {
    expect(instantOfLocal('2026-11-20T09:30', 'Asia/Kolkata')).toBe('2026-11-20T04:00:00.000Z');
    expect(localInputOf('2026-11-20T04:00:00.000Z', 'Asia/Kolkata')).toBe('2026-11-20T09:30');
  });

  it('follows a zone across its clock change', () => {
    // London: GMT in January, BST (UTC+1) in July.
    expect(instantOfLocal('2026-01-10T12:00', 'Europe/London')).toBe('2026-01-10T12:00:00.000Z');
    expect(instantOfLocal('2026-07-10T12:00', 'Europe/London')).toBe('2026-07-10T11:00:00.000Z');
    expect(localInputOf('2026-07-10T11:00:00.000Z', 'Europe/London')).toBe('2026-07-10T12:00');
  });

  it('refuses what is not a date and a time', () => {
    expect(instantOfLocal('next tuesday', 'Asia/Kolkata')).toBeUndefined();
    expect(instantOfLocal('2026-02-30T10:00', 'Asia/Kolkata')).toBeUndefined();
    expect(instantOfLocal('2026-02-10T24:10', 'Asia/Kolkata')).toBeUndefined();
  });
});
