import { formatDate } from '../../../kernel/dates.js';
import { formatMoney } from '../../../kernel/money.js';
import type { MailMessage, MailSender } from '../../mail/index.js';
import type { BillingNotices } from './notices.js';
import type { BillingMailVariables } from './mail-copy.js';

/** The part of the accounts service the notices use: who to write to. */
export interface NoticeRecipients {
  account(id: string): Promise<{ readonly email: string; readonly name: string } | undefined>;
}

/**
 * `BillingNotices` as mail. Amounts and dates are formatted here, in the publication's time
 * zone, so the templates only place them. The links point at the reader's pages on the site
 * (each asks the reader to sign in), never at anything secret.
 */
export function createBillingNotices(deps: {
  accounts: NoticeRecipients;
  mailer: MailSender<BillingMailVariables>;
  /** Absolute URL of the site, without a trailing slash. */
  publicUrl: string;
  /** The publication's time zone, as it is set now. */
  timeZone: () => Promise<string>;
}): BillingNotices {
  const { accounts, mailer, timeZone } = deps;
  const site = deps.publicUrl.replace(/\/+$/, '');
  const links = {
    account: `${site}/account`,
    paymentMethod: `${site}/account/payment-method`,
    subscribe: `${site}/subscribe`,
    invoice: (id: string) => `${site}/account/invoices/${encodeURIComponent(id)}`,
  };

  /**
   * Sends one notice to the account's address. An account deleted since (a webhook arriving
   * late, a sweep over an old subscription) has nobody to write to: skipped quietly.
   */
  async function send(
    accountId: string,
    compose: (reader: {
      to: string;
      readerName: string;
      date: (at: Date) => string;
    }) => MailMessage<BillingMailVariables>,
  ): Promise<void> {
    const [account, zone] = await Promise.all([accounts.account(accountId), timeZone()]);
    if (!account) return;
    await mailer.send(
      compose({ to: account.email, readerName: account.name, date: (at) => formatDate(at, zone) }),
    );
  }

  return {
    receipt: (input) =>
      send(input.accountId, ({ to, readerName, date }) => ({
        to,
        template: 'receipt',
        variables: {
          reader_name: readerName,
          plan_name: input.planName,
          amount: formatMoney(input.amount),
          invoice_number: input.invoiceNumber,
          invoice_link: links.invoice(input.invoiceId),
          invoice_pdf_link: `${links.invoice(input.invoiceId)}.pdf`,
          renews_on: input.renewsAt ? date(input.renewsAt) : '',
          account_link: links.account,
        },
      })),

    trialStarted: (input) =>
      send(input.accountId, ({ to, readerName, date }) => ({
        to,
        template: 'trial-started',
        variables: {
          reader_name: readerName,
          plan_name: input.planName,
          amount: formatMoney(input.amount),
          trial_ends_on: date(input.trialEndsAt),
          account_link: links.account,
        },
      })),

    async renewalReminder(input) {
      const [account, zone] = await Promise.all([accounts.account(input.accountId), timeZone()]);
      if (!account) return undefined;
      const prepared = await mailer.prepare({
        to: account.email,
        template: 'renewal-reminder',
        variables: {
          reader_name: account.name,
          plan_name: input.planName,
          amount: formatMoney(input.amount),
          charge_on: formatDate(input.chargeOn, zone),
          account_link: links.account,
        },
      });
      return { queue: (trx) => mailer.queue(trx, prepared) };
    },

    async priceChange(input) {
      const [account, zone] = await Promise.all([accounts.account(input.accountId), timeZone()]);
      if (!account) return undefined;
      const prepared = await mailer.prepare({
        to: account.email,
        template: 'price-change',
        variables: {
          reader_name: account.name,
          plan_name: input.planName,
          old_amount: formatMoney(input.oldAmount),
          new_amount: formatMoney(input.newAmount),
          effective_on: formatDate(input.effectiveAt, zone),
          first_charge_on: formatDate(input.firstChargeAt, zone),
          account_link: links.account,
        },
      });
      return { queue: (trx) => mailer.queue(trx, prepared) };
    },

    paymentFailed: (input) =>
      send(input.accountId, ({ to, readerName, date }) => ({
        to,
        template: 'payment-failed',
        variables: {
          reader_name: readerName,
          plan_name: input.planName,
          amount: formatMoney(input.amount),
          reason: input.reason,
          retry_on: input.retryAt ? date(input.retryAt) : '',
          access_until: date(input.accessUntil),
          payment_method_link: links.paymentMethod,
        },
      })),

    canceled: (input) =>
      send(input.accountId, ({ to, readerName, date }) => ({
        to,
        template: 'subscription-canceled',
        variables: {
          reader_name: readerName,
          plan_name: input.planName,
          ends_on: date(input.endsAt),
          account_link: links.account,
        },
      })),

    ended: (input) =>
      send(input.accountId, ({ to, readerName }) => ({
        to,
        template: 'subscription-ended',
        variables: {
          reader_name: readerName,
          plan_name: input.planName,
          reason: input.reason,
          subscribe_link: links.subscribe,
        },
      })),
  };
}
