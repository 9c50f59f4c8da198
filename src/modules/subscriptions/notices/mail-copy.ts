import { keepInLog, type MailCatalogue, type MailTemplate } from '../../mail/index.js';

// The mail this module sends about a reader's subscription, and its default copy. The mail
// module renders and delivers it; the words are this module's.

/**
 * The mail about a reader's subscription. Amounts and dates arrive formatted ("₹2,700",
 * "15 November 2027", in the publication's time zone); links are absolute. An empty string
 * means "none" where a variable says so.
 */
export const billingTemplateNames = [
  'receipt',
  'trial-started',
  'renewal-reminder',
  'payment-failed',
  'subscription-canceled',
  'subscription-ended',
  'price-change',
] as const;
export type BillingTemplateName = (typeof billingTemplateNames)[number];

export interface BillingMailVariables {
  /** A payment succeeded: what was paid, and the invoice. */
  readonly receipt: {
    readonly reader_name: string;
    readonly plan_name: string;
    /** What was paid, GST included. */
    readonly amount: string;
    readonly invoice_number: string;
    /** The invoice as a page on the site, and as a PDF. */
    readonly invoice_link: string;
    readonly invoice_pdf_link: string;
    /** The next renewal date; empty when the subscription will not renew. */
    readonly renews_on: string;
    readonly account_link: string;
  };
  /** A free trial began; `amount` is charged when it ends. */
  readonly 'trial-started': {
    readonly reader_name: string;
    readonly plan_name: string;
    readonly amount: string;
    readonly trial_ends_on: string;
    readonly account_link: string;
  };
  /**
   * The pre-debit notice India's rules for recurring card payments require before each
   * renewal charge: the amount, the date, and how to stop it.
   */
  readonly 'renewal-reminder': {
    readonly reader_name: string;
    readonly plan_name: string;
    readonly amount: string;
    readonly charge_on: string;
    readonly account_link: string;
  };
  /** A renewal charge failed. */
  readonly 'payment-failed': {
    readonly reader_name: string;
    readonly plan_name: string;
    readonly amount: string;
    /** The gateway's sentence for the reader ("Your card was declined."). */
    readonly reason: string;
    /** When the charge is tried again; empty when it will not be (the subscription ends). */
    readonly retry_on: string;
    /** Until when the reader keeps access. */
    readonly access_until: string;
    /** The page where the reader saves another card. */
    readonly payment_method_link: string;
  };
  /** The reader cancelled: access continues to the end of the paid term. */
  readonly 'subscription-canceled': {
    readonly reader_name: string;
    readonly plan_name: string;
    readonly ends_on: string;
    /** Where to resume it. */
    readonly account_link: string;
  };
  /**
   * The notice of a new price: the old and new amounts (as renewals charge them), from when the
   * new one applies, the first renewal that charges it, and how to stop before then.
   */
  readonly 'price-change': {
    readonly reader_name: string;
    readonly plan_name: string;
    readonly old_amount: string;
    readonly new_amount: string;
    /** No renewal before this date is charged the new price. */
    readonly effective_on: string;
    /** The first renewal charged the new price, as the subscription runs now. */
    readonly first_charge_on: string;
    /** Where to cancel. */
    readonly account_link: string;
  };
  /** The subscription has ended. */
  readonly 'subscription-ended': {
    readonly reader_name: string;
    readonly plan_name: string;
    /** `canceled`, `payment_failed` or `account_deleted`. */
    readonly reason: string;
    readonly subscribe_link: string;
  };
}

const greeting = {
  text: '{% if reader_name != "" %}Hello {{ reader_name }},{% else %}Hello,{% endif %}',
  html: '<p>{% if reader_name != "" %}Hello {{ reader_name }},{% else %}Hello,{% endif %}</p>',
};

const copy: Readonly<Record<BillingTemplateName, MailTemplate>> = {
  receipt: {
    subject:
      'Receipt from {{ publication_name }}: {{ amount }} for {{ plan_name }} (invoice {{ invoice_number }})',
    text: `${greeting.text}

Thank you. We received your payment of {{ amount }} for your {{ plan_name }} subscription to {{ publication_name }}.

Your invoice {{ invoice_number }}:
{{ invoice_link }}
As a PDF: {{ invoice_pdf_link }}

{% if renews_on != "" %}Your subscription renews automatically on {{ renews_on }}. We will write to you before we charge your card, and you can cancel anytime from your account:{% else %}Your subscription will not renew. Your account:{% endif %}
{{ account_link }}

{{ publication_name }}`,
    html: `${greeting.html}
<p>Thank you. We received your payment of <strong>{{ amount }}</strong> for your {{ plan_name }} subscription to {{ publication_name }}.</p>
<p>Your invoice {{ invoice_number }}: <a href="{{ invoice_link }}">view it</a> or <a href="{{ invoice_pdf_link }}">download the PDF</a>.</p>
<p>{% if renews_on != "" %}Your subscription renews automatically on <strong>{{ renews_on }}</strong>. We will write to you before we charge your card, and you can cancel anytime from <a href="{{ account_link }}">your account</a>.{% else %}Your subscription will not renew. <a href="{{ account_link }}">Your account</a>{% endif %}</p>
<p>{{ publication_name }}</p>`,
  },
  'trial-started': {
    subject: 'Your free trial of {{ plan_name }} has begun',
    text: `${greeting.text}

Your free trial of {{ plan_name }} from {{ publication_name }} has begun. Nothing has been charged.

The trial ends on {{ trial_ends_on }}. Unless you cancel before then, your subscription continues and your card is charged {{ amount }}; we will write to you before we charge it. To cancel, go to your account:
{{ account_link }}

{{ publication_name }}`,
    html: `${greeting.html}
<p>Your free trial of {{ plan_name }} from {{ publication_name }} has begun. Nothing has been charged.</p>
<p>The trial ends on <strong>{{ trial_ends_on }}</strong>. Unless you cancel before then, your subscription continues and your card is charged <strong>{{ amount }}</strong>; we will write to you before we charge it. To cancel, go to <a href="{{ account_link }}">your account</a>.</p>
<p>{{ publication_name }}</p>`,
  },
  'renewal-reminder': {
    subject: '{{ publication_name }}: {{ amount }} will be charged on {{ charge_on }} for {{ plan_name }}',
    text: `${greeting.text}

This is advance notice of a charge to the card you saved with {{ publication_name }}.

On {{ charge_on }} we will charge {{ amount }} to renew your {{ plan_name }} subscription. You need do nothing to keep reading.

If you do not want to renew, cancel before {{ charge_on }} in your account; nothing will be charged, and you keep access until the end of the term you paid for:
{{ account_link }}

{{ publication_name }}`,
    html: `${greeting.html}
<p>This is advance notice of a charge to the card you saved with {{ publication_name }}.</p>
<p>On <strong>{{ charge_on }}</strong> we will charge <strong>{{ amount }}</strong> to renew your {{ plan_name }} subscription. You need do nothing to keep reading.</p>
<p>If you do not want to renew, cancel before {{ charge_on }} in <a href="{{ account_link }}">your account</a>; nothing will be charged, and you keep access until the end of the term you paid for.</p>
<p>{{ publication_name }}</p>`,
  },
  'payment-failed': {
    subject:
      '{% if retry_on != "" %}Action needed: we could not renew your {{ plan_name }} subscription{% else %}We could not renew your {{ plan_name }} subscription{% endif %}',
    text: `${greeting.text}

We tried to charge {{ amount }} to renew your {{ plan_name }} subscription to {{ publication_name }}, but the payment did not go through: {{ reason }}

{% if retry_on != "" %}We will try again on {{ retry_on }}. You keep access until {{ access_until }}. To make sure the next attempt works, update your card:
{{ payment_method_link }}{% else %}That was our last attempt, so your subscription has ended; your access ended on {{ access_until }}.{% endif %}

{{ publication_name }}`,
    html: `${greeting.html}
<p>We tried to charge <strong>{{ amount }}</strong> to renew your {{ plan_name }} subscription to {{ publication_name }}, but the payment did not go through: {{ reason }}</p>
{% if retry_on != "" %}<p>We will try again on <strong>{{ retry_on }}</strong>. You keep access until <strong>{{ access_until }}</strong>. To make sure the next attempt works, <a href="{{ payment_method_link }}">update your card</a>.</p>{% else %}<p>That was our last attempt, so your subscription has ended; your access ended on {{ access_until }}.</p>{% endif %}
<p>{{ publication_name }}</p>`,
  },
  'subscription-canceled': {
    subject: 'Your {{ plan_name }} subscription ends on {{ ends_on }}',
    text: `${greeting.text}

Your {{ plan_name }} subscription to {{ publication_name }} is cancelled, and nothing more will be charged. You keep full access until {{ ends_on }}.

Changed your mind? Resume it from your account before {{ ends_on }}, and it carries on as before:
{{ account_link }}

{{ publication_name }}`,
    html: `${greeting.html}
<p>Your {{ plan_name }} subscription to {{ publication_name }} is cancelled, and nothing more will be charged. You keep full access until <strong>{{ ends_on }}</strong>.</p>
<p>Changed your mind? <a href="{{ account_link }}">Resume it from your account</a> before {{ ends_on }}, and it carries on as before.</p>
<p>{{ publication_name }}</p>`,
  },
  'price-change': {
    subject: 'The price of your {{ plan_name }} subscription changes from {{ effective_on }}',
    text: `${greeting.text}

We are changing the price of {{ plan_name }} at {{ publication_name }}: renewals from {{ effective_on }} are charged {{ new_amount }} instead of {{ old_amount }}.

Until then nothing changes: you keep paying {{ old_amount }}. The first renewal at the new price is on {{ first_charge_on }}, and we will write to you again before it.

If you would rather not continue at the new price, cancel before {{ first_charge_on }} in your account; you will not be charged the new price, and you keep access until the end of the term you paid for:
{{ account_link }}

{{ publication_name }}`,
    html: `${greeting.html}
<p>We are changing the price of {{ plan_name }} at {{ publication_name }}: renewals from <strong>{{ effective_on }}</strong> are charged <strong>{{ new_amount }}</strong> instead of {{ old_amount }}.</p>
<p>Until then nothing changes: you keep paying {{ old_amount }}. The first renewal at the new price is on <strong>{{ first_charge_on }}</strong>, and we will write to you again before it.</p>
<p>If you would rather not continue at the new price, cancel before {{ first_charge_on }} in <a href="{{ account_link }}">your account</a>; you will not be charged the new price, and you keep access until the end of the term you paid for.</p>
<p>{{ publication_name }}</p>`,
  },
  'subscription-ended': {
    subject: 'Your {{ publication_name }} subscription has ended',
    text: `${greeting.text}

{% if reason == "payment_failed" %}Your {{ plan_name }} subscription to {{ publication_name }} has ended, because we could not take payment for its renewal.{% elsif reason == "account_deleted" %}Your {{ plan_name }} subscription to {{ publication_name }} has ended with the deletion of your account.{% else %}Your {{ plan_name }} subscription to {{ publication_name }} has ended, as you asked.{% endif %}
{% if reason != "account_deleted" %}
You are welcome back anytime:
{{ subscribe_link }}
{% endif %}
{{ publication_name }}`,
    html: `${greeting.html}
<p>{% if reason == "payment_failed" %}Your {{ plan_name }} subscription to {{ publication_name }} has ended, because we could not take payment for its renewal.{% elsif reason == "account_deleted" %}Your {{ plan_name }} subscription to {{ publication_name }} has ended with the deletion of your account.{% else %}Your {{ plan_name }} subscription to {{ publication_name }} has ended, as you asked.{% endif %}</p>
{% if reason != "account_deleted" %}<p>You are welcome back anytime: <a href="{{ subscribe_link }}">see the plans</a>.</p>{% endif %}
<p>{{ publication_name }}</p>`,
  },
};

const receipt: BillingMailVariables['receipt'] = {
  reader_name: 'Asha',
  plan_name: 'Smart Essential',
  amount: '₹2,700',
  invoice_number: 'INV2627-000001',
  invoice_link: 'https://news.example/account/invoices/inv_sample',
  invoice_pdf_link: 'https://news.example/account/invoices/inv_sample.pdf',
  renews_on: '15 November 2027',
  account_link: 'https://news.example/account',
};
const trialStarted: BillingMailVariables['trial-started'] = {
  reader_name: 'Asha',
  plan_name: 'Smart Essential',
  amount: '₹2,700',
  trial_ends_on: '29 November 2026',
  account_link: 'https://news.example/account',
};
const renewalReminder: BillingMailVariables['renewal-reminder'] = {
  reader_name: 'Asha',
  plan_name: 'Smart Essential',
  amount: '₹2,700',
  charge_on: '15 November 2027',
  account_link: 'https://news.example/account',
};
const paymentFailed: BillingMailVariables['payment-failed'] = {
  reader_name: 'Asha',
  plan_name: 'Smart Essential',
  amount: '₹2,700',
  reason: 'Your card was declined.',
  retry_on: '16 November 2027',
  access_until: '22 November 2027',
  payment_method_link: 'https://news.example/account/payment-method',
};
const canceled: BillingMailVariables['subscription-canceled'] = {
  reader_name: 'Asha',
  plan_name: 'Smart Essential',
  ends_on: '15 November 2027',
  account_link: 'https://news.example/account',
};
const priceChange: BillingMailVariables['price-change'] = {
  reader_name: 'Asha',
  plan_name: 'Smart Essential',
  old_amount: '₹2,700',
  new_amount: '₹2,999',
  effective_on: '15 December 2026',
  first_charge_on: '15 November 2027',
  account_link: 'https://news.example/account',
};
const ended: BillingMailVariables['subscription-ended'] = {
  reader_name: 'Asha',
  plan_name: 'Smart Essential',
  reason: 'canceled',
  subscribe_link: 'https://news.example/subscribe',
};

/**
 * Each template's sample contexts: with and without a name, and every branch of its copy. The
 * first one's keys, in order, are the template's variables.
 */
const samples: {
  readonly [N in BillingTemplateName]: readonly [BillingMailVariables[N], ...BillingMailVariables[N][]];
} = {
  receipt: [receipt, { ...receipt, reader_name: '' }, { ...receipt, renews_on: '' }],
  'trial-started': [trialStarted, { ...trialStarted, reader_name: '' }],
  'renewal-reminder': [renewalReminder, { ...renewalReminder, reader_name: '' }],
  'payment-failed': [
    paymentFailed,
    { ...paymentFailed, reader_name: '' },
    { ...paymentFailed, retry_on: '', access_until: '20 November 2027' },
  ],
  'subscription-canceled': [canceled, { ...canceled, reader_name: '' }],
  'price-change': [priceChange, { ...priceChange, reader_name: '' }],
  'subscription-ended': [
    ended,
    { ...ended, reader_name: '' },
    { ...ended, reason: 'payment_failed' },
    { ...ended, reason: 'account_deleted' },
  ],
};

/** The billing mail, as the mailer takes it. Billing links (an invoice, the account page) are
 * not secrets: each page they open asks the reader to sign in, so the log keeps them as sent. */
export const billingMail: MailCatalogue<BillingMailVariables> = {
  receipt: {
    description: 'A payment taken: the receipt, with its invoice',
    copy: copy.receipt,
    samples: samples.receipt,
    forLog: keepInLog,
  },
  'trial-started': {
    description: 'A free trial began, and when it turns paid',
    copy: copy['trial-started'],
    samples: samples['trial-started'],
    forLog: keepInLog,
  },
  'renewal-reminder': {
    description: 'The notice before a renewal is charged (pre-debit)',
    copy: copy['renewal-reminder'],
    samples: samples['renewal-reminder'],
    forLog: keepInLog,
  },
  'payment-failed': {
    description: 'A renewal payment failed: how to fix the card',
    copy: copy['payment-failed'],
    samples: samples['payment-failed'],
    forLog: keepInLog,
  },
  'subscription-canceled': {
    description: 'A subscription was cancelled, and when access ends',
    copy: copy['subscription-canceled'],
    samples: samples['subscription-canceled'],
    forLog: keepInLog,
  },
  'price-change': {
    description: "A plan's price changes, and from which renewal",
    copy: copy['price-change'],
    samples: samples['price-change'],
    forLog: keepInLog,
  },
  'subscription-ended': {
    description: 'A subscription ended',
    copy: copy['subscription-ended'],
    samples: samples['subscription-ended'],
    forLog: keepInLog,
  },
};
