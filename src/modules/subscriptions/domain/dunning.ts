import { addDays } from './terms.js';

/**
 * When Masthead reminds, charges and retries. India's rules for recurring card payments
 * require a pre-debit notice at least 24 hours before each charge, stating amount and date;
 * the reminder goes out three days ahead, and a charge never happens sooner than 24 hours
 * after the reminder was sent.
 */
export interface BillingPolicy {
  /** How many days before the renewal date the reminder is sent. */
  readonly reminderDaysBefore: number;
  /** The least time between the reminder and the charge. */
  readonly minNoticeHours: number;
  /** Days after the renewal date on which a failed charge is retried. */
  readonly retryDays: readonly number[];
  /** Days after the renewal date during which a reader with a failed payment keeps access. */
  readonly graceDays: number;
}

export const defaultBillingPolicy: BillingPolicy = Object.freeze({
  reminderDaysBefore: 3,
  minNoticeHours: 24,
  retryDays: Object.freeze([1, 3, 5]),
  graceDays: 7,
});

/**
 * The earliest moment a renewal may be charged: its date, and at least `minNoticeHours` after
 * the reminder. Without a reminder sent, it may not be charged at all yet (null).
 */
export function chargeableAt(renewsAt: Date, remindedAt: Date | null, policy: BillingPolicy): Date | null {
  if (remindedAt === null) return null;
  const notice = new Date(remindedAt.getTime() + policy.minNoticeHours * 3_600_000);
  return notice > renewsAt ? notice : renewsAt;
}

/**
 * After `failures` failed attempts at the renewal due on `renewsAt`: when to try again, or
 * `expire` when the retries have run out.
 */
export function nextRetry(
  renewsAt: Date,
  failures: number,
  policy: BillingPolicy,
): { readonly retryAt: Date } | { readonly expire: true } {
  const days = policy.retryDays[failures - 1];
  return days === undefined ? { expire: true } : { retryAt: addDays(renewsAt, days) };
}

/** Until when a subscription whose term ends at `periodEnd` keeps access if payment fails. */
export function graceEndsAt(periodEnd: Date, policy: BillingPolicy): Date {
  return addDays(periodEnd, policy.graceDays);
}
