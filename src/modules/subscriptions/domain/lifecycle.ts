import type { SubscriptionStatus } from '../../../db/schema.js';

export type { SubscriptionStatus };

/**
 * What can happen to a subscription. A subscription only exists once its first payment
 * succeeded (or its free trial began with a saved card): an unfinished checkout is a checkout,
 * so there is no "incomplete" status.
 */
export type LifecycleEvent =
  /** The first payment succeeded: a paid term begins. */
  | 'start'
  /** A trial began with a card on file; the first charge is at the trial's end. */
  | 'start_trial'
  /** A renewal (or the first charge after a trial, or a retry) was paid. */
  | 'renew'
  /** A renewal charge failed; access continues through the grace period while it is retried. */
  | 'payment_failed'
  /** The reader (or support) asked to end it at the end of the paid term. */
  | 'cancel'
  /** Undo of `cancel` before the term ends. */
  | 'resume'
  /** A plan change: an upgrade now, or a downgrade scheduled for the next renewal. */
  | 'change_plan'
  /** A new card was saved. */
  | 'update_payment_method'
  /** Support gave days free: the current term (and the renewal date) moves later, no charge. */
  | 'extend'
  /** The term ended after a cancellation, or the retries ran out. */
  | 'expire';

const live: readonly SubscriptionStatus[] = ['trialing', 'active', 'past_due', 'canceling'];

/**
 * The one transition table. `null` as a source is "no subscription yet". A pair missing from
 * the table is refused.
 */
const transitions: Readonly<
  Record<LifecycleEvent, Partial<Record<SubscriptionStatus | 'none', SubscriptionStatus>>>
> = {
  start: { none: 'active' },
  start_trial: { none: 'trialing' },
  // A renewal paid after the reader cancelled (the charge was already under way) still buys the
  // term; the subscription still ends at its close.
  renew: { active: 'active', trialing: 'active', past_due: 'active', canceling: 'canceling' },
  payment_failed: { active: 'past_due', trialing: 'past_due', past_due: 'past_due' },
  // Cancelling while a payment is overdue ends it at once: there is no paid term left to run out.
  cancel: { active: 'canceling', trialing: 'canceling', past_due: 'expired' },
  // Resuming returns to the status the reader had; a trial that has not ended is still a trial.
  resume: { canceling: 'active' },
  change_plan: { active: 'active', trialing: 'trialing' },
  update_payment_method: {
    active: 'active',
    trialing: 'trialing',
    past_due: 'past_due',
    canceling: 'canceling',
  },
  // Not while a payment is overdue: the retries and the grace period are counted from the
  // renewal date, and moving it would quietly forgive the debt. Settle it or cancel instead.
  extend: { active: 'active', trialing: 'trialing', canceling: 'canceling' },
  expire: { past_due: 'expired', canceling: 'expired' },
};

export type Transition =
  | { readonly ok: true; readonly from: SubscriptionStatus | null; readonly to: SubscriptionStatus }
  | { readonly ok: false; readonly from: SubscriptionStatus | null; readonly reason: string };

/**
 * The status after `event`, or why the event cannot happen now. `trialEnded` decides where a
 * resumed trial goes.
 */
export function transition(
  from: SubscriptionStatus | null,
  event: LifecycleEvent,
  context: { readonly trialEnded?: boolean } = {},
): Transition {
  let to = transitions[event][from ?? 'none'];
  if (to === undefined) return { ok: false, from, reason: refusal(from, event) };
  if (event === 'resume' && context.trialEnded === false) to = 'trialing';
  return { ok: true, from, to };
}

export function isLive(status: SubscriptionStatus): boolean {
  return live.includes(status);
}

/** Every event the table allows from `from` (for tests and the admin's view). */
export function eventsFrom(from: SubscriptionStatus | null): LifecycleEvent[] {
  return (Object.keys(transitions) as LifecycleEvent[]).filter(
    (event) => transitions[event][from ?? 'none'] !== undefined,
  );
}

function refusal(from: SubscriptionStatus | null, event: LifecycleEvent): string {
  if (from === null) return 'There is no subscription.';
  if (from === 'expired') return 'The subscription has ended.';
  switch (event) {
    case 'start':
    case 'start_trial':
      return 'There is already a subscription.';
    case 'cancel':
      return 'The subscription is already cancelled; it ends at the end of the paid term.';
    case 'extend':
      return 'A subscription with an overdue payment cannot be extended; the payment must be settled (or the subscription cancelled) first.';
    case 'resume':
      return 'Only a cancelled subscription that has not ended yet can be resumed.';
    case 'change_plan':
      return from === 'canceling'
        ? 'Resume the subscription before changing its plan.'
        : 'The plan cannot be changed while a payment is overdue; update the payment method first.';
    default:
      return `A ${from.replace('_', ' ')} subscription cannot ${event.replace(/_/g, ' ')}.`;
  }
}
