import type { Liquid } from 'liquidjs';
import { checkLiquid, strictLiquid, type TemplateCheck } from '../../kernel/liquid.js';

/** The mail Masthead sends to readers. */
export type MailTemplateName = 'confirm-email' | 'sign-in-link' | 'password-reset';

/** A mail template: a Liquid source for each part of the message. */
export interface MailTemplate {
  /** One line; line breaks and runs of spaces become one space. */
  readonly subject: string;
  readonly text: string;
  /** Variables are always HTML-escaped, `| raw` included. */
  readonly html: string;
}

/** What the sender of a message supplies. */
export interface MailVariables {
  /** Empty when the reader gave no name. */
  readonly reader_name: string;
  /** The one-time link. A secret: the delivery log of sent mail never keeps it. */
  readonly link: string;
  /** How long the link works. */
  readonly expires_in_minutes: number;
}

/** Everything a mail template may use: the sender's variables and the publication's name. */
export interface MailContext extends MailVariables {
  readonly publication_name: string;
}

export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

const sampleContext: MailContext = {
  reader_name: 'Asha',
  link: 'https://news.example/account/confirm?token=sample&from=mail',
  expires_in_minutes: 60,
  publication_name: 'The Daily Ledger',
};
/** The variables mail templates may use; anything else is refused. */
export const mailVariables: readonly string[] = Object.keys(sampleContext);
// With and without a name; links that last minutes and a day (the branches the defaults take).
const sampleContexts: readonly MailContext[] = ['', 'Asha'].flatMap((readerName) =>
  [15, 60, 1440].map((minutes) => ({
    ...sampleContext,
    reader_name: readerName,
    expires_in_minutes: minutes,
  })),
);

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
 * Checks a mail template as an admin would save it: each part must parse, use only the known
 * variables and filters, and render with every sample context; the subject must not come out
 * empty. The problem names the part (`subject: unknown variable reader`).
 */
export function checkMailTemplate(template: MailTemplate): TemplateCheck {
  for (const [part, liquid] of parts) {
    const check = checkLiquid(liquid, template[part], { variables: mailVariables, samples: sampleContexts });
    if (!check.ok) return { ok: false, problem: `${part}: ${check.problem}` };
    if (part === 'subject' && check.rendered.some((subject) => oneLine(subject) === '')) {
      return { ok: false, problem: 'subject: renders empty' };
    }
  }
  return { ok: true };
}

/**
 * Renders a checked template. Throws if a part fails to render (a template that slipped past
 * the check is a bug). Mail is rare next to page views, so nothing is cached.
 */
export function renderMail(template: MailTemplate, context: MailContext): RenderedMail {
  return {
    subject: oneLine(plain.parseAndRenderSync(template.subject, context)),
    text: plain.parseAndRenderSync(template.text, context).trim() + '\n',
    html: html.parseAndRenderSync(template.html, context).trim() + '\n',
  };
}

const greeting = {
  text: '{% if reader_name != "" %}Hello {{ reader_name }},{% else %}Hello,{% endif %}',
  html: '<p>{% if reader_name != "" %}Hello {{ reader_name }},{% else %}Hello,{% endif %}</p>',
};
const expiry =
  '{% if expires_in_minutes >= 120 %}{{ expires_in_minutes | divided_by: 60 | round: 1 }} hours' +
  '{% else %}{{ expires_in_minutes }} minutes{% endif %}';

/** The copy Masthead sends until a publisher writes their own. */
export const defaultMailTemplates: Readonly<Record<MailTemplateName, MailTemplate>> = {
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
