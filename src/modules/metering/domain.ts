import { TZDate } from '@date-fns/tz';
import { addMonths, startOfMonth } from 'date-fns';

export interface MeterPeriod {
  /** `YYYY-MM` of the month in the publication's time zone. */
  readonly key: string;
  /** The instant this period started (local midnight on the 1st), in UTC. */
  readonly startsAt: Date;
  /** The instant the next period starts (local midnight on the 1st), in UTC. */
  readonly resetsAt: Date;
}

/** The calendar month, in `timeZone`, that contains `at`. */
export function meterPeriod(at: Date, timeZone: string): MeterPeriod {
  const local = new TZDate(at.getTime(), timeZone);
  const key = `${local.getFullYear()}-${String(local.getMonth() + 1).padStart(2, '0')}`;
  const start = startOfMonth(local);
  const next = startOfMonth(addMonths(local, 1));
  return { key, startsAt: new Date(start.getTime()), resetsAt: new Date(next.getTime()) };
}

/**
 * `meterPeriod` for every page view: time-zone arithmetic costs more than the rest of the
 * access decision, and the answer changes once a month, so the last period per zone is kept.
 */
export function periodFinder(): (at: Date, timeZone: string) => MeterPeriod {
  const last = new Map<string, MeterPeriod>();
  return (at, timeZone) => {
    const known = last.get(timeZone);
    if (known && at >= known.startsAt && at < known.resetsAt) return known;
    const period = meterPeriod(at, timeZone);
    last.set(timeZone, period);
    return period;
  };
}

export interface MeterSnapshot {
  readonly limit: number;
  readonly used: number;
  readonly alreadyRead: boolean;
}

export interface MeterView {
  readonly limit: number;
  readonly used: number;
  readonly remaining: number;
  readonly resetsAt: string;
}

export function meterView(limit: number, used: number, period: MeterPeriod): MeterView {
  return { limit, used, remaining: Math.max(0, limit - used), resetsAt: period.resetsAt.toISOString() };
}

/** The period key `months` months before `key`: ("2026-02", 3) → "2025-11". */
export function periodKeyMonthsBefore(key: string, months: number): string {
  const [year, month] = key.split('-').map(Number) as [number, number];
  const index = year * 12 + (month - 1) - months;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}
