import { keepInLog, type MailCatalogue, type MailTemplate } from '../mail/index.js';

// The mail this module sends to the publication's staff, and its default copy. The mail module
// renders and delivers it; the words are this module's.

export interface PartnerMailVariables {
  /** The unclaimed codes of an offer fell to its threshold: upload more before they run out. */
  readonly 'partner-codes-low': {
    readonly offer_name: string;
    readonly partner: string;
    readonly remaining: number;
    readonly threshold: number;
    /** The admin API address of the offer, where its counts are and codes are uploaded. */
    readonly offer_link: string;
  };
}

const copy: MailTemplate = {
  subject:
    '{% if remaining == 0 %}No codes left{% else %}{{ remaining }} codes left{% endif %} for the partner offer {{ offer_name }}',
  text: `Hello,

The partner offer {{ offer_name }} ({{ partner }}) has {% if remaining == 0 %}no unclaimed codes left: subscribers who try to claim one are told none are left.{% else %}{{ remaining }} unclaimed codes left, at or under its warning level of {{ threshold }}.{% endif %}

Ask {{ partner }} for more codes and upload them (CSV, one code per line) to:
{{ offer_link }}/codes

We will warn you again the next time the codes fall to {{ threshold }} after an upload.

{{ publication_name }}`,
  html: `<p>Hello,</p>
<p>The partner offer <strong>{{ offer_name }}</strong> ({{ partner }}) has {% if remaining == 0 %}<strong>no unclaimed codes left</strong>: subscribers who try to claim one are told none are left.{% else %}<strong>{{ remaining }}</strong> unclaimed codes left, at or under its warning level of {{ threshold }}.{% endif %}</p>
<p>Ask {{ partner }} for more codes and upload them (CSV, one code per line) to <code>{{ offer_link }}/codes</code>.</p>
<p>We will warn you again the next time the codes fall to {{ threshold }} after an upload.</p>
<p>{{ publication_name }}</p>`,
};

const sample: PartnerMailVariables['partner-codes-low'] = {
  offer_name: 'A year of The Crossword Club',
  partner: 'The Crossword Club',
  remaining: 9,
  threshold: 10,
  offer_link: 'https://news.example/api/admin/v1/partner-offers/pof_sample',
};

/** The partner mail, as the mailer takes it. It carries no secret: the log keeps it as sent. */
export const partnerMail: MailCatalogue<PartnerMailVariables> = {
  'partner-codes-low': {
    description: 'Staff: a partner offer is running out of codes',
    copy,
    samples: [sample, { ...sample, remaining: 0 }],
    forLog: keepInLog,
  },
};
