import type { Clock } from '../../kernel/clock.js';
import {
  periodFinder,
  periodKeyMonthsBefore,
  meterView,
  type MeterPeriod,
  type MeterSnapshot,
  type MeterView,
} from './domain.js';
import type { MeterRead, MeterStore } from './store.js';

export interface MeterService {
  period(timeZone: string): MeterPeriod;
  snapshot(readerId: string, articleId: string, limit: number, period: MeterPeriod): Promise<MeterSnapshot>;
  consume(
    readerId: string,
    articleId: string,
    limit: number,
    period: MeterPeriod,
  ): Promise<{ recorded: boolean; used: number }>;
  view(readerId: string, limit: number, timeZone: string): Promise<MeterView>;
  /** Carries `from`'s reads this month over to `to` (see MeterStore.merge). */
  merge(from: string, to: string, timeZone: string): Promise<void>;
  /** Forgets the reads of periods that ended more than `keepMonths` months ago. */
  prune(keepMonths: number, timeZone: string): Promise<{ before: string; reads: number }>;
  /** Every read of `readerId` still kept (a reader's data export). */
  reads(readerId: string): Promise<MeterRead[]>;
  /** Forgets every read of `readerId` (an account deleted). */
  forget(readerId: string): Promise<number>;
}

/** The meter: periods from the clock, counts from the store. */
export function createMeterService(deps: { store: MeterStore; clock: Clock }): MeterService {
  const { store, clock } = deps;
  const periodAt = periodFinder();
  return {
    period: (timeZone) => periodAt(clock.now(), timeZone),
    async snapshot(readerId, articleId, limit, period) {
      const { used, alreadyRead } = await store.peek(readerId, period.key, articleId);
      return { limit, used, alreadyRead };
    },
    consume: (readerId, articleId, limit, period) =>
      store.consume(readerId, period.key, articleId, limit, clock.now()),
    merge: (from, to, timeZone) => store.merge(from, to, periodAt(clock.now(), timeZone).key),
    async prune(keepMonths, timeZone) {
      const before = periodKeyMonthsBefore(periodAt(clock.now(), timeZone).key, keepMonths);
      return { before, reads: await store.prune(before) };
    },
    reads: (readerId) => store.reads(readerId),
    forget: (readerId) => store.forget(readerId),
    async view(readerId, limit, timeZone) {
      const period = periodAt(clock.now(), timeZone);
      return meterView(limit, await store.used(readerId, period.key), period);
    },
  };
}
