import type { Kysely } from 'kysely';
import type { CompGrantsTable, Database, PaymentRow, SubscriptionRow } from '../../db/schema.js';
import { newId } from '../../kernel/ids.js';
import { benefitsOf, compsGrantedBetween, compsOf, insertComp } from './ledger/queries-comps.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError } from '../../kernel/errors.js';
import { money, type Money } from '../../kernel/money.js';
import type { TtlCache } from '../../kernel/ttl-cache.js';
import type { PaymentGateway, WebhookEvent } from '../payments/index.js';
import { termLabel, type PlanService, type Term } from '../plans/index.js';
import { createPlanChanges } from './changes/changes.js';
import {
  createCheckouts,
  type CheckoutRequest,
  type CheckoutState,
  type CouponQuoter,
  type Pricing,
} from './checkout/checkouts.js';
import { chargeableAt, defaultBillingPolicy, graceEndsAt, type BillingPolicy } from './domain/dunning.js';
import {
  createSubscriptionLedger,
  type Actor,
  type CouponRedeemer,
  type InvoiceIssuer,
} from './ledger/ledger.js';
import type { SubscriptionStatus } from './domain/lifecycle.js';
import type { BillingNotices } from './notices/notices.js';
import type { TaxTerms } from './domain/pricing.js';
import { checkoutById } from './checkout/queries.js';
import {
  eventsOf,
  listSubscriptions,
  paymentById,
  paymentsOf,
  recordWebhook,
  subscriptionById,
  subscriptionOf,
  webhookSeen,
} from './queries.js';
import { createRenewals, type SweepLog, type SweepReport } from './renewals/renewals.js';
import { previewPlanChange, type ChangePreview } from './changes/preview.js';
import { createBillingReporting, type BillingReporting } from './reporting/reporting.js';
import { createPriceMoves, type PriceMoveView } from './price-moves/price-moves.js';
import {
  createSupportBilling,
  type ReceiptInvoice,
  type SubscriberExportRow,
} from './support/support-billing.js';
import {
  createRefunds,
  type CreditNoteIssuer,
  type RefundFact,
  type RefundRetryReport,
  type RefundView,
} from './refunds/refunds.js';

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
  /** How much of it has been refunded (or is held by a refund still pending). */
  readonly refunded: Money;
  readonly createdAt: string;
  readonly failureReason: string | null;
}

/** A checkout as the reader's pages see it (their own only). */
export interface CheckoutSummary {
  readonly id: string;
  readonly purpose: 'subscribe' | 'payment_method';
  /** The plan being bought; null for a card change. */
  readonly planId: string | null;
  readonly returnTo: string;
}

/**
 * What one billing run did: the renewal sweep's figures, the abandoned checkouts closed and the
 * refunds an outage had left pending, asked again.
 */
export interface BillingRunReport extends SweepReport, RefundRetryReport {
  readonly checkoutsClosed: number;
}

/** What a plan change did: an upgrade charged now, or a change that waits (or needed no charge). */
export type PlanChangeResult =
  | {
      readonly kind: 'upgrade';
      readonly charged: Money;
      readonly credit: Money;
      readonly subscription: SubscriptionView;
    }
  | { readonly kind: 'downgrade'; readonly effectiveAt: Date; readonly subscription: SubscriptionView };

/** One row of the admin's subscriber list. */
export interface SubscriberListing {
  readonly subscriptionId: string;
  readonly accountId: string;
  /** Null once the account was deleted. */
  readonly email: string | null;
  readonly name: string | null;
  readonly planId: string;
  readonly status: SubscriptionStatus;
  readonly currentPeriodEnd: string;
  readonly createdAt: string;
}

/** One subscription for support: as the reader sees it (if it is their current one) and its history. */
export interface SubscriberHistory {
  readonly accountId: string;
  readonly subscription: SubscriptionView | null;
  readonly events: readonly {
    readonly kind: string;
    readonly from: SubscriptionStatus | null;
    readonly to: SubscriptionStatus;
    readonly actor: string;
    readonly detail: unknown;
    readonly at: string;
  }[];
  readonly payments: readonly PaymentView[];
}

/** A comp as analytics and the support desk see it. */
export interface CompFact {
  id: string;
  accountId: string;
  planId: string | null;
  benefits: readonly string[];
  startsAt: string;
  endsAt: string;
  grantedAt: string;
}

/** Everything billing knows of one reader, for the support desk. */
export interface ReaderBilling {
  readonly comps: readonly (CompFact & { readonly grantedBy: string })[];
  readonly subscription: SubscriptionView | null;
  readonly events: readonly (SubscriberHistory['events'][number] & { readonly subscriptionId: string })[];
  readonly payments: readonly PaymentView[];
}

/** The part of the accounts module billing uses: who a reader is. */
export interface AccountDirectory {
  account(id: string): Promise<{ readonly email: string; readonly name: string } | undefined>;
  accountByEmail(email: string): Promise<{ readonly id: string } | undefined>;
  accountsById(
    ids: readonly string[],
  ): Promise<readonly { readonly id: string; readonly email: string; readonly name: string }[]>;
}

/**
 * Subscriptions and billing, the module's one service: checkout, the subscription's lifecycle,
 * plan changes, renewals and dunning, the gateway's webhooks. Every method answers in views
 * (never table rows); a refusal is an `AppError` (`not_found`, `conflict`, `validation_failed`,
 * `payment_failed`).
 */
export interface Billing {
  /** The reader's live subscription, or their last one if it ended; null if they never had one. */
  subscription(accountId: string): Promise<SubscriptionView | null>;
  /** The benefit keys the reader's subscription grants now (cached for a moment: every page asks). */
  entitlements(accountId: string): Promise<ReadonlySet<string>>;
  /**
   * What each of `accountIds` is entitled to now, read afresh (not cached): for sends that
   * decide per recipient, through the paywall's decision, which readers get subscriber mail.
   * Every account asked about is in the answer (an empty set without a subscription).
   */
  entitlementsOfMany(accountIds: readonly string[]): Promise<ReadonlyMap<string, ReadonlySet<string>>>;
  /** The reader's settled payments, newest first. */
  payments(accountId: string): Promise<PaymentView[]>;

  /** Starts paying for a plan; answers the gateway's checkout URL. conflict if already subscribed. */
  startCheckout(request: CheckoutRequest): Promise<{ checkoutId: string; checkoutUrl: string }>;
  /** Starts saving a new card for the reader's live subscription (after a failed payment, say). */
  startCardChange(
    account: CheckoutRequest['account'],
    returnTo: string,
  ): Promise<{ checkoutId: string; checkoutUrl: string }>;
  /** The reader's own checkout; undefined for anyone else's (its existence is not revealed). */
  findCheckout(accountId: string, checkoutId: string): Promise<CheckoutSummary | undefined>;
  /**
   * The reader came back from the gateway (or its webhook arrived): settles the checkout from
   * the gateway's answer, opening the subscription once however often it is called. A saved
   * card for an overdue renewal is tried at once.
   */
  completeCheckout(checkoutId: string, actor: Actor): Promise<CheckoutState>;

  /** Cancels at the end of the paid term (at once while a payment is overdue). */
  cancel(accountId: string, reason?: string): Promise<SubscriptionView>;
  /** Undoes a cancellation before the term ends. */
  resume(accountId: string): Promise<SubscriptionView>;
  /** What changing to `planId` would do now, without doing it (the change-plan page). */
  previewChange(accountId: string, planId: string): Promise<ChangePreview>;
  /** Carries out what `previewChange` describes: an upgrade is charged now, a downgrade waits. */
  changePlan(accountId: string, planId: string): Promise<PlanChangeResult>;

  /** Acts on a verified gateway event, once: a second delivery answers `duplicate`. */
  handleWebhook(event: WebhookEvent): Promise<'processed' | 'duplicate'>;
  /** One renewal and dunning sweep, then the checkouts abandoned at the gateway. */
  runSweep(): Promise<BillingRunReport>;
  /** Ends the subscription of an account being deleted; conflict while it still renews. */
  endForDeletedAccount(accountId: string): Promise<void>;

  /** Subscribers for the admin, newest first, by status and/or email, a page at a time. */
  subscribers(filter: {
    status?: SubscriptionStatus;
    email?: string;
    before?: string;
    limit: number;
  }): Promise<SubscriberListing[]>;
  /**
   * Moves the plan's subscribers on an older price version to `priceId` (by default the plan's
   * first current price), telling each by mail in the next billing run; each keeps the old price
   * until the first renewal at least `noticeDays` (30 to 365) after their notice. The same move
   * again changes nothing (`created: false`). Throws `not_found`, `validation_failed`, `conflict`.
   */
  movePrice(input: {
    planId: string;
    priceId?: string | undefined;
    noticeDays: number;
    actor: Actor;
  }): Promise<{ move: PriceMoveView; created: boolean }>;
  /** A plan's price moves, newest first, with where their subscribers stand. */
  priceMoves(planId: string): Promise<PriceMoveView[]>;
  /**
   * Gives a reader `days` of a plan's benefits or of named benefits, free, from now: a comp,
   * not a subscription (no payment, nothing in revenue). `grantedBy` names the staff member
   * or key. validation_failed for an unknown plan or no benefits at all.
   */
  grantComp(
    accountId: string,
    input: { planId?: string | undefined; benefits?: readonly string[] | undefined; days: number },
    grantedBy: string,
  ): Promise<CompFact>;
  /**
   * Support cancels a reader's subscription through the lifecycle: at the end of the paid term
   * (as the reader would), or now (cancel, then expire: the benefits stop at once, no refund is
   * implied). not_found without a live subscription.
   */
  cancelFor(accountId: string, when: 'now' | 'period_end', actor: string): Promise<SubscriptionView>;
  /**
   * Support gives `days` free: the current term ends that much later and the renewal moves with
   * it; nothing is charged, and the change is a subscription event (`extend`). not_found without
   * a live subscription; conflict while a payment is overdue or a charge is on its way.
   */
  extendFor(accountId: string, days: number, actor: string): Promise<SubscriptionView>;
  /** Mails the receipt of one of the reader's invoices again; not_found if it is not theirs. */
  resendReceipt(accountId: string, invoice: ReceiptInvoice): Promise<void>;
  /** Every subscription (or those of one status), oldest first, in pages: the subscriber list. */
  subscriberExport(filter: {
    status?: SubscriptionStatus | undefined;
  }): AsyncIterable<readonly SubscriberExportRow[]>;
  /**
   * Refunds all or part (`amountMinor`, minor units; omitted: all that is left) of a payment
   * that succeeded, through the gateway, with a GST credit note against its invoice and an event
   * on its subscription. `by` is the actor (`staff:stf_…`, `admin:key_…`). Never more than what
   * was paid less what was refunded, even when called concurrently. not_found (no such
   * payment), conflict (not a successful payment, refunded in full already, or a concurrent
   * refund took what was left), validation_failed (an amount that is not a positive whole
   * number, or more than is left), payment_failed (the gateway declined).
   */
  refundPayment(input: {
    paymentId: string;
    amountMinor?: number | undefined;
    by: string;
  }): Promise<RefundView>;
  /** The refunds that succeeded in [from, to) (ISO instants), for analytics. */
  refundsBetween(from: string, to: string): Promise<RefundFact[]>;
  /** The comps granted in [from, to) (ISO instants), for analytics. */
  compsBetween(from: string, to: string): Promise<CompFact[]>;
  /** A reader's billing for support: the current subscription, every event of every subscription, payments. */
  readerBilling(accountId: string): Promise<ReaderBilling>;
  /** One subscription with its events and payments; undefined if there is no such subscription. */
  subscriberHistory(subscriptionId: string): Promise<SubscriberHistory | undefined>;

  /** Read-only facts for reporting (subscriptions, payments), as plain data. */
  readonly reporting: BillingReporting;
}

/** How prices are taxed: the invoices module answers this. */
export interface TaxPolicy {
  taxTerms(): Promise<TaxTerms>;
  grossUp(price: Money, terms: TaxTerms): Money;
}

/**
 * Builds the billing service from the gateway, accounts, plans, coupons, invoices and mail. Its
 * parts have one job each: the ledger (`ledger/`: the books), checkouts (`checkout/`), plan
 * changes (`changes/`), renewals and dunning (`renewals/`); they are not exposed.
 */
function compFact(row: CompGrantsTable): CompFact {
  return {
    id: row.id,
    accountId: row.account_id,
    planId: row.plan_id,
    benefits: benefitsOf(row),
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    grantedAt: row.granted_at,
  };
}

export function createBilling(deps: {
  db: Kysely<Database>;
  clock: Clock;
  gateway: PaymentGateway;
  accounts: AccountDirectory;
  /** What is sold and at what price: plans, coupons, and tax (the invoices module's terms). */
  catalogue: { plans: PlanService; coupons: CouponQuoter & CouponRedeemer; tax: TaxPolicy };
  records: { invoices: InvoiceIssuer & CreditNoteIssuer; notices: BillingNotices };
  /** Each reader's entitlements, read on every page view (`caches.entitlements`). */
  caches: { entitlements: TtlCache<string, ReadonlySet<string>> };
  /** Billing mail that could not be sent and subscriptions a sweep could not finish go here. */
  options: { publicUrl: string; policy?: BillingPolicy; log: SweepLog };
}): Billing {
  const { db, clock, gateway, accounts, catalogue } = deps;
  const { plans } = catalogue;
  const policy = deps.options.policy ?? defaultBillingPolicy;
  const { log } = deps.options;
  const { tax } = catalogue;
  const pricing: Pricing = {
    plans,
    coupons: catalogue.coupons,
    taxTerms: () => tax.taxTerms(),
    grossUp: (price, terms) => tax.grossUp(price, terms),
  };
  const ledger = createSubscriptionLedger({
    db,
    clock,
    plans,
    accounts,
    invoices: deps.records.invoices,
    coupons: catalogue.coupons,
    notices: deps.records.notices,
    entitlementCache: deps.caches.entitlements,
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
  const refunds = createRefunds({ db, clock, gateway, creditNotes: deps.records.invoices });
  const changes = createPlanChanges({ db, clock, gateway, pricing, ledger });
  const priceMoves = createPriceMoves({ db, clock, pricing, notices: deps.records.notices });
  const renewals = createRenewals({
    priceMoves,
    db,
    clock,
    gateway,
    pricing,
    ledger,
    notices: deps.records.notices,
    log,
  });

  const support = createSupportBilling({
    db,
    plans,
    ledger,
    notices: deps.records.notices,
    accounts,
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
  async function completeCheckout(checkoutId: string, actor: Actor) {
    const state = await checkouts.complete(checkoutId, actor);
    if (state.status === 'completed' && state.subscriptionId) await renewals.retryNow(state.subscriptionId);
    return state;
  }

  async function payments(accountId: string): Promise<PaymentView[]> {
    return (await paymentsOf(db, accountId)).map((row) => ({
      id: row.id,
      kind: row.kind,
      status: row.status,
      amount: money(row.amount_minor, row.currency),
      refunded: money(row.refunded_minor, row.currency),
      createdAt: row.created_at,
      failureReason: row.failure_reason,
    }));
  }

  async function subscription(accountId: string): Promise<SubscriptionView | null> {
    const sub = await subscriptionOf(db, accountId);
    return sub ? view(sub) : null;
  }

  return {
    reporting: createBillingReporting({ db, plans }),
    subscription,

    entitlements: (accountId) => ledger.entitlements(accountId),

    entitlementsOfMany: (accountIds) => ledger.entitlementsOfMany(accountIds),

    payments,

    startCheckout: (request) => checkouts.start(request),

    startCardChange: (account, returnTo) => checkouts.startCardChange(account, returnTo),

    async findCheckout(accountId, checkoutId) {
      const row = await checkouts.find(accountId, checkoutId);
      return row && { id: row.id, purpose: row.purpose, planId: row.plan_id, returnTo: row.return_to };
    },

    completeCheckout,

    async cancel(accountId, reason) {
      return view(await ledger.cancel(accountId, { reason }, reader(accountId)));
    },

    async resume(accountId) {
      return view(await ledger.resume(accountId, reader(accountId)));
    },

    previewChange: (accountId, planId) => previewPlanChange({ db, clock, pricing }, accountId, planId),

    async changePlan(accountId, planId) {
      const outcome = await changes.change(accountId, planId, reader(accountId));
      return { ...outcome, subscription: await view(outcome.subscription) };
    },

    /**
     * Acts on a verified webhook. Every action is idempotent by itself (a guarded update), and
     * the event id is recorded afterwards, so a second delivery returns early; a delivery that
     * failed half-way is simply done again.
     */
    async handleWebhook(event) {
      if (await webhookSeen(db, gateway.name, event.eventId)) return 'duplicate';
      const actor = `gateway:${gateway.name}:${event.eventId}`;
      switch (event.action) {
        case 'checkout.completed':
        case 'checkout.failed': {
          const known = await checkoutById(db, event.reference);
          if (known) await completeCheckout(known.id, actor);
          break;
        }
        case 'charge.succeeded':
        case 'charge.failed': {
          const payment = await paymentById(db, event.reference);
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
        // A refund is booked when the gateway answers the refund call (`refundPayment`); its
        // webhook only announces it again, so it is recorded below and nothing more.
        case 'refund.succeeded':
        case 'ignored':
          break;
      }
      await recordWebhook(db, {
        provider: gateway.name,
        eventId: event.eventId,
        type: event.action,
        at: clock.now().toISOString(),
      });
      return 'processed';
    },

    /** One renewal and dunning sweep, then the checkouts abandoned at the gateway and the pending refunds. */
    async runSweep() {
      const report = await renewals.run();
      const checkoutsClosed = await checkouts.sweepStale('billing-run');
      const refundsRetried = await refunds.retryPending(log);
      return { ...report, checkoutsClosed, ...refundsRetried };
    },

    /** Ends the subscription of an account being deleted (refused while it still renews). */
    async endForDeletedAccount(accountId) {
      const sub = await subscriptionOf(db, accountId);
      if (!sub || sub.status === 'expired') return;
      if (sub.status !== 'canceling') {
        throw new AppError('conflict', 'Cancel your subscription before deleting your account.');
      }
      await ledger.expire(sub, 'account_deleted', `reader:${accountId}`);
    },

    async subscribers(filter) {
      let accountId: string | undefined;
      if (filter.email) {
        accountId = (await accounts.accountByEmail(filter.email))?.id;
        if (!accountId) return [];
      }
      const rows = await listSubscriptions(db, { ...filter, accountId });
      const owners = new Map(
        (await accounts.accountsById([...new Set(rows.map((row) => row.account_id))])).map((a) => [a.id, a]),
      );
      return rows.map((row) => ({
        subscriptionId: row.id,
        accountId: row.account_id,
        email: owners.get(row.account_id)?.email ?? null,
        name: owners.get(row.account_id)?.name ?? null,
        planId: row.plan_id,
        status: row.status,
        currentPeriodEnd: row.current_period_end,
        createdAt: row.created_at,
      }));
    },

    movePrice: (input) => priceMoves.create(input),

    priceMoves: (planId) => priceMoves.list(planId),

    async grantComp(accountId, input, grantedBy) {
      if (!(await accounts.account(accountId))) throw new AppError('not_found', 'The reader was not found.');
      let benefits = [...(input.benefits ?? [])];
      if (input.planId) {
        const plan = await plans.get(input.planId);
        if (!plan) throw new AppError('validation_failed', 'There is no such plan.');
        benefits = [...new Set([...plan.benefits, ...benefits])];
      }
      if (benefits.length === 0) {
        throw new AppError('validation_failed', 'Name a plan or at least one benefit to comp.');
      }
      const now = clock.now();
      const row = {
        id: newId('cmp'),
        account_id: accountId,
        plan_id: input.planId ?? null,
        benefits: JSON.stringify(benefits),
        starts_at: now.toISOString(),
        ends_at: new Date(now.getTime() + input.days * 86_400_000).toISOString(),
        granted_by: grantedBy,
        granted_at: now.toISOString(),
      };
      await insertComp(db, row);
      // The reader's next page must see the comp, not the cached answer from before it.
      deps.caches.entitlements.delete(accountId);
      return compFact(row);
    },

    async cancelFor(accountId, when, actor) {
      const current = await subscriptionOf(db, accountId);
      let row =
        current?.status === 'canceling'
          ? current
          : await ledger.cancel(accountId, { reason: 'support' }, actor);
      if (when === 'now' && row.status === 'canceling') {
        const ended = await ledger.expire(row, 'canceled', actor);
        if (!ended) throw new AppError('conflict', 'The subscription changed meanwhile; try again.');
        row = ended;
      }
      return view(row);
    },

    async extendFor(accountId, days, actor) {
      return view(await support.extend(accountId, days, actor));
    },

    resendReceipt: (accountId, invoice) => support.resendReceipt(accountId, invoice),

    subscriberExport: (filter) => support.subscriberExport(filter),

    refundPayment: (input) => refunds.refund(input),

    refundsBetween: (from, to) => refunds.between(from, to),

    async compsBetween(from, to) {
      return (await compsGrantedBetween(db, from, to)).map(compFact);
    },

    async readerBilling(accountId) {
      const subs = await listSubscriptions(db, { accountId, limit: 100 });
      const [current, paid, comps, ...histories] = await Promise.all([
        subscription(accountId),
        payments(accountId),
        compsOf(db, accountId),
        ...subs.map((sub) => eventsOf(db, sub.id)),
      ]);
      const events = subs
        .flatMap((sub, i) =>
          (histories[i] ?? []).map((event) => ({
            subscriptionId: sub.id,
            kind: event.kind,
            from: event.from_status,
            to: event.to_status,
            actor: event.actor,
            detail: JSON.parse(event.detail) as unknown,
            at: event.created_at,
          })),
        )
        .sort((a, b) => a.at.localeCompare(b.at));
      return {
        subscription: current,
        comps: comps.map((row) => ({ ...compFact(row), grantedBy: row.granted_by })),
        events,
        payments: paid,
      };
    },

    async subscriberHistory(subscriptionId) {
      const sub = await subscriptionById(db, subscriptionId);
      if (!sub) return undefined;
      const [current, events, paid] = await Promise.all([
        subscription(sub.account_id),
        eventsOf(db, sub.id),
        payments(sub.account_id),
      ]);
      return {
        accountId: sub.account_id,
        subscription: current && current.id === sub.id ? current : null,
        events: events.map((event) => ({
          kind: event.kind,
          from: event.from_status,
          to: event.to_status,
          actor: event.actor,
          detail: JSON.parse(event.detail) as unknown,
          at: event.created_at,
        })),
        payments: paid,
      };
    },
  };
}

export type {
  Actor,
  CheckoutRequest,
  CheckoutState,
  ReceiptInvoice,
  RefundFact,
  RefundView,
  SubscriberExportRow,
};
