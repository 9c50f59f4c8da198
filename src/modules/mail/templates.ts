import type { Liquid } from 'liquidjs';
import { checkLiquid, strictLiquid, type TemplateCheck } from '../../kernel/liquid.js';
import {
  billingMailCopy,
  billingMailSamples,
  billingTemplateNames,
  type BillingMailVariables,
} from './billing-templates.js';

/** A mail template: a Liquid source for each part of the message. */
export interface MailTemplate {
  /** One line; line breaks and runs of spaces become one space. */
  readonly subject: string;
  readonly text: string;
  /** Variables are always HTML-escaped, `| raw` included. */
  readonly html: string;
}

/** What the sender of a mail carrying a one-time account link supplies. */
export interface AccountLinkVariables {
  /** Empty when the reader gave no name. */
  readonly reader_name: string;
  /** The one-time link. A secret: the delivery log of sent mail never keeps it. */
  readonly link: string;
  /** How long the link works. */
  readonly expires_in_minutes: number;
}

/** The mail that carries a one-time link: confirm an address, sign in, reset a password. */
export const accountTemplateNames = ['confirm-email', 'sign-in-link', 'password-reset'] as const;
export type AccountTemplateName = (typeof accountTemplateNames)[number];

/**
 * Each template's own variables, as its sender supplies them. Billing mail gets its amounts
 * and dates already formatted (`formatMoney`, `formatDate` in the publication's time zone), so
 * a template never does arithmetic or time-zone work.
 */
export interface MailVariablesByTemplate extends BillingMailVariables {
  readonly 'confirm-email': AccountLinkVariables;
  readonly 'sign-in-link': AccountLinkVariables;
  readonly 'password-reset': AccountLinkVariables;
}

/** The mail Masthead sends to readers. */
export type MailTemplateName = keyof MailVariablesByTemplate;

/** What the sender of one template supplies (by default, of any template). */
export type MailVariables<N extends MailTemplateName = MailTemplateName> = MailVariablesByTemplate[N];

/** Everything a template may use: its sender's variables and the publication's name. */
export type MailContext<N extends MailTemplateName = MailTemplateName> = MailVariablesByTemplate[N] & {
  readonly publication_name: string;
};

export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** What the delivery log keeps in place of the one-time link of a message sent over SMTP. */
export const withheldLink = '[link withheld from the log]';

/** How one template is checked, and what of it is secret. */
interface TemplateSpec<V> {
  /**
   * The contexts every part must render with: between them, every branch the default copy
   * takes. The first one's keys are the template's variables.
   */
  readonly samples: readonly [V, ...V[]];
  /** The variables as the delivery log keeps them: secrets withheld. */
  readonly forLog: (variables: V) => V;
}

type TemplateSpecs = { readonly [N in MailTemplateName]: TemplateSpec<MailVariablesByTemplate[N]> };

const greeting = {
  text: '{% if reader_name != "" %}Hello {{ reader_name }},{% else %}Hello,{% endif %}',
  html: '<p>{% if reader_name != "" %}Hello {{ reader_name }},{% else %}Hello,{% endif %}</p>',
};
const expiry =
  '{% if expires_in_minutes >= 120 %}{{ expires_in_minutes | divided_by: 60 | round: 1 }} hours' +
  '{% else %}{{ expires_in_minutes }} minutes{% endif %}';

const accountMailCopy: Readonly<Record<AccountTemplateName, MailTemplate>> = {
  'confirm-email': {
    subject: 'Confirm your email address for {{ publication_name }}',
    text: `${greeting.text}

Please confirm the email address of your {{ publication_name }} account by opening this link:

{{ link }}

The link works for ${expiry}. If you did not create an account, you can ignore this email.

{{ publication_name }}`,
    html: `${greeting.html}
<p>Please confirm the email address of your {{ publication_name }} account.</p>
<p><a href="{{ link }}">Confirm my email address</a></p>
<p>The link works for ${expiry}. If you did not create an account, you can ignore this email.</p>
<p>If the button does not work, paste this address into your browser:<br>{{ link }}</p>
<p>{{ publication_name }}</p>`,
  },
  'sign-in-link': {
    subject: 'Your sign-in link for {{ publication_name }}',
    text: `${greeting.text}

Open this link to sign in to {{ publication_name }}:

{{ link }}

The link works once, for ${expiry}. If you did not ask to sign in, you can ignore this email: nobody can sign in without the link.

{{ publication_name }}`,
    html: `${greeting.html}
<p>Open this link to sign in to {{ publication_name }}.</p>
<p><a href="{{ link }}">Sign in</a></p>
<p>The link works once, for ${expiry}. If you did not ask to sign in, you can ignore this email: nobody can sign in without the link.</p>
<p>If the button does not work, paste this address into your browser:<br>{{ link }}</p>
<p>{{ publication_name }}</p>`,
  },
  'password-reset': {
    subject: 'Reset your {{ publication_name }} password',
    text: `${greeting.text}

Someone asked to reset the password of your {{ publication_name }} account. To choose a new password, open this link:

{{ link }}

The link works once, for ${expiry}. If it was not you, ignore this email: your password stays as it is.

{{ publication_name }}`,
    html: `${greeting.html}
<p>Someone asked to reset the password of your {{ publication_name }} account.</p>
<p><a href="{{ link }}">Choose a new password</a></p>
<p>The link works once, for ${expiry}. If it was not you, ignore this email: your password stays as it is.</p>
<p>If the button does not work, paste this address into your browser:<br>{{ link }}</p>
<p>{{ publication_name }}</p>`,
  },
};

const accountSample: AccountLinkVariables = {
  reader_name: 'Asha',
  link: 'https://news.example/account/confirm?token=sample&from=mail',
  expires_in_minutes: 60,
};
// With and without a name; links that last minutes and a day (the branches the defaults take).
const accountSamples = ['', 'Asha'].flatMap((readerName) =>
  [15, 60, 1440].map((minutes) => ({
    ...accountSample,
    reader_name: readerName,
    expires_in_minutes: minutes,
  })),
);

const accountSpec: TemplateSpec<AccountLinkVariables> = {
  samples: [accountSample, ...accountSamples],
  // Whoever reads the database must not be able to use a reader's link.
  forLog: (variables) => ({ ...variables, link: withheldLink }),
};

// Billing links (an invoice, the account page) are not secrets: each page they open asks the
// reader to sign in. The log keeps them as sent.
const keep = <V>(variables: V): V => variables;

const specs: TemplateSpecs = {
  'confirm-email': accountSpec,
  'sign-in-link': accountSpec,
  'password-reset': accountSpec,
  receipt: { samples: billingMailSamples.receipt, forLog: keep },
  'trial-started': { samples: billingMailSamples['trial-started'], forLog: keep },
  'renewal-reminder': { samples: billingMailSamples['renewal-reminder'], forLog: keep },
  'payment-failed': { samples: billingMailSamples['payment-failed'], forLog: keep },
  'subscription-canceled': { samples: billingMailSamples['subscription-canceled'], forLog: keep },
  'subscription-ended': { samples: billingMailSamples['subscription-ended'], forLog: keep },
};

/** Every template Masthead sends. */
export const mailTemplateNames: readonly MailTemplateName[] = [
  ...accountTemplateNames,
  ...billingTemplateNames,
];

/** The copy Masthead sends until a publisher writes their own. */
export const defaultMailTemplates: Readonly<Record<MailTemplateName, MailTemplate>> = {
  ...accountMailCopy,
  ...billingMailCopy,
};

const samplePublication = 'The Daily Ledger';

/** The variables a template may use; anything else is refused. */
export function mailVariablesOf(name: MailTemplateName): readonly string[] {
  return [...Object.keys(specs[name].samples[0]), 'publication_name'];
}

const plain = strictLiquid({ escapeHtml: false });
const html = strictLiquid({ escapeHtml: true });
// A reader chooses their own name, and it lands in mail: no template may print it unescaped.
html.registerFilter('raw', (value: unknown) => value);

const parts = [
  ['subject', plain],
  ['text', plain],
  ['html', html],
] as const satisfies readonly (readonly [keyof MailTemplate, Liquid])[];

const oneLine = (subject: string) => subject.replace(/\s+/g, ' ').trim();

/**
 * Checks a template for `name` as an admin would save it: each part must parse, use only that
 * template's variables and known filters, and render with each of its sample contexts; the
 * subject must not come out empty. The problem names the part (`subject: unknown variable
 * reader`).
 */
export function checkMailTemplate(template: MailTemplate, name: MailTemplateName): TemplateCheck {
  const variables = mailVariablesOf(name);
  const samples = specs[name].samples.map((sample) => ({ ...sample, publication_name: samplePublication }));
  for (const [part, liquid] of parts) {
    const check = checkLiquid(liquid, template[part], { variables, samples });
    if (!check.ok) return { ok: false, problem: `${part}: ${check.problem}` };
    if (part === 'subject' && check.rendered.some((subject) => oneLine(subject) === '')) {
      return { ok: false, problem: 'subject: renders empty' };
    }
  }
  return { ok: true };
}

/**
 * Renders a checked template. Throws if a part fails to render (a template that slipped past
 * the check is a bug).
 */
export function renderMail(template: MailTemplate, context: MailContext): RenderedMail {
  return render(template, context);
}

// Parsed templates by source. Sources are the defaults (a fixed handful), so the map stays small;
// the renewal sweep renders a receipt per renewal, and parsing was most of that cost.
const parsed = new Map<string, ReturnType<Liquid['parse']>>();
function renderPart(liquid: Liquid, source: string, context: object): string {
  const key = `${liquid === html ? 'html' : 'plain'}:${source}`;
  let templates = parsed.get(key);
  if (!templates) parsed.set(key, (templates = liquid.parse(source)));
  return liquid.renderSync(templates, context) as string;
}

// The context of any one template: `composeMail`'s signature ties variables to their template.
function render(template: MailTemplate, context: object): RenderedMail {
  return {
    subject: oneLine(renderPart(plain, template.subject, context)),
    text: renderPart(plain, template.text, context).trim() + '\n',
    html: renderPart(html, template.html, context).trim() + '\n',
  };
}

/**
 * A message of template `N` rendered twice: as it is sent, and as the delivery log keeps it
 * (secrets withheld).
 */
export function composeMail<N extends MailTemplateName>(
  name: N,
  variables: MailVariablesByTemplate[N],
  publicationName: string,
): { readonly sent: RenderedMail; readonly logged: RenderedMail } {
  const spec: TemplateSpec<MailVariablesByTemplate[N]> = specs[name];
  const copy: MailTemplate = defaultMailTemplates[name];
  return {
    sent: render(copy, { ...variables, publication_name: publicationName }),
    logged: render(copy, { ...spec.forLog(variables), publication_name: publicationName }),
  };
}
