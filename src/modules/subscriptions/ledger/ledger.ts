import type { Kysely, Transaction } from 'kysely';
import type {
  CheckoutRow,
  Database,
  PaymentRow,
  SubscriptionRow,
  SubscriptionsTable,
} from '../../../db/schema.js';
import type { Updateable } from 'kysely';
import { isUniqueViolation } from '../../../db/errors.js';
import type { Clock } from '../../../kernel/clock.js';
import { AppError } from '../../../kernel/errors.js';
import { newId } from '../../../kernel/ids.js';
import { money, type Money } from '../../../kernel/money.js';
import type { TtlCache } from '../../../kernel/ttl-cache.js';
import type { ChargeResult, SavedPaymentMethod } from '../../payments/index.js';
import type { Plan, PlanService } from '../../plans/index.js';
import { graceEndsAt, nextRetry, type BillingPolicy } from '../domain/dunning.js';
import { entitlementsAt } from '../domain/entitlements.js';
import { transition, type LifecycleEvent } from '../domain/lifecycle.js';
import type { BillingNotices } from '../notices/notices.js';
import { closeCheckout } from '../checkout/queries.js';
import {
  insertPayment,
  paymentById,
  recordEvent,
  subscriptionById,
  subscriptionOf,
  subscriptionsOfAccounts,
} from '../queries.js';
import {
  hasPendingPayment,
  insertSubscription,
  settlePendingPayment,
  updateSubscriptionAt,
} from './queries.js';
import { addDays, addTerm } from '../domain/terms.js';
import { markMoved } from '../price-moves/queries.js';
import { benefitsOf, liveComps } from './queries-comps.js';

/** A subscription's benefits joined by those of the reader's live comps. */
function withComps(paid: ReadonlySet<string>, comps: readonly { benefits: string }[]): ReadonlySet<string> {
  if (comps.length === 0) return paid;
  return new Set([...paid, ...comps.flatMap(benefitsOf)]);
}

/** The part of the invoices module the ledger uses: an invoice for each payment taken. */
export interface InvoiceIssuer {
  issue(
    trx: Kysely<Database>,
    input: {
      paymentId: string;
      accountId: string;
      subscriptionId: string | null;
      issuedAt: Date;
      total: Money;
      description: string;
      periodStart?: Date;
      periodEnd?: Date;
      buyer: { name: string; email: string; stateCode: string | null };
    },
  ): Promise<{ id: string; number: string }>;
}

/** Thrown inside the opening transaction to roll it back when the coupon cannot be redeemed. */
class CouponRefused extends Error {}

/** The part of the coupons module the ledger uses. */
export interface CouponRedeemer {
  redeem(
    trx: Kysely<Database>,
    input: { couponId: string; accountId: string; subscriptionId: string },
  ): Promise<boolean>;
}

/** The part of the accounts module the ledger uses: the buyer's address on an invoice. */
export interface BuyerDirectory {
  account(id: string): Promise<{ readonly email: string } | undefined>;
}

/** Who caused a change: `reader:acc_…`, `admin:key_…`, `billing-run`, `gateway:sandbox:evt_…`. */
export type Actor = string;

type Db = Kysely<Database> | Transaction<Database>;
type Changes = Omit<Updateable<SubscriptionsTable>, 'id' | 'status' | 'version' | 'updated_at'>;

/**
 * The books of subscriptions: every change of status goes through `move`, which applies the
 * lifecycle's transition table, guards against a concurrent change (the `version` column) and
 * records the event with its actor. Payments are settled here exactly once: a payment moves
 * out of `pending` by a guarded update, so a second settlement (a webhook delivered twice, a
 * sweep racing a webhook) changes nothing.
 */
export function createSubscriptionLedger(deps: {
  db: Kysely<Database>;
  clock: Clock;
  plans: PlanService;
  accounts: BuyerDirectory;
  invoices: InvoiceIssuer;
  coupons: CouponRedeemer;
  notices: BillingNotices;
  /** Each reader's entitlements, read on every page view (`caches.entitlements`). */
  entitlementCache: TtlCache<string, ReadonlySet<string>>;
  options: { policy: BillingPolicy; onNoticeError: (error: unknown) => void };
}) {
  const { db, clock, plans, accounts, invoices, coupons, notices, entitlementCache } = deps;
  const { policy, onNoticeError } = deps.options;

  /** Mail goes out after the books are written; a mail outage never undoes a payment. */
  const notify = (send: () => Promise<void>) => send().catch(onNoticeError);

  async function planOf(planId: string): Promise<Plan> {
    const plan = await plans.get(planId);
    if (!plan) throw new Error(`Plan ${planId} of a subscription is missing.`);
    return plan;
  }

  async function move(
    trx: Db,
    sub: SubscriptionRow,
    event: LifecycleEvent,
    actor: Actor,
    detail: Readonly<Record<string, unknown>>,
    changes: Changes = {},
  ): Promise<SubscriptionRow | undefined> {
    const at = clock.now();
    const step = transition(sub.status, event, {
      trialEnded: sub.trial_ends_at === null || new Date(sub.trial_ends_at) <= at,
    });
    if (!step.ok) throw new AppError('conflict', step.reason);
    const updated = await updateSubscriptionAt(trx, sub.id, sub.version, {
      ...changes,
      status: step.to,
      version: sub.version + 1,
      updated_at: at.toISOString(),
    });
    if (!updated) return undefined;
    await recordEvent(trx, {
      id: newId('sev'),
      subscriptionId: sub.id,
      kind: event,
      from: sub.status,
      to: step.to,
      actor,
      detail,
      at: at.toISOString(),
    });
    entitlementCache.delete(sub.account_id);
    return {
      ...sub,
      ...changes,
      status: step.to,
      version: sub.version + 1,
      updated_at: at.toISOString(),
    } as SubscriptionRow;
  }

  /**
   * The address to bill, asked of the accounts module before a transaction opens (on SQLite
   * nothing but the transaction may use the connection while it is open).
   */
  async function emailOf(accountId: string): Promise<string> {
    return (await accounts.account(accountId))?.email ?? '';
  }

  const buyerOf = (sub: { billing_name: string; billing_state: string | null }, email: string) => ({
    name: sub.billing_name,
    email,
    stateCode: sub.billing_state,
  });

  // The line names the plan only: the invoice states the period itself, from the line's
  // start and end, in its own time zone (a date here was UTC's, and could be a day off).
  const describeTerm = (plan: Plan): string => `${plan.name} subscription`;

  return {
    policy,
    move,

    /**
     * Opens the subscription a paid (or trial) checkout bought, with its first payment and
     * invoice, in one transaction. Runs once per checkout: the checkout leaves `open` (or
     * `expired`, for a payment that arrived after it ended) by a guarded update. Returns undefined when another caller completed it first, `duplicate`
     * when the reader already had a live subscription, and `coupon_refused` when the checkout's
     * coupon can no longer be redeemed (both roll back; the caller refunds).
     */
    async startFromCheckout(
      checkout: CheckoutRow,
      outcome: { paymentRef: string | null; amount: Money; paymentMethod: SavedPaymentMethod },
      actor: Actor,
    ): Promise<SubscriptionRow | 'duplicate' | 'coupon_refused' | undefined> {
      if (checkout.plan_id === null || checkout.price_id === null)
        throw new Error('Not a subscribe checkout.');
      const from = checkout.status;
      if (from !== 'open' && from !== 'expired') throw new Error(`Checkout ${checkout.id} is ${from}.`);
      const plan = await planOf(checkout.plan_id);
      const at = clock.now();
      const trial = checkout.trial_days > 0;
      const periodEnd = trial ? addDays(at, checkout.trial_days) : addTerm(at, plan.term);
      const subscriptionId = newId('sub');
      const paid = outcome.amount.amountMinor > 0;
      let invoice: { id: string; number: string } | undefined;
      const email = paid ? await emailOf(checkout.account_id) : '';
      const result = await db
        .transaction()
        .execute(async (trx) => {
          const claimed = await closeCheckout(trx, checkout.id, from, {
            status: 'completed',
            completed_at: at.toISOString(),
            subscription_id: subscriptionId,
          });
          if (!claimed) return undefined;
          const row: SubscriptionRow = {
            id: subscriptionId,
            account_id: checkout.account_id,
            plan_id: plan.id,
            price_id: checkout.price_id!,
            status: trial ? 'trialing' : 'active',
            currency: checkout.currency,
            // A first-term-only discount has been used up by this checkout; one for every term stays.
            discount:
              checkout.discount !== null && JSON.parse(checkout.discount).duration === 'forever'
                ? checkout.discount
                : null,
            billing_name: checkout.billing_name,
            billing_state: checkout.billing_state,
            gateway: checkout.gateway,
            gateway_customer: outcome.paymentMethod.customerRef,
            payment_method_ref: outcome.paymentMethod.ref,
            payment_method_label: outcome.paymentMethod.label,
            current_period_start: at.toISOString(),
            current_period_end: periodEnd.toISOString(),
            trial_ends_at: trial ? periodEnd.toISOString() : null,
            cancel_requested_at: null,
            cancel_reason: null,
            pending_plan_id: null,
            pending_price_id: null,
            renewal_attempts: 0,
            next_attempt_at: null,
            reminded_for: null,
            reminded_at: null,
            ended_at: null,
            version: 1,
            created_at: at.toISOString(),
            updated_at: at.toISOString(),
          };
          await insertSubscription(trx, row);
          await recordEvent(trx, {
            id: newId('sev'),
            subscriptionId,
            kind: trial ? 'start_trial' : 'start',
            from: null,
            to: row.status,
            actor,
            detail: {
              checkout: checkout.id,
              plan: plan.id,
              price: checkout.price_id,
              amount: outcome.amount,
            },
            at: at.toISOString(),
          });
          if (checkout.discount !== null) {
            // The checkout's hold on the coupon becomes its redemption here, in the transaction
            // that opens the subscription. A coupon switched off since (or, for a checkout opened
            // before holds existed, one at its limit) opens nothing: the caller refunds.
            const { couponId } = JSON.parse(checkout.discount) as { couponId: string };
            const redeemed = await coupons.redeem(trx, {
              couponId,
              accountId: checkout.account_id,
              subscriptionId,
            });
            if (!redeemed) throw new CouponRefused();
          }
          if (paid) {
            const paymentId = newId('pay');
            await insertPayment(trx, {
              id: paymentId,
              account_id: checkout.account_id,
              subscription_id: subscriptionId,
              checkout_id: checkout.id,
              plan_id: plan.id,
              price_id: checkout.price_id,
              kind: 'initial',
              status: 'succeeded',
              amount_minor: outcome.amount.amountMinor,
              currency: outcome.amount.currency,
              idempotency_key: `checkout:${checkout.id}`,
              gateway: checkout.gateway,
              gateway_ref: outcome.paymentRef,
              failure_reason: null,
              period_start: row.current_period_start,
              period_end: row.current_period_end,
              created_at: at.toISOString(),
              settled_at: at.toISOString(),
            });
            invoice = await invoices.issue(trx, {
              paymentId,
              accountId: checkout.account_id,
              subscriptionId,
              issuedAt: at,
              total: outcome.amount,
              description: describeTerm(plan),
              periodStart: at,
              periodEnd,
              buyer: buyerOf(row, email),
            });
          }
          return row;
        })
        .catch((error: unknown) => {
          if (isUniqueViolation(error)) return 'duplicate' as const;
          if (error instanceof CouponRefused) return 'coupon_refused' as const;
          throw error;
        });
      if (result === undefined || result === 'duplicate' || result === 'coupon_refused') return result;
      entitlementCache.delete(checkout.account_id);
      const renewsAt = new Date(result.current_period_end);
      if (invoice) {
        const { id: invoiceId, number: invoiceNumber } = invoice;
        await notify(() =>
          notices.receipt({
            accountId: result.account_id,
            planName: plan.name,
            amount: outcome.amount,
            invoiceId,
            invoiceNumber,
            renewsAt,
          }),
        );
      } else if (trial) {
        const price = await plans.price(result.price_id);
        await notify(() =>
          notices.trialStarted({
            accountId: result.account_id,
            planName: plan.name,
            amount: price?.amount ?? money(0, result.currency),
            trialEndsAt: renewsAt,
          }),
        );
      }
      return result;
    },

    /**
     * Books the outcome of a charge: a renewal advances the term (or starts dunning), an
     * upgrade switches the plan. Exactly once per payment, however many times it is called.
     */
    async settle(paymentId: string, result: ChargeResult, actor: Actor): Promise<'settled' | 'already'> {
      const payment = await paymentById(db, paymentId);
      if (!payment || payment.status !== 'pending') return 'already';
      const current = payment.subscription_id
        ? await subscriptionById(db, payment.subscription_id)
        : undefined;
      if (!current) throw new Error(`Payment ${paymentId} has no subscription.`);
      // Plans are read before the transaction: on SQLite nothing but the transaction may use the
      // connection while it is open.
      const plan = await planOf(payment.plan_id ?? current.plan_id);
      const currentPlan = await planOf(current.plan_id);
      const email = result.ok ? await emailOf(current.account_id) : '';
      const at = clock.now();
      let after: (() => Promise<void>) | undefined;
      const outcome = await db.transaction().execute(async (trx) => {
        const claimed = await settlePendingPayment(trx, paymentId, {
          status: result.ok ? 'succeeded' : 'failed',
          gateway_ref: result.paymentRef,
          failure_reason: result.ok ? null : result.reason,
          settled_at: at.toISOString(),
        });
        if (!claimed) return 'already' as const;
        const sub = await subscriptionById(trx, current.id);
        if (!sub) throw new Error(`Payment ${paymentId} has no subscription.`);
        after = result.ok
          ? await booked(trx, sub, payment, plan, email, actor)
          : await failed(trx, sub, payment, currentPlan, result.reason, actor);
        return 'settled' as const;
      });
      if (after) await notify(after);
      return outcome;
    },

    /** Cancels at the end of the paid term (at once when a payment is overdue). */
    async cancel(accountId: string, input: { reason?: string }, actor: Actor): Promise<SubscriptionRow> {
      const sub = await live(accountId);
      const at = clock.now();
      const moved = await move(
        db,
        sub,
        'cancel',
        actor,
        { reason: input.reason ?? null },
        {
          cancel_requested_at: at.toISOString(),
          cancel_reason: input.reason ?? null,
          ...(sub.status === 'past_due' && { ended_at: at.toISOString(), next_attempt_at: null }),
        },
      );
      if (!moved) throw changedMeanwhile();
      const plan = await planOf(moved.plan_id);
      await notify(() =>
        moved.status === 'expired'
          ? notices.ended({ accountId, planName: plan.name, reason: 'canceled' })
          : notices.canceled({ accountId, planName: plan.name, endsAt: new Date(moved.current_period_end) }),
      );
      return moved;
    },

    /** Undoes a cancellation before the term ends. */
    async resume(accountId: string, actor: Actor): Promise<SubscriptionRow> {
      const sub = await live(accountId);
      if (sub.status === 'canceling' && new Date(sub.current_period_end) <= clock.now()) {
        throw new AppError('conflict', 'The subscription has already ended; subscribe again to continue.');
      }
      const moved = await move(
        db,
        sub,
        'resume',
        actor,
        {},
        { cancel_requested_at: null, cancel_reason: null },
      );
      if (!moved) throw changedMeanwhile();
      return moved;
    },

    /**
     * Support gives `days` free: the current term ends that much later, and the renewal (with
     * its reminder, and a trial's end) moves with it. Nothing is charged. Refused while a charge
     * is on its way: settling it would write the term it paid for over the extension.
     */
    async extend(accountId: string, days: number, actor: Actor): Promise<SubscriptionRow> {
      const sub = await live(accountId);
      if (await hasPendingPayment(db, sub.id)) {
        throw new AppError('conflict', 'A renewal charge is on its way; extend once it has settled.');
      }
      const end = addDays(new Date(sub.current_period_end), days).toISOString();
      const moved = await move(
        db,
        sub,
        'extend',
        actor,
        { days, from: sub.current_period_end, to: end },
        {
          current_period_end: end,
          ...(sub.trial_ends_at === sub.current_period_end && { trial_ends_at: end }),
        },
      );
      if (!moved) throw changedMeanwhile();
      return moved;
    },

    /** A new card for renewals. */
    async updatePaymentMethod(subscriptionId: string, method: SavedPaymentMethod, actor: Actor) {
      const sub = await subscriptionById(db, subscriptionId);
      if (!sub) throw new AppError('not_found', 'The subscription was not found.');
      const moved = await move(
        db,
        sub,
        'update_payment_method',
        actor,
        { label: method.label },
        {
          payment_method_ref: method.ref,
          payment_method_label: method.label,
          gateway_customer: method.customerRef ?? sub.gateway_customer,
        },
      );
      if (!moved) throw changedMeanwhile();
      return moved;
    },

    /** Ends a subscription whose term ran out after a cancellation, or whose retries ran out. */
    async expire(
      sub: SubscriptionRow,
      reason: 'canceled' | 'payment_failed' | 'account_deleted',
      actor: Actor,
    ) {
      const moved = await move(
        db,
        sub,
        'expire',
        actor,
        { reason },
        { ended_at: clock.now().toISOString(), next_attempt_at: null },
      );
      if (moved) {
        const plan = await planOf(moved.plan_id);
        await notify(() => notices.ended({ accountId: moved.account_id, planName: plan.name, reason }));
      }
      return moved;
    },

    /** The benefits the reader's subscription grants now; cached briefly (every page asks). */
    entitlements(accountId: string): Promise<ReadonlySet<string>> {
      return entitlementCache.get(accountId, async () => {
        const [paid, comps] = await Promise.all([
          subscriptionOf(db, accountId).then((sub) => grants(sub)),
          liveComps(db, [accountId], clock.now().toISOString()),
        ]);
        return withComps(paid, comps);
      });
    },

    /**
     * The entitlements of many accounts now, read afresh (no cache: a send decides once per
     * recipient and must not act on a minute-old answer), 500 accounts to a statement.
     */
    async entitlementsOfMany(
      accountIds: readonly string[],
    ): Promise<ReadonlyMap<string, ReadonlySet<string>>> {
      const answer = new Map<string, ReadonlySet<string>>();
      const unique = [...new Set(accountIds)];
      // Thousands of subscriptions share a handful of plans: each is read once.
      const plansRead = new Map<string, Promise<Plan>>();
      const planOnce = (planId: string) => {
        let plan = plansRead.get(planId);
        if (!plan) plansRead.set(planId, (plan = planOf(planId)));
        return plan;
      };
      for (let i = 0; i < unique.length; i += 500) {
        const chunk = unique.slice(i, i + 500);
        const [subs, comps] = await Promise.all([
          subscriptionsOfAccounts(db, chunk),
          liveComps(db, chunk, clock.now().toISOString()),
        ]);
        for (const accountId of chunk) {
          const paid = await grants(subs.get(accountId), planOnce);
          answer.set(
            accountId,
            withComps(
              paid,
              comps.filter((comp) => comp.account_id === accountId),
            ),
          );
        }
      }
      return answer;
    },
  };

  /** What `sub` (the account's current or latest subscription) grants now. */
  async function grants(
    sub: SubscriptionRow | undefined,
    findPlan: (planId: string) => Promise<Plan> = planOf,
  ): Promise<ReadonlySet<string>> {
    if (!sub || sub.status === 'expired') return entitlementsAt(null, clock.now());
    const plan = await findPlan(sub.plan_id);
    const periodEnd = new Date(sub.current_period_end);
    return entitlementsAt(
      {
        status: sub.status,
        periodEnd,
        graceEndsAt: graceEndsAt(periodEnd, policy),
        benefits: plan.benefits,
      },
      clock.now(),
    );
  }

  async function live(accountId: string): Promise<SubscriptionRow> {
    const sub = await subscriptionOf(db, accountId);
    if (!sub || sub.status === 'expired') throw new AppError('not_found', 'You have no subscription.');
    return sub;
  }

  /** A paid renewal or upgrade: the new term, its invoice; the receipt goes out afterwards. */
  async function booked(
    trx: Transaction<Database>,
    sub: SubscriptionRow,
    payment: PaymentRow,
    plan: Plan,
    email: string,
    actor: Actor,
  ) {
    const amount = money(payment.amount_minor, payment.currency);
    const start = new Date(payment.period_start!);
    const end = new Date(payment.period_end!);
    const changes: Changes = {
      plan_id: plan.id,
      price_id: payment.price_id ?? sub.price_id,
      current_period_start: payment.period_start!,
      current_period_end: payment.period_end!,
      renewal_attempts: 0,
      next_attempt_at: null,
    };
    let moved: SubscriptionRow | undefined;
    if (payment.kind === 'upgrade') {
      moved = await move(
        trx,
        sub,
        'change_plan',
        actor,
        { payment: payment.id, plan: plan.id, upgrade: true },
        {
          ...changes,
          pending_plan_id: null,
          pending_price_id: null,
          discount: null,
        },
      );
    } else {
      const downgraded = sub.pending_plan_id !== null;
      moved = await move(
        trx,
        sub,
        'renew',
        actor,
        { payment: payment.id, attempt: payment.attempt },
        {
          ...changes,
          pending_plan_id: null,
          pending_price_id: null,
          ...(downgraded && { discount: null }),
        },
      );
    }
    if (!moved) throw changedMeanwhile();
    // A renewal at a newer price version is the price move its notice announced, done.
    if (payment.kind === 'renewal' && payment.price_id !== null && payment.price_id !== sub.price_id)
      await markMoved(trx, sub.id, payment.price_id, clock.now().toISOString());
    const invoice = await invoices.issue(trx, {
      paymentId: payment.id,
      accountId: sub.account_id,
      subscriptionId: sub.id,
      issuedAt: clock.now(),
      total: amount,
      description: describeTerm(plan),
      periodStart: start,
      periodEnd: end,
      buyer: buyerOf(sub, email),
    });
    const renewsAt = moved.status === 'canceling' ? null : end;
    return () =>
      notices.receipt({
        accountId: sub.account_id,
        planName: plan.name,
        amount,
        invoiceId: invoice.id,
        invoiceNumber: invoice.number,
        renewsAt,
      });
  }

  /** A failed renewal: dunning (retry later, access through the grace period) or the end. */
  async function failed(
    trx: Transaction<Database>,
    sub: SubscriptionRow,
    payment: PaymentRow,
    plan: Plan,
    reason: string,
    actor: Actor,
  ) {
    if (payment.kind !== 'renewal') return undefined; // a failed upgrade changes nothing
    const renewsAt = new Date(sub.current_period_end);
    const amount = money(payment.amount_minor, payment.currency);
    const next = nextRetry(renewsAt, payment.attempt, policy);
    if ('expire' in next) {
      const dunning =
        sub.status === 'past_due'
          ? sub
          : await move(
              trx,
              sub,
              'payment_failed',
              actor,
              { payment: payment.id, reason },
              { renewal_attempts: payment.attempt },
            );
      if (!dunning) throw changedMeanwhile();
      const ended = await move(
        trx,
        dunning,
        'expire',
        actor,
        { reason: 'payment_failed' },
        { ended_at: clock.now().toISOString(), next_attempt_at: null },
      );
      if (!ended) throw changedMeanwhile();
      return async () => {
        await notices.paymentFailed({
          accountId: sub.account_id,
          planName: plan.name,
          amount,
          reason,
          retryAt: null,
          accessUntil: clock.now(),
        });
        await notices.ended({ accountId: sub.account_id, planName: plan.name, reason: 'payment_failed' });
      };
    }
    const moved = await move(
      trx,
      sub,
      'payment_failed',
      actor,
      { payment: payment.id, reason, retryAt: next.retryAt.toISOString() },
      {
        renewal_attempts: payment.attempt,
        next_attempt_at: next.retryAt.toISOString(),
      },
    );
    if (!moved) throw changedMeanwhile();
    return () =>
      notices.paymentFailed({
        accountId: sub.account_id,
        planName: plan.name,
        amount,
        reason,
        retryAt: next.retryAt,
        accessUntil: graceEndsAt(renewsAt, policy),
      });
  }
}

export type SubscriptionLedger = ReturnType<typeof createSubscriptionLedger>;

const changedMeanwhile = () =>
  new AppError('conflict', 'The subscription changed at the same moment; please try again.');
