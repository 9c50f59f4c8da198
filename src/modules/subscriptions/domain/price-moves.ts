import type { SubscriptionStatus } from './lifecycle.js';
import { addDays, addTerm, type Term } from './terms.js';

/**
 * Moving existing subscribers to a newer price version. A subscriber keeps the price they pay
 * until they are told of the new one, and then for at least `noticeDays` more: the first
 * renewal on or after the notice's **effective** moment is charged the new price, none before.
 * A reader who cancels in between is never charged it (a cancelled subscription does not renew).
 */

/** The least notice a move may give: a month, as consumer law commonly asks for a price rise. */
export const minNoticeDays = 30;
/** The most: a year. */
export const maxNoticeDays = 365;

/** Why `days` is not a notice period a move may give, or undefined when it is. */
export function noticeDaysProblem(days: number): string | undefined {
  if (!Number.isInteger(days)) return 'The notice is a whole number of days.';
  if (days < minNoticeDays)
    return `Subscribers must be told at least ${minNoticeDays} days before a new price applies; ${days} is too few.`;
  if (days > maxNoticeDays) return `The notice is at most ${maxNoticeDays} days; ${days} is too many.`;
  return undefined;
}

/** One notice a subscription was sent: from which moment the move's price applies to it. */
export interface PriceNoticeFacts {
  readonly planId: string;
  readonly currency: string;
  readonly toPriceId: string;
  readonly notifiedAt: string;
  readonly effectiveAt: string;
}

/** What of a subscription decides the price of its next renewal. */
export interface RenewalPriceFacts {
  readonly planId: string;
  readonly priceId: string;
  readonly currency: string;
  /** A downgrade waiting for the renewal: its price, which the reader chose, wins. */
  readonly pendingPlanId: string | null;
  readonly pendingPriceId: string | null;
}

/**
 * The price version a renewal starting at `renewsAt` charges: a waiting plan change's; else the
 * newest notice for the subscription's plan and currency that is effective by `renewsAt`; else
 * the price the subscription pays. Decided by the renewal date, not the moment of the charge, so
 * a retried renewal charges what its reminder said.
 */
export function priceForRenewal(
  sub: RenewalPriceFacts,
  notices: readonly PriceNoticeFacts[],
  renewsAt: Date,
): { readonly priceId: string; readonly notice: PriceNoticeFacts | null } {
  if (sub.pendingPlanId !== null && sub.pendingPriceId !== null)
    return { priceId: sub.pendingPriceId, notice: null };
  let chosen: PriceNoticeFacts | null = null;
  for (const notice of notices) {
    if (notice.planId !== sub.planId || notice.currency !== sub.currency) continue;
    if (Date.parse(notice.effectiveAt) > renewsAt.getTime()) continue;
    if (chosen === null || notice.notifiedAt > chosen.notifiedAt) chosen = notice;
  }
  return chosen ? { priceId: chosen.toPriceId, notice: chosen } : { priceId: sub.priceId, notice: null };
}

/** When a notice sent at `notifiedAt` lets the new price apply. */
export function effectiveAt(notifiedAt: Date, noticeDays: number): Date {
  return addDays(notifiedAt, noticeDays);
}

/**
 * The first renewal on or after `effective`, as the subscription runs now: its renewal date,
 * then a term after another. What the notice tells the reader as the first charge at the new price.
 */
export function firstRenewalFrom(renewsAt: Date, term: Term, effective: Date): Date {
  let at = renewsAt;
  for (let terms = 1; at < effective; terms++) at = addTerm(renewsAt, term, terms);
  return at;
}

/** Which subscriptions a move tells: those that renew, on its plan and currency, on another price. */
export function toldOfMove(
  sub: {
    readonly status: SubscriptionStatus;
    readonly planId: string;
    readonly priceId: string;
    readonly currency: string;
    readonly pendingPlanId: string | null;
  },
  move: { readonly planId: string; readonly priceId: string; readonly currency: string },
): boolean {
  return (
    renewingStatuses.includes(sub.status) &&
    sub.planId === move.planId &&
    sub.currency === move.currency &&
    sub.priceId !== move.priceId &&
    // A reader leaving the plan at the renewal is not charged its price.
    sub.pendingPlanId === null
  );
}

/** The statuses that renew: a cancelled (or ended) subscription is never charged a new price. */
export const renewingStatuses: readonly SubscriptionStatus[] = ['active', 'trialing', 'past_due'];

/** Where one notified subscription stands in a move. */
export type NoticeStanding = 'notified' | 'moved' | 'left';

/**
 * `moved`: a renewal charged the new price; `left`: it ended or changed plan before one did (and
 * so was never charged it); `notified`: told, still on the old price.
 */
export function noticeStanding(input: {
  readonly movedAt: string | null;
  readonly status: SubscriptionStatus;
  readonly planId: string;
  readonly movePlanId: string;
}): NoticeStanding {
  if (input.movedAt !== null) return 'moved';
  if (input.status === 'expired' || input.planId !== input.movePlanId) return 'left';
  return 'notified';
}
