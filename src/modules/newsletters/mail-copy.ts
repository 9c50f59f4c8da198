import { withheldLink, type MailCatalogue } from '../mail/index.js';

// The mail this module sends through templates: the confirmation of a sign-up by address (double
// opt-in). Issues themselves are composed from articles (issue-mail.tsx).

/** What the sender of a sign-up confirmation supplies. */
export interface NewsletterConfirmVariables {
  /** The newsletters asked for, joined for reading ("Markets and Tech"). */
  readonly newsletter_names: string;
  /** The one-time confirmation link. A secret: the delivery log never keeps it. */
  readonly link: string;
  readonly expires_in_hours: number;
}

export type NewsletterMailVariables = { readonly 'newsletter-confirm': NewsletterConfirmVariables };

const sample: NewsletterConfirmVariables = {
  newsletter_names: 'Markets and Tech',
  link: 'https://news.example/newsletters/confirm/sample-token',
  expires_in_hours: 48,
};

export const newsletterMail: MailCatalogue<NewsletterMailVariables> = {
  'newsletter-confirm': {
    description: 'A newsletter sign-up by address: the link that confirms it',
    copy: {
      subject: 'Confirm your newsletter sign-up with {{ publication_name }}',
      text: `Hello,

Someone, probably you, asked to receive {{ newsletter_names }} from {{ publication_name }} at this address. To confirm, open this link and press the button:

{{ link }}

The link works for {{ expires_in_hours }} hours. If it was not you, ignore this email: nothing will be sent.

{{ publication_name }}`,
      html: `<p>Hello,</p>
<p>Someone, probably you, asked to receive {{ newsletter_names }} from {{ publication_name }} at this address.</p>
<p><a href="{{ link }}">Confirm my sign-up</a></p>
<p>The link works for {{ expires_in_hours }} hours. If it was not you, ignore this email: nothing will be sent.</p>
<p>If the button does not work, paste this address into your browser:<br>{{ link }}</p>
<p>{{ publication_name }}</p>`,
    },
    samples: [sample, { ...sample, newsletter_names: 'Politics' }],
    forLog: (variables) => ({ ...variables, link: withheldLink }),
  },
};
