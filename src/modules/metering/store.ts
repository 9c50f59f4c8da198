/**
 * Where the meter keeps its counts. Implementations must make `consume` atomic: however many
 * requests race, a reader never gets more than `limit` distinct reads in a period.
 */
export interface MeterStore {
  /** Reads used in the period, and whether `articleId` is one of them. */
  peek(readerId: string, period: string, articleId: string): Promise<{ used: number; alreadyRead: boolean }>;
  /** Reads used in the period. */
  used(readerId: string, period: string): Promise<number>;
  /**
   * Records a read of `articleId` unless the reader has already used `limit` reads.
   * A reread of an article already counted is `recorded: true` and costs nothing.
   */
  consume(
    readerId: string,
    period: string,
    articleId: string,
    limit: number,
    at: Date,
  ): Promise<ConsumeResult>;
  /**
   * Adds `from`'s reads of the period to `to`'s (a device's anonymous reads to an account on
   * signing in, and back on signing out). `to`'s count becomes its distinct reads, which may
   * exceed the limit: merging never grants a fresh allowance.
   */
  merge(from: string, to: string, period: string): Promise<void>;
  /** Forgets every period before `period` (`YYYY-MM`); returns how many reads it removed. */
  prune(before: string): Promise<number>;
  /** Every read of `readerId` still kept, oldest first: the reader's own data, for an export. */
  reads(readerId: string): Promise<MeterRead[]>;
  /** Forgets every read of `readerId` (its account was deleted); returns how many it removed. */
  forget(readerId: string): Promise<number>;
}

export interface MeterRead {
  readonly period: string;
  readonly articleId: string;
  readonly readAt: string;
}

export interface ConsumeResult {
  readonly recorded: boolean;
  readonly used: number;
}
