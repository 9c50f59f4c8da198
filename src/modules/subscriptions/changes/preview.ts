import type { Kysely } from 'kysely';
import type { Database, SubscriptionRow } from '../../../db/schema.js';
import type { Clock } from '../../../kernel/clock.js';
import { AppError } from '../../../kernel/errors.js';
import { money, type Money } from '../../../kernel/money.js';
import { termLabel, type Plan, type PlanPrice } from '../../plans/index.js';
import type { Pricing } from '../checkout/checkouts.js';
import { priceFor } from '../domain/pricing.js';
import { planChange } from '../domain/proration.js';
import { paymentForTerm, subscriptionOf } from '../queries.js';

/** The plan a change would move to, as a page names it. */
export interface PreviewPlan {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly termLabel: string;
}

/**
 * What changing to a plan would do, before the reader commits — the same rules as
 * `changes.ts`, without charging or writing anything. `price` is what each term of the new plan
 * costs (tax terms applied, as charged).
 */
export type ChangePreview =
  /** Starts now: `charge` taken from the card on file, `credit` the unused part of the current term. */
  | {
      readonly kind: 'upgrade';
      readonly plan: PreviewPlan;
      readonly price: Money;
      readonly charge: Money;
      readonly credit: Money;
    }
  /** During a free trial: switches now, nothing to pay until the trial ends. */
  | { readonly kind: 'trial_switch'; readonly plan: PreviewPlan; readonly price: Money }
  /** Waits for the renewal on `effectiveAt`; the reader keeps the term they paid for. */
  | {
      readonly kind: 'downgrade';
      readonly plan: PreviewPlan;
      readonly price: Money;
      readonly effectiveAt: string;
    }
  /** The current plan, with a downgrade scheduled: choosing it calls the downgrade off. */
  | { readonly kind: 'keep'; readonly plan: PreviewPlan; readonly price: Money };

/**
 * Decides what changing the reader's subscription to `planId` at the clock's now would do,
 * refusing what cannot be done. The preview shows it; `changes.ts` carries it out — one set of
 * rules for both.
 */
export async function decidePlanChange(
  deps: { db: Kysely<Database>; clock: Clock; pricing: Pricing },
  accountId: string,
  planId: string,
): Promise<{ sub: SubscriptionRow; plan: Plan; price: PlanPrice; preview: ChangePreview }> {
  const { db, clock, pricing } = deps;
  const sub = await subscriptionOf(db, accountId);
  if (!sub || sub.status === 'expired') throw new AppError('not_found', 'You have no subscription.');
  if (sub.status === 'canceling')
    throw new AppError('conflict', 'Resume the subscription before changing its plan.');
  if (sub.status === 'past_due') {
    throw new AppError('conflict', 'A payment is overdue; update the payment method before changing plan.');
  }
  const plan = await pricing.plans.get(planId);
  if (!plan || !plan.active) throw new AppError('not_found', 'That plan is not on offer.');
  const back = plan.id === sub.plan_id;
  if (back && sub.pending_plan_id === null) throw new AppError('conflict', 'You are on that plan already.');
  const newPrice = plan.prices.find((price) => price.currency === sub.currency) ?? priceFor(plan);
  const current = await pricing.plans.price(sub.price_id);
  if (!newPrice || !current || newPrice.currency !== sub.currency) {
    throw new AppError('validation_failed', 'That plan is not offered in the currency of your subscription.');
  }
  const terms = await pricing.taxTerms();
  const price = pricing.grossUp(newPrice, terms);
  const summary: PreviewPlan = {
    id: plan.id,
    slug: plan.slug,
    name: plan.name,
    termLabel: termLabel(plan.term),
  };
  const decided = (preview: ChangePreview) => ({ sub, plan, price: newPrice, preview });
  if (back) return decided({ kind: 'keep', plan: summary, price });
  if (sub.status === 'trialing') return decided({ kind: 'trial_switch', plan: summary, price });
  const paid = await paymentForTerm(db, sub.id, sub.current_period_start);
  const change = planChange({
    currentPrice: pricing.grossUp(current.amount, terms),
    // A trial was not paid for: nothing to credit.
    paidForTerm: money(paid?.amount_minor ?? 0, sub.currency),
    newPrice: price,
    period: { start: new Date(sub.current_period_start), end: new Date(sub.current_period_end) },
    at: clock.now(),
  });
  return decided(
    change.kind === 'upgrade'
      ? { kind: 'upgrade', plan: summary, price, charge: change.due, credit: change.credit }
      : { kind: 'downgrade', plan: summary, price, effectiveAt: sub.current_period_end },
  );
}

/** What a change to `planId` would do, without doing it (the change-plan page). */
export async function previewPlanChange(
  deps: { db: Kysely<Database>; clock: Clock; pricing: Pricing },
  accountId: string,
  planId: string,
): Promise<ChangePreview> {
  return (await decidePlanChange(deps, accountId, planId)).preview;
}
