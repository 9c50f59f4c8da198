import { keepInLog, withheldLink, type MailCatalogue, type MailTemplate } from '../mail/index.js';

// The mail this module sends, and its default copy. The mail module renders and delivers it;
// the words are this module's.

/** What the sender of a mail carrying a one-time account link supplies. */
export interface AccountLinkVariables {
  /** Empty when the reader gave no name. */
  readonly reader_name: string;
  /** The one-time link. A secret: the delivery log of sent mail never keeps it. */
  readonly link: string;
  /** How long the link works. */
  readonly expires_in_minutes: number;
}

/** What the sender of a notice about the account (no one-time link) supplies. */
export interface AccountNoticeVariables {
  /** Empty when the reader gave no name. */
  readonly reader_name: string;
  /** Where to act on the notice: a page of the site, not a secret. */
  readonly link: string;
}

/** The mail that carries a one-time link: confirm an address, sign in, reset a password. */
export const accountLinkTemplateNames = ['confirm-email', 'sign-in-link', 'password-reset'] as const;
export type AccountLinkTemplateName = (typeof accountLinkTemplateNames)[number];

/**
 * Every account mail: the links, and `password-removed`, which tells the owner of an address
 * that the password chosen before they proved it is gone, and how to choose one.
 */
export const accountTemplateNames = [...accountLinkTemplateNames, 'password-removed'] as const;
export type AccountTemplateName = (typeof accountTemplateNames)[number];

/** Each account mail's variables, as its sender supplies them. */
export type AccountMailVariables = { readonly [N in AccountLinkTemplateName]: AccountLinkVariables } & {
  readonly 'password-removed': AccountNoticeVariables;
};

const greeting = {
  text: '{% if reader_name != "" %}Hello {{ reader_name }},{% else %}Hello,{% endif %}',
  html: '<p>{% if reader_name != "" %}Hello {{ reader_name }},{% else %}Hello,{% endif %}</p>',
};
const expiry =
  '{% if expires_in_minutes >= 120 %}{{ expires_in_minutes | divided_by: 60 | round: 1 }} hours' +
  '{% else %}{{ expires_in_minutes }} minutes{% endif %}';

const copy: Readonly<Record<AccountTemplateName, MailTemplate>> = {
  'password-removed': {
    subject: 'The password of your {{ publication_name }} account was removed',
    text: `${greeting.text}

You confirmed your email address with a link we sent to it, so the {{ publication_name }} account for this address is yours alone. It had a password that was chosen before the address was confirmed: by you, or by someone else who signed up with your address. We removed that password, and the name the account was given with it, and signed out every device that used it.

You can sign in with a link emailed to you, or choose a password here:

{{ link }}

{{ publication_name }}`,
    html: `${greeting.html}
<p>You confirmed your email address with a link we sent to it, so the {{ publication_name }} account for this address is yours alone. It had a password that was chosen before the address was confirmed: by you, or by someone else who signed up with your address. We removed that password, and the name the account was given with it, and signed out every device that used it.</p>
<p>You can sign in with a link emailed to you, or choose a password:</p>
<p><a href="{{ link }}">Choose a password</a></p>
<p>If the button does not work, paste this address into your browser:<br>{{ link }}</p>
<p>{{ publication_name }}</p>`,
  },
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

const samples: readonly [AccountLinkVariables, ...AccountLinkVariables[]] = [
  accountSample,
  ...accountSamples,
];
// Whoever reads the database must not be able to use a reader's link.
const forLog = (variables: AccountLinkVariables) => ({ ...variables, link: withheldLink });

/** The account mail, as the mailer takes it. */
export const accountMail: MailCatalogue<AccountMailVariables> = {
  'confirm-email': {
    description: 'A new account: the link that confirms its email address',
    copy: copy['confirm-email'],
    samples,
    forLog,
  },
  'sign-in-link': {
    description: 'The one-time link a reader signs in with',
    copy: copy['sign-in-link'],
    samples,
    forLog,
  },
  'password-reset': {
    description: 'The one-time link to choose a new password',
    copy: copy['password-reset'],
    samples,
    forLog,
  },
  // Its link is the page that asks for a reset link: not a secret.
  'password-removed': {
    description: 'A password chosen before the address was confirmed was removed',
    copy: copy['password-removed'],
    samples: [
      { reader_name: 'Asha', link: 'https://news.example/login/reset' },
      { reader_name: '', link: 'https://news.example/login/reset' },
    ],
    forLog: keepInLog,
  },
};
