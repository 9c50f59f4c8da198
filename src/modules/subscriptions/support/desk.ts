import { csvLine } from '../../../kernel/csv.js';
import { AppError } from '../../../kernel/errors.js';
import type {
  AccountExport,
  AccountPrivacy,
  AccountService,
  AccountView,
  SessionView,
} from '../../accounts/index.js';
import type { InvoiceService, InvoiceView } from '../../invoices/index.js';
import type { MeterRead, MeterService } from '../../metering/index.js';
import type { CompFact, ReaderBilling, SubscriptionView } from '../service.js';
import type { Billing } from '../service.js';
import type { SubscriberExportRow } from './support-billing.js';

/** What the support desk needs of the accounts module: who readers are, and their devices. */
export type ReaderDirectory = Pick<
  AccountService,
  'account' | 'accountsById' | 'search' | 'sessions' | 'endAllSessions'
>;

/** Everything the support desk knows of one reader, for the admin API and the reader page. */
export interface ReaderFile {
  readonly account: AccountView;
  readonly billing: ReaderBilling;
  readonly invoices: readonly InvoiceView[];
  readonly devices: readonly SessionView[];
  readonly reads: readonly MeterRead[];
}

/** The columns of the subscriber list, in order. */
export const subscriberCsvHeader = [
  'subscription_id',
  'reader_id',
  'email',
  'name',
  'plan_id',
  'plan',
  'status',
  'started_at',
  'current_period_end',
  'canceled_at',
  'ended_at',
  'price_minor',
  'currency',
] as const;

function subscriberCsvCells(row: SubscriberExportRow) {
  return [
    row.subscriptionId,
    row.accountId,
    row.email,
    row.name,
    row.planId,
    row.planName,
    row.status,
    row.startedAt,
    row.currentPeriodEnd,
    row.canceledAt,
    row.endedAt,
    row.price?.amountMinor ?? null,
    row.price?.currency ?? null,
  ];
}

/**
 * The support desk: finding a reader, everything known about them, and what support may do for
 * them (comp, extend, cancel, resend a receipt, sign out everywhere, export, delete). The admin
 * API and the admin's reader pages both act through it; each action names its `actor`.
 */
export interface SupportDesk {
  /** Readers by email or name (contains), or the owner of an invoice number (exact), newest first. */
  search(filter: { term: string; before?: string | undefined; limit: number }): Promise<AccountView[]>;
  /** One reader's file; undefined if there is no such reader. */
  reader(accountId: string): Promise<ReaderFile | undefined>;
  grantComp: Billing['grantComp'];
  cancel(
    accountId: string,
    when: 'now' | 'period_end',
    actor: string,
  ): Promise<{
    before: SubscriptionView | null;
    after: SubscriptionView;
  }>;
  extend(
    accountId: string,
    days: number,
    actor: string,
  ): Promise<{
    before: SubscriptionView;
    after: SubscriptionView;
  }>;
  /**
   * Mails the receipt of the reader's invoice `invoiceId` again (by default their latest);
   * answers which invoice. not_found without one.
   */
  resendReceipt(accountId: string, invoiceId?: string): Promise<{ id: string; number: string }>;
  /** Ends every session of the reader (and so their refresh tokens); answers how many ended. */
  signOutEverywhere(accountId: string): Promise<number>;
  /** The reader's data export, the same document the reader downloads themselves. */
  exportData(accountId: string): Promise<AccountExport>;
  /**
   * Deletes the reader's account as their own deletion does (sessions, meter reads, mail;
   * payments and invoices kept, as tax law requires). conflict while the subscription still renews.
   */
  deleteReader(accountId: string): Promise<void>;
  /** The subscriber list as CSV, header first, a page of lines at a time (never all in memory). */
  subscriberCsv(filter: { status?: SubscriptionView['status'] | undefined }): AsyncIterable<string>;
}

export function createSupportDesk(deps: {
  billing: Billing;
  accounts: ReaderDirectory;
  invoices: Pick<InvoiceService, 'list' | 'get' | 'accountOfNumber'>;
  meter: Pick<MeterService, 'reads'>;
  privacy: AccountPrivacy;
}): SupportDesk {
  const { billing, accounts, invoices, meter, privacy } = deps;

  async function existing(accountId: string): Promise<AccountView> {
    const account = await accounts.account(accountId);
    if (!account) throw new AppError('not_found', 'The reader was not found.');
    return account;
  }

  return {
    async search({ term, before, limit }) {
      const found = await accounts.search({ term, before, limit });
      const byInvoice = before ? undefined : await invoices.accountOfNumber(term);
      if (byInvoice && !found.some((a) => a.id === byInvoice)) {
        const [owner] = await accounts.accountsById([byInvoice]);
        if (owner) found.unshift(owner);
      }
      return found.slice(0, limit);
    },

    async reader(accountId) {
      const account = await accounts.account(accountId);
      if (!account) return undefined;
      const [held, invoiced, devices, reads] = await Promise.all([
        billing.readerBilling(account.id),
        invoices.list(account.id),
        accounts.sessions(account.id, ''),
        meter.reads(account.id),
      ]);
      return { account, billing: held, invoices: invoiced, devices, reads };
    },

    grantComp: (accountId, input, grantedBy): Promise<CompFact> =>
      billing.grantComp(accountId, input, grantedBy),

    async cancel(accountId, when, actor) {
      await existing(accountId);
      const before = await billing.subscription(accountId);
      const after = await billing.cancelFor(accountId, when, actor);
      return { before, after };
    },

    async extend(accountId, days, actor) {
      await existing(accountId);
      const before = await billing.subscription(accountId);
      const after = await billing.extendFor(accountId, days, actor);
      // extendFor refuses a reader without a live subscription, so `before` is there.
      return { before: before ?? after, after };
    },

    async resendReceipt(accountId, invoiceId) {
      await existing(accountId);
      const invoice = invoiceId
        ? await invoices.get(accountId, invoiceId)
        : (await invoices.list(accountId)).sort((a, b) => b.issuedAt.localeCompare(a.issuedAt))[0];
      if (!invoice) {
        throw new AppError(
          'not_found',
          invoiceId ? 'The reader has no such invoice.' : 'The reader has no invoice to send.',
        );
      }
      await billing.resendReceipt(accountId, invoice);
      return { id: invoice.id, number: invoice.number };
    },

    signOutEverywhere: (accountId) => accounts.endAllSessions(accountId),

    async exportData(accountId) {
      await existing(accountId);
      return privacy.exportData(accountId);
    },

    async deleteReader(accountId) {
      await existing(accountId);
      const subscription = await billing.subscription(accountId);
      if (subscription && subscription.status !== 'canceling' && subscription.status !== 'expired') {
        throw new AppError(
          'conflict',
          "The reader's subscription still renews: cancel it (now or at the end of the term) before deleting the account.",
        );
      }
      await privacy.deleteAccount(accountId);
    },

    async *subscriberCsv(filter) {
      yield csvLine(subscriberCsvHeader);
      for await (const page of billing.subscriberExport(filter)) {
        yield page.map((row) => csvLine(subscriberCsvCells(row))).join('');
      }
    },
  };
}
