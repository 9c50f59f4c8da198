import { TZDate } from '@date-fns/tz';
import { addMonths, startOfMonth } from 'date-fns';

export interface MeterPeriod {
  /** `YYYY-MM` of the month in the publication's time zone. */
  readonly key: string;
  /** The instant the next period starts (local midnight on the 1st), in UTC. */
  readonly resetsAt: Date;
}

/** The calendar month, in `timeZone`, that contains `at`. */
export function meterPeriod(at: Date, timeZone: string): MeterPeriod {
  const local = new TZDate(at.getTime(), timeZone);
  const key = `${local.getFullYear()}-${String(local.getMonth() + 1).padStart(2, '0')}`;
  const next = startOfMonth(addMonths(local, 1));
  return { key, resetsAt: new Date(next.getTime()) };
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

/** True when `name` is a time zone this runtime knows (IANA names such as Asia/Kolkata). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
