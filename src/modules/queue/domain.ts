import type { JobStatus } from './types.js';

/** Tries before a job is dead, unless its handler says otherwise. */
export const defaultMaxAttempts = 5;
/** How long one try may run without renewing its lease, unless its handler says otherwise. */
export const defaultLeaseMs = 5 * 60_000;

const firstRetryMs = 30_000;
const longestRetryMs = 6 * 60 * 60_000;

/**
 * How long to wait after the `attempt`-th failed try: 30 s, 2 min, 8 min… quadrupling up to 6 h,
 * so an outage of a few minutes costs a few retries and one of a day costs a handful.
 */
export function defaultRetryDelayMs(attempt: number): number {
  return Math.min(firstRetryMs * 4 ** Math.max(0, attempt - 1), longestRetryMs);
}

/** What happens to a job after a try that failed: another try later, or dead. */
export function afterFailure(
  attempt: number,
  maxAttempts: number,
  retryDelayMs: (attempt: number) => number,
): { readonly status: Extract<JobStatus, 'queued' | 'dead'>; readonly waitMs: number } {
  if (attempt >= maxAttempts) return { status: 'dead', waitMs: 0 };
  return { status: 'queued', waitMs: retryDelayMs(attempt) };
}
