import type { Kysely } from 'kysely';
import type { Database, PaymentRow, SubscriptionRow } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError } from '../../kernel/errors.js';
import { money, type Money } from '../../kernel/money.js';
import type { PaymentGateway, WebhookEvent } from '../payments/gateway.js';
import { termLabel, type PlanService, type Term } from '../plans/index.js';
import { createPlanChanges } from './changes/changes.js';
import {
  createCheckouts,
  type CheckoutRequest,
  type CouponQuoter,
  type Pricing,
} from './checkout/checkouts.js';
import { chargeableAt, defaultBillingPolicy, graceEndsAt, type BillingPolicy } from './domain/dunning.js';
import { createSubscriptionLedger, type CouponRedeemer, type InvoiceIssuer } from './ledger/ledger.js';
import type { SubscriptionStatus } from './domain/lifecycle.js';
import type { BillingNotices } from './notices/notices.js';
import type { TaxTerms } from './domain/pricing.js';
import { paymentsOf, subscriptionOf } from './queries.js';
import { createRenewals, type SweepLog } from './renewals/renewals.js';
import { previewPlanChange } from './changes/preview.js';

/** The subscription as the reader (and their apps) see it. */
export interface SubscriptionView {
  readonly id: string;
  readonly status: SubscriptionStatus;
  readonly plan: {
    readonly id: string;
    readonly name: string;
    readonly term: Term;
    readonly termLabel: string;
  };
  /** What each renewal charges. */
  readonly price: Money;
  readonly currentPeriodStart: string;
  readonly currentPeriodEnd: string;
  /** When the next charge is made, and how much; null when it will not renew. */
  readonly renewal: { readonly at: string; readonly amount: Money } | null;
  /** When access ends: set once cancelled (the end of the paid term) or ended. */
  readonly endsAt: string | null;
  readonly trialEndsAt: string | null;
  readonly canceledAt: string | null;
  /** A downgrade waiting for the next renewal. */
  readonly pendingChange: {
    readonly planId: string;
    readonly planName: string;
    readonly effectiveAt: string;
  } | null;
  readonly paymentMethod: string | null;
  /** A failed renewal: when it is tried again, and until when access continues. */
  readonly overdue: { readonly nextAttemptAt: string | null; readonly accessUntil: string } | null;
}

export interface PaymentView {
  readonly id: string;
  readonly kind: PaymentRow['kind'];
  readonly status: PaymentRow['status'];
  readonly amount: Money;
  readonly createdAt: string;
  readonly failureReason: string | null;
}

/**
 * Subscriptions and billing: checkout, the subscription's lifecycle, plan changes, renewals
 * and dunning, webhooks. Built from the gateway, plans, coupons, invoices and mail; the parts
 * (ledger, checkouts, changes, renewals) are separate files with one job each.
 */
export function createBilling(deps: {
  db: Kysely<Database>;
  clock: Clock;
  gateway: PaymentGateway;
  catalogue: {
    plans: PlanService;
    coupons: CouponQuoter & CouponRedeemer;
    taxTerms: () => Promise<TaxTerms>;
    grossUp: (price: Money, terms: TaxTerms) => Money;
  };
  records: { invoices: InvoiceIssuer; notices: BillingNotices };
  /** Billing mail that could not be sent and subscriptions a sweep could not finish go here. */
  options: { publicUrl: string; policy?: BillingPolicy; log: SweepLog };
}) {
  const { db, clock, gateway, catalogue } = deps;
  const { plans } = catalogue;
  const policy = deps.options.policy ?? defaultBillingPolicy;
  const { log } = deps.options;
  const pricing: Pricing = catalogue;
  const ledger = createSubscriptionLedger({
    db,
    clock,
    plans,
    invoices: deps.records.invoices,
    coupons: catalogue.coupons,
    notices: deps.records.notices,
    options: {
      policy,
      // Mail goes out after the books are written: a failed one is logged, never undoes them.
      onNoticeError: (error) => log.error({ err: error }, 'billing mail was not sent'),
    },
  });
  const checkouts = createCheckouts({
    db,
    clock,
    gateway,
    pricing,
    ledger,
    publicUrl: deps.options.publicUrl,
  });
  const changes = createPlanChanges({ db, clock, gateway, pricing, ledger });
  const renewals = createRenewals({
    db,
    clock,
    gateway,
    pricing,
    ledger,
    notices: deps.records.notices,
    log,
  });

  async function view(sub: SubscriptionRow): Promise<SubscriptionView> {
    const [plan, renewal, pending] = await Promise.all([
      plans.get(sub.plan_id),
      renewals.renewalOf(sub),
      sub.pending_plan_id ? plans.get(sub.pending_plan_id) : undefined,
    ]);
    if (!plan) throw new Error(`Subscription ${sub.id} has a missing plan.`);
    const renews = sub.status === 'active' || sub.status === 'trialing' || sub.status === 'past_due';
    const remindedAt =
      sub.reminded_for === sub.current_period_end && sub.reminded_at ? new Date(sub.reminded_at) : null;
    const chargeAt =
      sub.status === 'past_due'
        ? sub.next_attempt_at
        : ((remindedAt && chargeableAt(renewal.start, remindedAt, policy)) ?? renewal.start).toISOString();
    return {
      id: sub.id,
      status: sub.status,
      plan: { id: plan.id, name: plan.name, term: plan.term, termLabel: termLabel(plan.term) },
      price: renewal.amount,
      currentPeriodStart: sub.current_period_start,
      currentPeriodEnd: sub.current_period_end,
      renewal: renews && chargeAt ? { at: chargeAt, amount: renewal.amount } : null,
      endsAt: sub.status === 'canceling' ? sub.current_period_end : sub.ended_at,
      trialEndsAt: sub.trial_ends_at,
      canceledAt: sub.cancel_requested_at,
      pendingChange:
        pending && sub.pending_plan_id
          ? { planId: pending.id, planName: pending.name, effectiveAt: sub.current_period_end }
          : null,
      paymentMethod: sub.payment_method_label,
      overdue:
        sub.status === 'past_due'
          ? {
              nextAttemptAt: sub.next_attempt_at,
              accessUntil: graceEndsAt(new Date(sub.current_period_end), policy).toISOString(),
            }
          : null,
    };
  }

  const reader = (accountId: string) => `reader:${accountId}`;

  /** The reader came back from the gateway. A saved card for an overdue renewal is tried at once. */
  async function completeCheckout(checkoutId: string, actor: string) {
    const state = await checkouts.complete(checkoutId, actor);
    if (state.status === 'completed' && state.subscriptionId) await renewals.retryNow(state.subscriptionId);
    return state;
  }

  return {
    policy,
    checkouts,
    renewals,
    ledger,

    /** The reader's live subscription, or their last one if it ended; null if they never had one. */
    async subscription(accountId: string): Promise<SubscriptionView | null> {
      const sub = await subscriptionOf(db, accountId);
      return sub ? view(sub) : null;
    },

    entitlements: (accountId: string) => ledger.entitlements(accountId),

    async payments(accountId: string): Promise<PaymentView[]> {
      return (await paymentsOf(db, accountId)).map((row) => ({
        id: row.id,
        kind: row.kind,
        status: row.status,
        amount: money(row.amount_minor, row.currency),
        createdAt: row.created_at,
        failureReason: row.failure_reason,
      }));
    },

    startCheckout: (request: CheckoutRequest) => checkouts.start(request),

    completeCheckout,

    async cancel(accountId: string, reason?: string) {
      return view(await ledger.cancel(accountId, { reason }, reader(accountId)));
    },

    async resume(accountId: string) {
      return view(await ledger.resume(accountId, reader(accountId)));
    },

    /** What changing to `planId` would do now, without doing it (the change-plan page). */
    previewChange: (accountId: string, planId: string) =>
      previewPlanChange({ db, clock, pricing }, accountId, planId),

    async changePlan(accountId: string, planId: string) {
      const outcome = await changes.change(accountId, planId, reader(accountId));
      return { ...outcome, subscription: await view(outcome.subscription) };
    },

    /**
     * Acts on a verified webhook. Every action is idempotent by itself (a guarded update), and
     * the event id is recorded afterwards, so a second delivery returns early; a delivery that
     * failed half-way is simply done again.
     */
    async handleWebhook(event: WebhookEvent): Promise<'processed' | 'duplicate'> {
      const seen = await db
        .selectFrom('webhook_events')
        .select('event_id')
        .where('provider', '=', gateway.name)
        .where('event_id', '=', event.eventId)
        .executeTakeFirst();
      if (seen) return 'duplicate';
      const actor = `gateway:${gateway.name}:${event.eventId}`;
      switch (event.action) {
        case 'checkout.completed':
        case 'checkout.failed': {
          const known = await db
            .selectFrom('checkouts')
            .select('id')
            .where('id', '=', event.reference)
            .executeTakeFirst();
          if (known) await completeCheckout(known.id, actor);
          break;
        }
        case 'charge.succeeded':
        case 'charge.failed': {
          const payment = await db
            .selectFrom('payments')
            .select(['id', 'status'])
            .where('id', '=', event.reference)
            .executeTakeFirst();
          if (payment?.status === 'pending') {
            await ledger.settle(
              payment.id,
              event.action === 'charge.succeeded'
                ? { ok: true, paymentRef: event.paymentRef }
                : { ok: false, paymentRef: event.paymentRef, code: 'declined', reason: event.reason },
              actor,
            );
          }
          break;
        }
        case 'refund.succeeded':
        case 'ignored':
          break;
      }
      await db
        .insertInto('webhook_events')
        .values({
          provider: gateway.name,
          event_id: event.eventId,
          type: event.action,
          received_at: clock.now().toISOString(),
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
      return 'processed';
    },

    /** One renewal and dunning sweep, then the checkouts abandoned at the gateway. */
    async runSweep() {
      const report = await renewals.run();
      const checkoutsClosed = await checkouts.sweepStale('billing-run');
      return { ...report, checkoutsClosed };
    },

    /** Ends the subscription of an account being deleted (refused while it still renews). */
    async endForDeletedAccount(accountId: string): Promise<void> {
      const sub = await subscriptionOf(db, accountId);
      if (!sub || sub.status === 'expired') return;
      if (sub.status !== 'canceling') {
        throw new AppError('conflict', 'Cancel your subscription before deleting your account.');
      }
      await ledger.expire(sub, 'account_deleted', `reader:${accountId}`);
    },
  };
}

export type Billing = ReturnType<typeof createBilling>;
export type { CheckoutRequest };
