import type { Kysely } from 'kysely';
import type { Database, SubscriptionRow } from '../../../db/schema.js';
import type { Clock } from '../../../kernel/clock.js';
import { AppError } from '../../../kernel/errors.js';
import type { Money } from '../../../kernel/money.js';
import type { PaymentGateway } from '../../payments/index.js';
import type { Pricing } from '../checkout/checkouts.js';
import type { Actor, SubscriptionLedger } from '../ledger/ledger.js';
import { subscriptionOf } from '../queries.js';
import { decidePlanChange } from './preview.js';
import { addTerm } from '../domain/terms.js';
import { chargeCardOnFile, claimCharge } from '../renewals/charging.js';

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
      const { sub, plan, price, preview } = await decidePlanChange({ db, clock, pricing }, accountId, planId);
      const at = clock.now();

      if (preview.kind !== 'upgrade') {
        // Back to the current plan calls a scheduled downgrade off; a trial switches plan at
        // once with nothing to pay; a downgrade waits for the renewal.
        const immediate = preview.kind === 'trial_switch';
        const scheduled = preview.kind === 'downgrade';
        const moved = await ledger.move(
          db,
          sub,
          'change_plan',
          actor,
          { plan: plan.id, price: price.id, scheduled: !immediate },
          immediate
            ? {
                plan_id: plan.id,
                price_id: price.id,
                pending_plan_id: null,
                pending_price_id: null,
                discount: null,
              }
            : {
                pending_plan_id: scheduled ? plan.id : null,
                pending_price_id: scheduled ? price.id : null,
                // The reminder named the old amount: a new one goes out before the new one is charged.
                reminded_for: null,
                reminded_at: null,
              },
        );
        if (!moved)
          throw new AppError('conflict', 'The subscription changed at the same moment; please try again.');
        return {
          kind: 'downgrade',
          effectiveAt: immediate ? at : new Date(sub.current_period_end),
          subscription: moved,
        };
      }

      const change = { due: preview.charge, credit: preview.credit };
      const claimed = await claimCharge(db, {
        sub,
        kind: 'upgrade',
        plan,
        priceId: price.id,
        amount: change.due,
        idempotencyKey: `upgrade:${sub.id}:${sub.version}:${price.id}`,
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
