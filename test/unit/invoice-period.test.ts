import { describe, expect, it } from 'vitest';
import { periodText, servicePeriod } from '../../src/modules/invoices/format.js';

const line = (periodStart: string | null, periodEnd: string | null) => ({ periodStart, periodEnd });

describe('the service period an invoice states', () => {
  it('runs from the day a period starts to the day before it ends, in India time', () => {
    // 20:00 UTC is 01:30 the next day in India.
    expect(servicePeriod(line('2026-12-01T20:00:00Z', '2027-12-01T20:00:00Z'))).toEqual({
      firstDay: '2026-12-02',
      lastDay: '2027-12-01',
    });
    expect(periodText(line('2026-12-01T20:00:00Z', '2027-12-01T20:00:00Z'))).toBe(
      '2 December 2026 – 1 December 2027',
    );
  });

  it('reads the same days before 18:30 UTC, when India is still on the same date', () => {
    expect(servicePeriod(line('2026-12-01T18:29:59Z', '2027-03-01T18:29:59Z'))).toEqual({
      firstDay: '2026-12-01',
      lastDay: '2027-02-28',
    });
  });

  it('ends the day before a period that ends at midnight India time', () => {
    expect(servicePeriod(line('2026-03-31T18:30:00Z', '2026-06-30T18:30:00Z'))).toEqual({
      firstDay: '2026-04-01',
      lastDay: '2026-06-30',
    });
  });

  it('covers the day of a period shorter than a day', () => {
    expect(servicePeriod(line('2026-12-01T04:00:00Z', '2026-12-01T10:00:00Z'))).toEqual({
      firstDay: '2026-12-01',
      lastDay: '2026-12-01',
    });
  });

  it('is none for a line that is not a period', () => {
    expect(servicePeriod(line(null, null))).toBeNull();
    expect(periodText(line('2026-12-01T04:00:00Z', null))).toBeUndefined();
  });
});
