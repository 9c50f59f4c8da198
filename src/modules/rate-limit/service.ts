import type { Clock } from '../../kernel/clock.js';
import type { RateLimitStore } from './store.js';

/**
 * A named limit: at most `limit` attempts per key in each window of `windowMs`, e.g.
 * `{ name: 'sign-in:ip', limit: 10, windowMs: 15 * 60_000 }`. The name keeps the counts of
 * different rules apart, so one key (an IP, an email) can be under several rules at once.
 */
export interface RateLimitRule {
  /** Lower-case letters, digits, `-` and `:`. */
  readonly name: string;
  readonly limit: number;
  readonly windowMs: number;
}

export type RateLimitDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

export interface RateLimiter {
  /**
   * Counts an attempt by `key` under `rule` and says whether it may go ahead. A refused
   * attempt still counts, but never lengthens the window: `retryAfterSeconds` (at least 1,
   * for a `Retry-After` header) is when the current window ends.
   */
  check(rule: RateLimitRule, key: string): Promise<RateLimitDecision>;
  /** Clears `key`'s count under `rule`. */
  reset(rule: RateLimitRule, key: string): Promise<void>;
  /** Forgets the windows that have ended (a periodic job); returns how many. */
  prune(): Promise<number>;
}

const ruleName = /^[a-z0-9:-]+$/;

/** The rate limiter: time from the clock, counts from the store. */
export function createRateLimiter(deps: { store: RateLimitStore; clock: Clock }): RateLimiter {
  const { store, clock } = deps;
  return {
    async check(rule, key) {
      assertRule(rule);
      const now = clock.now();
      const { count, resetAt } = await store.hit(storeKey(rule, key), rule.windowMs, now);
      if (count <= rule.limit) return { allowed: true };
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000)),
      };
    },
    reset: (rule, key) => store.reset(storeKey(rule, key)),
    prune: () => store.prune(clock.now()),
  };
}

// A rule name has no spaces, so "name key" cannot be read two ways.
function storeKey(rule: RateLimitRule, key: string): string {
  return `${rule.name} ${key}`;
}

/** A malformed rule is a bug in the code that declares it, not a request to refuse. */
function assertRule(rule: RateLimitRule): void {
  if (!ruleName.test(rule.name)) throw new RangeError(`Rate-limit rule name "${rule.name}" is not valid.`);
  if (!Number.isSafeInteger(rule.limit) || rule.limit < 1) {
    throw new RangeError(`Rate-limit rule "${rule.name}" needs a limit of at least 1, got ${rule.limit}.`);
  }
  if (!Number.isSafeInteger(rule.windowMs) || rule.windowMs < 1) {
    throw new RangeError(
      `Rate-limit rule "${rule.name}" needs a window of at least 1 ms, got ${rule.windowMs}.`,
    );
  }
}
