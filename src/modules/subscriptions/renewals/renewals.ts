import type { Kysely } from 'kysely';
import type { Database, PaymentRow, SubscriptionRow } from '../../../db/schema.js';
import type { Clock } from '../../../kernel/clock.js';
import { newId } from '../../../kernel/ids.js';
import { money } from '../../../kernel/money.js';
import type { PaymentGateway } from '../../payments/index.js';
import type { Pricing } from '../checkout/checkouts.js';
import { chargeableAt, graceEndsAt } from '../domain/dunning.js';
import type { SubscriptionLedger } from '../ledger/ledger.js';
import type { BillingNotices } from '../notices/notices.js';
import { latestEvent, leasePendingCharge, recordEvent, subscriptionById } from '../queries.js';
import { addDays, addTerm } from '../domain/terms.js';
import { priceForRenewal } from '../domain/price-moves.js';
import type { PriceMoves } from '../price-moves/price-moves.js';
import { noticesOf, untoldPage } from '../price-moves/queries.js';
import {
  canceledAndOver,
  claimReminder,
  dueForReminder,
  dueForRenewal,
  dueForRetry,
  outOfRetries,
  pendingPayments,
  sweepPageSize as pageSize,
} from './queries.js';
import {
  chargeCardOnFile,
  chargeDescription,
  chargingLease,
  claimCharge,
  type ClaimedCharge,
} from './charging.js';

export interface SweepReport {
  /** Pending charges from an earlier run that crashed or timed out, settled now. */
  reconciled: number;
  reminded: number;
  /** Subscriptions told of a new price (a price move), each once. */
  priceNotices: number;
  charged: number;
  succeeded: number;
  failed: number;
  /** Charges left pending because the gateway did not answer; the next run settles them. */
  unanswered: number;
  expired: number;
  /**
   * Subscriptions on which a step failed (a bug, a missing plan, the database refusing one
   * row): logged and recorded on the subscription as a `sweep_failed` event, skipped, and
   * tried again by the next sweep. One subscription's failure never stops the others.
   */
  errors: number;
}

/** Where the sweep reports what it could not do (pino's signature, so the app's logger fits). */
export interface SweepLog {
  error(details: Readonly<Record<string, unknown>>, message: string): void;
}

/** The steps of a sweep, as named in its failure records. */
type SweepStep = 'reconcile' | 'notify' | 'remind' | 'renew' | 'retry' | 'expire';

const actor = 'billing-run';

const emptyReport = (): SweepReport => ({
  reconciled: 0,
  reminded: 0,
  priceNotices: 0,
  charged: 0,
  succeeded: 0,
  failed: 0,
  unanswered: 0,
  expired: 0,
  errors: 0,
});

/**
 * Lets the event loop serve what is waiting. On SQLite every query completes synchronously, so
 * without this a sweep run in-process would answer no request until it ended (3 minutes for
 * 100,000 renewals, measured); with it, the longest pause is one renewal.
 */
const yieldToRequests = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The renewal and dunning sweep, run by `masthead billing run` and by the in-process scheduler
 * alike: remind, charge what is due, retry what failed, end what ran out.
 *
 * Exactly once: a charge is first claimed by inserting a `pending` payment whose idempotency key
 * names the subscription, the term and the attempt (unique: a second sweep running at once fails
 * to insert it and moves on), then sent to the gateway with that key, then settled by the ledger.
 * A crash after the gateway charged but before the settlement leaves the payment pending; the next
 * run sends the same key again — the gateway answers with the first charge instead of charging
 * twice — and settles it.
 */
export function createRenewals(deps: {
  db: Kysely<Database>;
  clock: Clock;
  gateway: PaymentGateway;
  pricing: Pricing;
  ledger: SubscriptionLedger;
  notices: BillingNotices;
  priceMoves: PriceMoves;
  log: SweepLog;
}) {
  const { db, clock, gateway, pricing, ledger, notices, priceMoves, log } = deps;
  const { policy } = ledger;

  /** What the next renewal of `sub` charges, on which plan and price version, for which term. */
  async function renewalOf(sub: SubscriptionRow) {
    const planId = sub.pending_plan_id ?? sub.plan_id;
    const start = new Date(sub.current_period_end);
    // A price move reaches the subscription only at the first renewal its notice allows.
    const told = sub.pending_plan_id === null ? await noticesOf(db, sub.id) : [];
    const { priceId } = priceForRenewal(
      {
        planId: sub.plan_id,
        priceId: sub.price_id,
        currency: sub.currency,
        pendingPlanId: sub.pending_plan_id,
        pendingPriceId: sub.pending_price_id,
      },
      told.map((notice) => ({
        planId: notice.plan_id,
        currency: notice.currency,
        toPriceId: notice.to_price_id,
        notifiedAt: notice.notified_at,
        effectiveAt: notice.effective_at,
      })),
      start,
    );
    const [plan, price] = await Promise.all([pricing.plans.get(planId), pricing.plans.price(priceId)]);
    if (!plan || !price) throw new Error(`Subscription ${sub.id} renews on a missing plan or price.`);
    const discount = sub.pending_plan_id === null ? sub.discount : null;
    const amount = pricing.grossUp(pricing.coupons.apply(price.amount, discount), await pricing.taxTerms());
    return { plan, priceId, amount, start, end: addTerm(start, plan.term) };
  }

  async function charge(
    payment: ClaimedCharge,
    sub: Pick<SubscriptionRow, 'payment_method_ref' | 'gateway_customer'>,
    report: SweepReport,
  ): Promise<void> {
    let result;
    try {
      result = await chargeCardOnFile(gateway, sub, payment);
    } catch {
      // An outage: the payment stays pending and the next run asks again with the same key.
      report.unanswered += 1;
      return;
    }
    await ledger.settle(payment.id, result, actor);
    if (result.ok) report.succeeded += 1;
    else report.failed += 1;
  }

  /** Claims and charges one renewal attempt; false when another sweep claimed it first. */
  async function renew(sub: SubscriptionRow, report: SweepReport): Promise<boolean> {
    const attempt = sub.renewal_attempts + 1;
    const renewal = await renewalOf(sub);
    const claimed = await claimCharge(db, {
      sub,
      kind: 'renewal',
      plan: renewal.plan,
      priceId: renewal.priceId,
      amount: renewal.amount,
      idempotencyKey: `renewal:${sub.id}:${sub.current_period_end}:${attempt}`,
      period: renewal,
      attempt,
      at: clock.now(),
    });
    if (!claimed) return false;
    report.charged += 1;
    await charge(claimed, sub, report);
    return true;
  }

  /**
   * Sends the pre-debit reminder. The claim (which the charge relies on, 24 hours later) and the
   * queued mail commit in one transaction: a process killed at any moment leaves either both or
   * neither, so no renewal is ever charged without its reminder in the outbox. Two sweeps at once
   * send it once: the claim is a guarded update. The job queue delivers it after the commit,
   * so a slow or refusing SMTP server never holds up the sweep; a refused one is retried there
   * and does not undo the reminder.
   */
  async function remind(sub: SubscriptionRow, report: SweepReport): Promise<void> {
    const at = clock.now();
    // Composed before the transaction: on SQLite nothing else may use the connection while it is open.
    const renewal = await renewalOf(sub);
    const notice = await notices.renewalReminder({
      accountId: sub.account_id,
      planName: renewal.plan.name,
      amount: renewal.amount,
      chargeOn: chargeableAt(renewal.start, at, policy)!,
    });
    if (!notice) throw new Error(`Subscription ${sub.id} has no account to remind.`);
    const queued = await db.transaction().execute(async (trx) => {
      if (!(await claimReminder(trx, sub, at.toISOString()))) return false;
      await notice.queue(trx);
      return true;
    });
    if (queued) report.reminded += 1;
  }

  /** Sends a charge left pending by an earlier run again, under its first key, and settles it. */
  async function reconcile(payment: PaymentRow, sub: SubscriptionRow, report: SweepReport): Promise<void> {
    const now = clock.now();
    // Not while another process is charging it: a gateway without idempotency keys
    // (Razorpay) would take the money twice.
    if (!(await leasePendingCharge(db, payment.id, now, chargingLease(now)))) return;
    const plan = await pricing.plans.get(payment.plan_id ?? sub.plan_id);
    if (!plan) throw new Error(`Payment ${payment.id} is for a missing plan.`);
    const before = report.succeeded + report.failed;
    await charge(
      {
        id: payment.id,
        idempotencyKey: payment.idempotency_key,
        amount: money(payment.amount_minor, payment.currency),
        description: chargeDescription(payment.kind === 'upgrade' ? 'upgrade' : 'renewal', plan.name),
      },
      sub,
      report,
    );
    if (report.succeeded + report.failed > before) report.reconciled += 1;
  }

  /**
   * One subscription's step failed: counted, logged and recorded in the subscription's history
   * (once while it keeps failing the same way, not every five minutes), so support sees it.
   * The next sweep tries it again.
   */
  async function failedOn(sub: SubscriptionRow, step: SweepStep, error: unknown, report: SweepReport) {
    report.errors += 1;
    const message = error instanceof Error ? error.message : String(error);
    log.error({ err: error, subscriptionId: sub.id, step }, 'renewal sweep: a subscription failed');
    try {
      // Messages carry ids (a mail's, a payment's): the same step failing again is the same failure.
      const last = await latestEvent(db, sub.id);
      if (last?.kind === 'sweep_failed' && (JSON.parse(last.detail) as { step?: string }).step === step)
        return;
      await recordEvent(db, {
        id: newId('sev'),
        subscriptionId: sub.id,
        kind: 'sweep_failed',
        from: sub.status,
        to: sub.status,
        actor,
        detail: { step, error: message },
        at: clock.now().toISOString(),
      });
    } catch (recordError) {
      log.error({ err: recordError, subscriptionId: sub.id }, 'renewal sweep: the failure was not recorded');
    }
  }

  /**
   * Pages through subscriptions matching `where`, oldest renewal first, until none is left.
   *
   * A page is worked through `concurrency` subscriptions at a time. A renewal is some thirty
   * queries and two transactions; on PostgreSQL, one after another, the sweep mostly waits for
   * round trips (bench/billing-sweep.js measures it). Working on several at once is safe for
   * the reason two sweeps may run at once: every step claims its work by a unique key or a
   * guarded update. The page is finished before the next one is read, so `after` still passes
   * only what was done. A subscription whose step throws is recorded (`failedOn`) and passed
   * over: one reader's bad address or broken row must not hold up everybody's renewal.
   */
  async function each(
    step: SweepStep,
    report: SweepReport,
    select: (after: string) => Promise<SubscriptionRow[]>,
    work: (sub: SubscriptionRow) => Promise<unknown>,
    concurrency = 8,
  ): Promise<void> {
    let after = '';
    for (;;) {
      const page = await select(after);
      let next = 0;
      const worker = async () => {
        while (next < page.length) {
          const sub = page[next++]!;
          try {
            await work(sub);
          } catch (error) {
            await failedOn(sub, step, error, report);
          }
          await yieldToRequests();
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, page.length) }, worker));
      if (page.length < pageSize) return;
      after = page[page.length - 1]!.id;
    }
  }

  return {
    /** One sweep as of the clock's now. */
    async run(): Promise<SweepReport> {
      const report = emptyReport();
      const now = clock.now();
      const iso = now.toISOString();

      // 1. Charges that an earlier run sent but never settled.
      const pending = await pendingPayments(db);
      for (const payment of pending) {
        await yieldToRequests();
        const sub = payment.subscription_id ? await subscriptionById(db, payment.subscription_id) : undefined;
        if (!sub) continue;
        try {
          await reconcile(payment, sub, report);
        } catch (error) {
          await failedOn(sub, 'reconcile', error, report);
        }
      }

      // 2. Notices of new prices (price moves), before the reminders that may name them.
      for (const move of await priceMoves.telling()) {
        await each(
          'notify',
          report,
          (after) => untoldPage(db, move, after, pageSize),
          async (sub) => {
            if (await priceMoves.tell(move, sub, await renewalOf(sub))) report.priceNotices += 1;
          },
        );
      }

      // 3. Pre-debit reminders for renewals coming up (not for cancelled ones: they do not renew).
      const remindBefore = addDays(now, policy.reminderDaysBefore).toISOString();
      await each(
        'remind',
        report,
        (after) => dueForReminder(db, after, remindBefore),
        (sub) => remind(sub, report),
      );

      // 4. Renewals due, at least the notice period after their reminder.
      const noticeBefore = new Date(now.getTime() - policy.minNoticeHours * 3_600_000).toISOString();
      await each(
        'renew',
        report,
        (after) => dueForRenewal(db, after, iso, noticeBefore),
        (sub) => renew(sub, report),
      );

      // 5. Retries of failed renewals.
      await each(
        'retry',
        report,
        (after) => dueForRetry(db, after, iso),
        (sub) => renew(sub, report),
      );

      // 6. Cancelled subscriptions whose term is over, and overdue ones past their grace period.
      await each(
        'expire',
        report,
        (after) => canceledAndOver(db, after, iso),
        async (sub) => {
          if (await ledger.expire(sub, 'canceled', actor)) report.expired += 1;
        },
      );
      await each(
        'expire',
        report,
        (after) => outOfRetries(db, after),
        async (sub) => {
          if (graceEndsAt(new Date(sub.current_period_end), policy) > now) return;
          if (await ledger.expire(sub, 'payment_failed', actor)) report.expired += 1;
        },
      );
      return report;
    },

    /** Tries a failed renewal again at once (the reader saved a new card). */
    async retryNow(subscriptionId: string): Promise<SweepReport> {
      const report = emptyReport();
      const sub = await subscriptionById(db, subscriptionId);
      if (sub?.status === 'past_due') await renew(sub, report);
      return report;
    },

    renewalOf,
  };
}

export type Renewals = ReturnType<typeof createRenewals>;
