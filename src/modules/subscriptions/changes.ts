import type { Kysely } from 'kysely';
import type { Database, SubscriptionRow } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError } from '../../kernel/errors.js';
import { money, type Money } from '../../kernel/money.js';
import type { PaymentGateway } from '../payments/gateway.js';
import type { Pricing } from './checkouts.js';
import type { Actor, SubscriptionLedger } from './ledger.js';
import { priceFor } from './pricing.js';
import { planChange } from './proration.js';
import { paymentForTerm, subscriptionOf } from './queries.js';
import { addTerm } from './terms.js';
import { chargeCardOnFile, claimCharge } from './charging.js';

export type ChangeOutcome =
  | {
      readonly kind: 'upgrade';
      readonly charged: Money;
      readonly credit: Money;
      readonly subscription: SubscriptionRow;
    }
  | { readonly kind: 'downgrade'; readonly effectiveAt: Date; readonly subscription: SubscriptionRow };

/**
 * Plan changes. An upgrade (a plan whose term costs more) starts at once: the unused part of the
 * current term is credited and the difference charged to the card on file. A downgrade waits
 * for the next renewal, so the reader keeps the term they paid for.
 */
export function createPlanChanges(deps: {
  db: Kysely<Database>;
  clock: Clock;
  gateway: PaymentGateway;
  pricing: Pricing;
  ledger: SubscriptionLedger;
}) {
  const { db, clock, gateway, pricing, ledger } = deps;

  return {
    async change(accountId: string, planId: string, actor: Actor): Promise<ChangeOutcome> {
      const sub = await subscriptionOf(db, accountId);
      if (!sub || sub.status === 'expired') throw new AppError('not_found', 'You have no subscription.');
      if (sub.status === 'canceling')
        throw new AppError('conflict', 'Resume the subscription before changing its plan.');
      if (sub.status === 'past_due') {
        throw new AppError(
          'conflict',
          'A payment is overdue; update the payment method before changing plan.',
        );
      }
      const plan = await pricing.plans.get(planId);
      if (!plan || !plan.active) throw new AppError('not_found', 'That plan is not on offer.');
      if (plan.id === sub.plan_id && sub.pending_plan_id === null) {
        throw new AppError('conflict', 'You are on that plan already.');
      }
      const newPrice = plan.prices.find((price) => price.currency === sub.currency) ?? priceFor(plan);
      const current = await pricing.plans.price(sub.price_id);
      if (!newPrice || !current || newPrice.currency !== sub.currency) {
        throw new AppError(
          'validation_failed',
          'That plan is not offered in the currency of your subscription.',
        );
      }
      const terms = await pricing.taxTerms();
      const at = clock.now();
      const period = { start: new Date(sub.current_period_start), end: new Date(sub.current_period_end) };
      const paid = await paymentForTerm(db, sub.id, sub.current_period_start);
      const change = planChange({
        currentPrice: pricing.grossUp(current.amount, terms),
        // A trial was not paid for: nothing to credit.
        paidForTerm: money(paid?.amount_minor ?? 0, sub.currency),
        newPrice: pricing.grossUp(newPrice, terms),
        period,
        at,
      });

      if (plan.id === sub.plan_id || change.kind === 'downgrade' || sub.status === 'trialing') {
        // Back to the current plan cancels a scheduled change; a trial switches plan with nothing to pay.
        const back = plan.id === sub.plan_id;
        const immediate = sub.status === 'trialing' && !back;
        const moved = await ledger.move(
          db,
          sub,
          'change_plan',
          actor,
          { plan: plan.id, price: newPrice.id, scheduled: !immediate },
          immediate
            ? {
                plan_id: plan.id,
                price_id: newPrice.id,
                pending_plan_id: null,
                pending_price_id: null,
                discount: null,
              }
            : {
                pending_plan_id: back ? null : plan.id,
                pending_price_id: back ? null : newPrice.id,
                // The reminder named the old amount: a new one goes out before the new one is charged.
                reminded_for: null,
                reminded_at: null,
              },
        );
        if (!moved)
          throw new AppError('conflict', 'The subscription changed at the same moment; please try again.');
        return { kind: 'downgrade', effectiveAt: immediate ? at : period.end, subscription: moved };
      }

      const claimed = await claimCharge(db, {
        sub,
        kind: 'upgrade',
        plan,
        priceId: newPrice.id,
        amount: change.due,
        idempotencyKey: `upgrade:${sub.id}:${sub.version}:${newPrice.id}`,
        period: { start: at, end: addTerm(at, plan.term) },
        attempt: 1,
        at,
      });
      if (!claimed) throw new AppError('conflict', 'That change is under way already.');
      // Fully paid by the credit: nothing to send to the gateway.
      const result =
        change.due.amountMinor === 0
          ? ({ ok: true, paymentRef: 'credit' } as const)
          : await chargeCardOnFile(gateway, sub, claimed);
      await ledger.settle(claimed.id, result, actor);
      if (!result.ok) throw new AppError('payment_failed', `The upgrade was not charged: ${result.reason}`);
      const fresh = await subscriptionOf(db, accountId);
      return { kind: 'upgrade', charged: change.due, credit: change.credit, subscription: fresh! };
    },
  };
}

export type PlanChanges = ReturnType<typeof createPlanChanges>;
