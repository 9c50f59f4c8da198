import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { PlanService, Term } from '../../plans/index.js';
import { paymentsSettledBetween, subscriptionsOverlapping } from './queries.js';

/** One subscription as reporting sees it: plain facts, no status rules applied. */
export interface SubscriptionFact {
  readonly id: string;
  readonly accountId: string;
  readonly planId: string;
  readonly planName: string;
  /** What a term costs at the subscription's price version (minor units). */
  readonly priceMinor: number;
  readonly currency: string;
  readonly term: Term;
  /** When the subscription opened (its first payment, or the start of its trial). */
  readonly startedAt: string;
  /** Null unless it began with a free trial. */
  readonly trialEndsAt: string | null;
  /** When the reader (or support) asked to end it; null if they did not, or resumed. */
  readonly canceledAt: string | null;
  /** When access ended (the term ran out after a cancellation, or the retries did); null while live. */
  readonly endedAt: string | null;
}

/** A payment that succeeded (even if later refunded): money taken, by plan. */
export interface PaymentFact {
  readonly id: string;
  readonly accountId: string;
  readonly subscriptionId: string | null;
  readonly planId: string | null;
  readonly kind: 'initial' | 'renewal' | 'upgrade';
  readonly amountMinor: number;
  readonly currency: string;
  /** When it settled. */
  readonly at: string;
}

/** Read-only facts for reporting (the analytics module asks; it never reads billing's tables). */
export interface BillingReporting {
  /**
   * Every subscription live at some instant of [from, to): opened before `to` and not ended
   * before `from`.
   */
  subscriptionsBetween(from: string, to: string): Promise<SubscriptionFact[]>;
  /** Payments that succeeded in [from, to) (refunded ones included: they succeeded first). */
  paymentsBetween(from: string, to: string): Promise<PaymentFact[]>;
}

export function createBillingReporting(deps: { db: Kysely<Database>; plans: PlanService }): BillingReporting {
  const { db, plans } = deps;
  return {
    async subscriptionsBetween(from, to) {
      const rows = await subscriptionsOverlapping(db, from, to);
      const planIds = [...new Set(rows.map((row) => row.plan_id))];
      const priceIds = [...new Set(rows.map((row) => row.price_id))];
      const [planList, priceList] = await Promise.all([
        Promise.all(planIds.map((id) => plans.get(id))),
        Promise.all(priceIds.map((id) => plans.price(id))),
      ]);
      const planById = new Map(planList.flatMap((plan) => (plan ? [[plan.id, plan] as const] : [])));
      const priceById = new Map(priceList.flatMap((price) => (price ? [[price.id, price] as const] : [])));
      return rows.map((row) => {
        const plan = planById.get(row.plan_id);
        const price = priceById.get(row.price_id);
        if (!plan || !price) throw new Error(`Subscription ${row.id} has a missing plan or price.`);
        return {
          id: row.id,
          accountId: row.account_id,
          planId: plan.id,
          planName: plan.name,
          priceMinor: price.amount.amountMinor,
          currency: price.amount.currency,
          term: plan.term,
          startedAt: row.created_at,
          trialEndsAt: row.trial_ends_at,
          canceledAt: row.cancel_requested_at,
          endedAt: row.ended_at,
        };
      });
    },
    async paymentsBetween(from, to) {
      const rows = await paymentsSettledBetween(db, from, to);
      return rows.map((row) => ({
        id: row.id,
        accountId: row.account_id,
        subscriptionId: row.subscription_id,
        planId: row.plan_id,
        kind: row.kind,
        amountMinor: row.amount_minor,
        currency: row.currency,
        at: row.settled_at ?? row.created_at,
      }));
    },
  };
}
