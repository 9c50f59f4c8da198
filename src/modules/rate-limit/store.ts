/**
 * Where the limiter keeps its counts. `hit` must be atomic: however many requests race on one
 * key, each gets a distinct count, so exactly `limit` of them are at or under the limit.
 */
export interface RateLimitStore {
  /**
   * Counts one attempt on `key`. If the key has no window, or its window ended at or before
   * `now`, a new window of `windowMs` starts at `now` with a count of 1.
   */
  hit(key: string, windowMs: number, now: Date): Promise<RateLimitWindow>;
  /** Forgets the key's window (a sign-in that succeeded clears its failures). */
  reset(key: string): Promise<void>;
  /** Forgets every window that ended at or before `now`; returns how many. */
  prune(now: Date): Promise<number>;
}

export interface RateLimitWindow {
  /** Attempts in the current window, this one included. */
  readonly count: number;
  /** When the current window ends and the count starts again. */
  readonly resetAt: Date;
}
