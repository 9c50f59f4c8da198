import { describe, expect, it } from 'vitest';
import { money } from '../../src/kernel/money.js';
import { accountMail } from '../../src/modules/accounts/index.js';
import {
  checkMailTemplate,
  mailVariablesOf,
  renderMail,
  type MailMessage,
} from '../../src/modules/mail/index.js';
import {
  billingMail,
  billingTemplateNames,
  type BillingMailVariables,
  type BillingTemplateName,
} from '../../src/modules/subscriptions/index.js';
import { createBillingNotices } from '../../src/modules/subscriptions/notices/billing-notices.js';

const publication = { publication_name: 'The Daily Ledger' };
const hostile = '<img src=x onerror=alert(1)> "Ana"';

function render(name: BillingTemplateName, variables: object) {
  return renderMail(billingMail[name].copy, { ...variables, ...publication });
}
const all = (mail: { subject: string; text: string; html: string }) =>
  `${mail.subject}\n${mail.text}\n${mail.html}`;

describe('billing mail templates', () => {
  it.each(billingTemplateNames)('%s passes its own check and renders every sample completely', (name) => {
    expect(checkMailTemplate(billingMail[name].copy, billingMail[name])).toEqual({ ok: true });
    for (const sample of billingMail[name].samples) {
      const mail = render(name, sample);
      expect(mail.subject.length).toBeGreaterThan(10);
      expect(all(mail)).not.toMatch(/{{|{%/);
      expect(mail.text).toContain('The Daily Ledger');
    }
  });

  it.each(billingTemplateNames)('%s escapes the reader name in the HTML part', (name) => {
    const [sample] = billingMail[name].samples;
    const mail = render(name, { ...sample, reader_name: hostile });
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('Hello &lt;img src=x onerror=alert(1)&gt; &#34;Ana&#34;,');
    expect(mail.text).toContain(`Hello ${hostile},`);
  });

  it('checks each template against its own variables, not a shared set', () => {
    const receipt = billingMail.receipt.copy;
    const withLink = { ...receipt, text: `${receipt.text} {{ link }}` };
    const check = checkMailTemplate(withLink, billingMail.receipt);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.problem).toMatch(
      /^text: unknown variable link \(known: reader_name, plan_name, amount/,
    );
    // And the other way: the account mail knows nothing of invoices.
    const signIn = accountMail['sign-in-link'].copy;
    const withInvoice = checkMailTemplate(
      { ...signIn, html: `${signIn.html}{{ invoice_link }}` },
      accountMail['sign-in-link'],
    );
    expect(withInvoice.ok ? '' : withInvoice.problem).toMatch(/^html: unknown variable invoice_link/);
    expect(mailVariablesOf(billingMail['renewal-reminder'])).toEqual([
      'reader_name',
      'plan_name',
      'amount',
      'charge_on',
      'account_link',
      'publication_name',
    ]);
  });

  it('refuses a billing template whose hidden branch breaks', () => {
    const reminder = billingMail['payment-failed'].copy;
    const broken = {
      ...reminder,
      text: `{% if retry_on == "" %}{{ retry_on.x.y }}{% endif %}${reminder.text}`,
    };
    expect(checkMailTemplate(broken, billingMail['payment-failed']).ok).toBe(false);
  });

  it('receipt: the amount, the invoice number, its page and PDF, and the renewal date', () => {
    const [sample] = billingMail.receipt.samples;
    const mail = render('receipt', sample);
    expect(mail.subject).toBe(
      'Receipt from The Daily Ledger: ₹2,700 for Smart Essential (invoice INV2627-000001)',
    );
    expect(mail.text).toContain('We received your payment of ₹2,700 for your Smart Essential subscription');
    expect(mail.text).toContain(
      'Your invoice INV2627-000001:\nhttps://news.example/account/invoices/inv_sample\n',
    );
    expect(mail.text).toContain('As a PDF: https://news.example/account/invoices/inv_sample.pdf');
    expect(mail.text).toContain('renews automatically on 15 November 2027');
    expect(mail.html).toContain('<a href="https://news.example/account/invoices/inv_sample">');
    expect(mail.html).toContain('<a href="https://news.example/account/invoices/inv_sample.pdf">');
    const last = render('receipt', { ...sample, renews_on: '' });
    expect(last.text).toContain('Your subscription will not renew.');
    expect(last.text).not.toContain('renews automatically');
  });

  it('trial started: nothing charged now, the amount and the date the trial ends', () => {
    const mail = render('trial-started', billingMail['trial-started'].samples[0]);
    expect(mail.text).toContain('Nothing has been charged.');
    expect(mail.text).toContain('The trial ends on 29 November 2026.');
    expect(mail.text).toContain('your card is charged ₹2,700');
    expect(mail.html).toContain('<strong>₹2,700</strong>');
  });

  it('renewal reminder: the pre-debit notice states amount, charge date and how to stop it', () => {
    const mail = render('renewal-reminder', billingMail['renewal-reminder'].samples[0]);
    expect(mail.subject).toBe(
      'The Daily Ledger: ₹2,700 will be charged on 15 November 2027 for Smart Essential',
    );
    expect(mail.text).toContain(
      'On 15 November 2027 we will charge ₹2,700 to renew your Smart Essential subscription.',
    );
    expect(mail.text).toContain('cancel before 15 November 2027 in your account');
    expect(mail.text).toContain('https://news.example/account');
    expect(mail.html).toContain('<strong>15 November 2027</strong>');
  });

  it('payment failed: the reason, the next attempt, until when access lasts, and where to update the card', () => {
    const [retrying, , last] = billingMail['payment-failed'].samples;
    const mail = render('payment-failed', retrying);
    expect(mail.subject).toBe('Action needed: we could not renew your Smart Essential subscription');
    expect(mail.text).toContain('We tried to charge ₹2,700');
    expect(mail.text).toContain('did not go through: Your card was declined.');
    expect(mail.text).toContain(
      'We will try again on 16 November 2027. You keep access until 22 November 2027.',
    );
    expect(mail.text).toContain('https://news.example/account/payment-method');
    expect(mail.html).toContain('<a href="https://news.example/account/payment-method">update your card</a>');
    const final = render('payment-failed', last!);
    expect(final.text).toContain('That was our last attempt');
    expect(final.text).not.toContain('payment-method');
  });

  it('cancelled: the exact date access ends, and how to resume', () => {
    const mail = render('subscription-canceled', billingMail['subscription-canceled'].samples[0]);
    expect(mail.subject).toBe('Your Smart Essential subscription ends on 15 November 2027');
    expect(mail.text).toContain('You keep full access until 15 November 2027.');
    expect(mail.text).toContain('Resume it from your account before 15 November 2027');
    expect(mail.html).toContain('<a href="https://news.example/account">Resume it from your account</a>');
  });

  it('ended: says why, and invites the reader back unless their account was deleted', () => {
    const [sample] = billingMail['subscription-ended'].samples;
    const why = (reason: string) => render('subscription-ended', { ...sample, reason });
    expect(why('canceled').text).toContain('has ended, as you asked.');
    expect(why('payment_failed').text).toContain('because we could not take payment for its renewal');
    expect(why('account_deleted').text).toContain('with the deletion of your account');
    expect(why('canceled').text).toContain('https://news.example/subscribe');
    expect(all(why('account_deleted'))).not.toContain('/subscribe');
  });
});

describe('billing notices as mail', () => {
  function notices(accounts: Record<string, { email: string; name: string }>) {
    const sent: MailMessage<BillingMailVariables>[] = [];
    const billing = createBillingNotices({
      accounts: { account: async (id) => accounts[id] },
      mailer: {
        send: async (message) => {
          sent.push(message);
          return { id: `msg_${sent.length}`, delivery: 'outbox' };
        },
        // The reminder is prepared here and queued later in the sweep's transaction.
        prepare: async (message) => {
          sent.push(message);
          return { to: message.to, template: message.template, mail: { subject: '', text: '', html: '' } };
        },
        queue: async () => `msg_${sent.length}`,
      },
      publicUrl: 'https://news.example/',
      timeZone: async () => 'Asia/Kolkata',
    });
    return { billing, sent };
  }
  const asha = { acc_asha: { email: 'asha@news.example', name: 'Asha' } };

  it('formats amounts with formatMoney and dates in the publication time zone', async () => {
    const { billing, sent } = notices(asha);
    // 20:00 UTC on the 14th is already the 15th in India.
    await billing.renewalReminder({
      accountId: 'acc_asha',
      planName: 'Smart Essential',
      amount: money(270_050, 'INR'),
      chargeOn: new Date('2027-11-14T20:00:00.000Z'),
    });
    expect(sent).toEqual([
      {
        to: 'asha@news.example',
        template: 'renewal-reminder',
        variables: {
          reader_name: 'Asha',
          plan_name: 'Smart Essential',
          amount: '₹2,700.50',
          charge_on: '15 November 2027',
          account_link: 'https://news.example/account',
        },
      },
    ]);
  });

  it('links a receipt to the invoice page and PDF on the site', async () => {
    const { billing, sent } = notices(asha);
    await billing.receipt({
      accountId: 'acc_asha',
      planName: 'Smart Essential',
      amount: money(270_000, 'INR'),
      invoiceId: 'inv_01',
      invoiceNumber: 'INV2627-000001',
      renewsAt: null,
    });
    expect(sent[0]?.variables).toMatchObject({
      amount: '₹2,700',
      invoice_number: 'INV2627-000001',
      invoice_link: 'https://news.example/account/invoices/inv_01',
      invoice_pdf_link: 'https://news.example/account/invoices/inv_01.pdf',
      renews_on: '',
    });
  });

  it('tells a failed payment the retry date, the end of access and the card page', async () => {
    const { billing, sent } = notices(asha);
    await billing.paymentFailed({
      accountId: 'acc_asha',
      planName: 'Smart Essential',
      amount: money(270_000, 'INR'),
      reason: 'Your card was declined.',
      retryAt: new Date('2027-11-16T06:00:00.000Z'),
      accessUntil: new Date('2027-11-22T06:00:00.000Z'),
    });
    await billing.paymentFailed({
      accountId: 'acc_asha',
      planName: 'Smart Essential',
      amount: money(270_000, 'INR'),
      reason: 'Your card was declined.',
      retryAt: null,
      accessUntil: new Date('2027-11-20T06:00:00.000Z'),
    });
    expect(sent.map((m) => m.variables)).toMatchObject([
      {
        retry_on: '16 November 2027',
        access_until: '22 November 2027',
        payment_method_link: 'https://news.example/account/payment-method',
      },
      { retry_on: '', access_until: '20 November 2027' },
    ]);
  });

  it('sends the cancellation, trial and ending notices with their dates', async () => {
    const { billing, sent } = notices(asha);
    await billing.canceled({
      accountId: 'acc_asha',
      planName: 'Smart Essential',
      endsAt: new Date('2027-11-15T06:00:00Z'),
    });
    await billing.trialStarted({
      accountId: 'acc_asha',
      planName: 'Smart Essential',
      amount: money(270_000, 'INR'),
      trialEndsAt: new Date('2026-11-29T06:00:00Z'),
    });
    await billing.ended({ accountId: 'acc_asha', planName: 'Smart Essential', reason: 'payment_failed' });
    expect(sent.map((m) => [m.template, m.variables])).toEqual([
      [
        'subscription-canceled',
        {
          reader_name: 'Asha',
          plan_name: 'Smart Essential',
          ends_on: '15 November 2027',
          account_link: 'https://news.example/account',
        },
      ],
      [
        'trial-started',
        {
          reader_name: 'Asha',
          plan_name: 'Smart Essential',
          amount: '₹2,700',
          trial_ends_on: '29 November 2026',
          account_link: 'https://news.example/account',
        },
      ],
      [
        'subscription-ended',
        {
          reader_name: 'Asha',
          plan_name: 'Smart Essential',
          reason: 'payment_failed',
          subscribe_link: 'https://news.example/subscribe',
        },
      ],
    ]);
  });

  it('skips an account that no longer exists, quietly', async () => {
    const { billing, sent } = notices({});
    await expect(
      billing.canceled({ accountId: 'acc_gone', planName: 'Smart Essential', endsAt: new Date() }),
    ).resolves.toBeUndefined();
    expect(sent).toEqual([]);
  });
});
