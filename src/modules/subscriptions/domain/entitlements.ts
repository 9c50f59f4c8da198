import type { SubscriptionStatus } from './lifecycle.js';

/**
 * The benefits a reader's subscription gives them at `at`. A live subscription grants its
 * plan's benefits until its term ends; a payment that failed keeps them through the grace
 * period, so a reader is never locked out while the card is retried. Past those dates nothing
 * is granted, even if the renewal sweep has not run yet.
 */
export function entitlementsAt(
  subscription: {
    readonly status: SubscriptionStatus;
    readonly periodEnd: Date;
    readonly graceEndsAt: Date;
    readonly benefits: readonly string[];
  } | null,
  at: Date,
): ReadonlySet<string> {
  if (!subscription) return none;
  const { status, periodEnd, graceEndsAt, benefits } = subscription;
  const until = status === 'expired' ? null : status === 'canceling' ? periodEnd : graceEndsAt;
  return until !== null && at < until ? new Set(benefits) : none;
}

const none: ReadonlySet<string> = new Set();
