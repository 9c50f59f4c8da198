import type { Kysely } from 'kysely';
import type { Database, SubscriptionRow, SubscriptionStatus } from '../../../db/schema.js';
import { AppError } from '../../../kernel/errors.js';
import { money, type Money } from '../../../kernel/money.js';
import type { PlanService } from '../../plans/index.js';
import type { Actor, SubscriptionLedger } from '../ledger/ledger.js';
import type { BillingNotices } from '../notices/notices.js';
import { paymentById, subscriptionOf } from '../queries.js';
import { subscriptionPage } from './queries.js';

/** One row of the subscriber list (the CSV export): a subscription and who holds it. */
export interface SubscriberExportRow {
  readonly subscriptionId: string;
  readonly accountId: string;
  /** Null once the account was deleted (its subscriptions stay in the books). */
  readonly email: string | null;
  readonly name: string | null;
  readonly planId: string;
  readonly planName: string;
  readonly status: SubscriptionStatus;
  readonly startedAt: string;
  readonly currentPeriodEnd: string;
  readonly canceledAt: string | null;
  readonly endedAt: string | null;
  /** The list price of the subscription's price version, before any coupon; null if it is missing. */
  readonly price: Money | null;
}

/** The invoice a receipt is about, as the invoices module describes it. */
export interface ReceiptInvoice {
  readonly id: string;
  readonly number: string;
  readonly paymentId: string;
}

/** Rows of the subscriber list are read (and handed on) this many at a time. */
const exportPage = 1000;

/**
 * The support desk's part of billing: extending a term, sending a receipt again, and the
 * subscriber list. Used through `Billing` (`extendFor`, `resendReceipt`, `subscriberExport`).
 */
export function createSupportBilling(deps: {
  db: Kysely<Database>;
  plans: PlanService;
  ledger: Pick<SubscriptionLedger, 'extend'>;
  notices: Pick<BillingNotices, 'receipt'>;
  accounts: {
    accountsById(
      ids: readonly string[],
    ): Promise<readonly { readonly id: string; readonly email: string; readonly name: string }[]>;
  };
}) {
  const { db, plans, ledger, notices, accounts } = deps;

  return {
    async extend(accountId: string, days: number, actor: Actor): Promise<SubscriptionRow> {
      const sub = await subscriptionOf(db, accountId);
      if (!sub || sub.status === 'expired') {
        throw new AppError('not_found', 'The reader has no subscription to extend.');
      }
      return ledger.extend(accountId, days, actor);
    },

    /**
     * Mails the receipt of `invoice` to the reader again, as it went out when the payment
     * settled. The renewal date it states is today's: the current term's end while the
     * subscription still renews, none otherwise.
     */
    async resendReceipt(accountId: string, invoice: ReceiptInvoice): Promise<void> {
      const payment = await paymentById(db, invoice.paymentId);
      if (!payment || payment.account_id !== accountId) {
        throw new AppError('not_found', 'The invoice was not found.');
      }
      const current = await subscriptionOf(db, accountId);
      const planId = payment.plan_id ?? current?.plan_id;
      const plan = planId ? await plans.get(planId) : undefined;
      const renews =
        current !== undefined &&
        current.id === payment.subscription_id &&
        (current.status === 'active' || current.status === 'trialing' || current.status === 'past_due');
      await notices.receipt({
        accountId,
        planName: plan?.name ?? 'Subscription',
        amount: money(payment.amount_minor, payment.currency),
        invoiceId: invoice.id,
        invoiceNumber: invoice.number,
        renewsAt: renews ? new Date(current.current_period_end) : null,
      });
    },

    /**
     * Every subscription (or those of one status), oldest first, a page at a time: a caller
     * streams them out without ever holding the whole list.
     */
    async *subscriberExport(filter: {
      status?: SubscriptionStatus | undefined;
    }): AsyncGenerator<readonly SubscriberExportRow[]> {
      // Thousands of subscriptions share a handful of plans and prices: each is read once.
      const planNames = new Map<string, string>();
      const prices = new Map<string, Money | undefined>();
      let after: string | undefined;
      for (;;) {
        const rows = await subscriptionPage(db, { after, status: filter.status, limit: exportPage });
        if (rows.length === 0) return;
        const owners = new Map(
          (await accounts.accountsById([...new Set(rows.map((row) => row.account_id))])).map((a) => [
            a.id,
            a,
          ]),
        );
        const page: SubscriberExportRow[] = [];
        for (const row of rows) {
          if (!planNames.has(row.plan_id))
            planNames.set(row.plan_id, (await plans.get(row.plan_id))?.name ?? row.plan_id);
          if (!prices.has(row.price_id)) prices.set(row.price_id, (await plans.price(row.price_id))?.amount);
          const owner = owners.get(row.account_id);
          page.push({
            subscriptionId: row.id,
            accountId: row.account_id,
            email: owner?.email ?? null,
            name: owner?.name ?? null,
            planId: row.plan_id,
            planName: planNames.get(row.plan_id) ?? row.plan_id,
            status: row.status,
            startedAt: row.created_at,
            currentPeriodEnd: row.current_period_end,
            canceledAt: row.cancel_requested_at,
            endedAt: row.ended_at,
            price: prices.get(row.price_id) ?? null,
          });
        }
        yield page;
        if (rows.length < exportPage) return;
        after = rows[rows.length - 1]!.id;
      }
    },
  };
}
