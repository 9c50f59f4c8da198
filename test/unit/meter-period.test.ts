import { describe, expect, it } from 'vitest';
import { meterPeriod, meterView, periodKeyMonthsBefore } from '../../src/modules/metering/index.js';

describe('meter period', () => {
  it('is the calendar month in the publication time zone', () => {
    // 23:59 on 30 November in Kolkata is still November…
    expect(meterPeriod(new Date('2026-11-30T18:29:59Z'), 'Asia/Kolkata').key).toBe('2026-11');
    // …and midnight on 1 December (18:30 UTC) starts December.
    expect(meterPeriod(new Date('2026-11-30T18:30:00Z'), 'Asia/Kolkata').key).toBe('2026-12');
  });

  it('resets at local midnight on the first of the next month', () => {
    expect(meterPeriod(new Date('2026-11-15T00:00:00Z'), 'Asia/Kolkata').resetsAt.toISOString()).toBe(
      '2026-11-30T18:30:00.000Z',
    );
    expect(meterPeriod(new Date('2026-12-15T00:00:00Z'), 'UTC').resetsAt.toISOString()).toBe(
      '2027-01-01T00:00:00.000Z',
    );
  });

  it('follows daylight saving time where there is one', () => {
    // New York: EDT until 1 November 2026, so the November period resets at 05:00 UTC on 1 Dec (EST).
    const period = meterPeriod(new Date('2026-11-10T12:00:00Z'), 'America/New_York');
    expect(period.key).toBe('2026-11');
    expect(period.resetsAt.toISOString()).toBe('2026-12-01T05:00:00.000Z');
  });

  it('never reports negative remaining reads', () => {
    const period = meterPeriod(new Date('2026-11-15T00:00:00Z'), 'UTC');
    expect(meterView(3, 5, period)).toMatchObject({ limit: 3, used: 5, remaining: 0 });
  });

  it('counts months back across years', () => {
    expect(periodKeyMonthsBefore('2026-02', 3)).toBe('2025-11');
    expect(periodKeyMonthsBefore('2026-12', 12)).toBe('2025-12');
    expect(periodKeyMonthsBefore('2026-01', 1)).toBe('2025-12');
  });
});
