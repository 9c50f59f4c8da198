import { withheldLink, type MailCatalogue, type MailTemplate } from '../mail/index.js';

// The mail this module sends, and its default copy. The mail module renders and delivers it.

export interface StaffMailVariables {
  /** An invitation to join the publication's staff. */
  readonly 'staff-invitation': {
    /** Who invited them: a colleague's name or an API key's. */
    readonly invited_by: string;
    readonly role: string;
    /** The one-time link. A secret: the log of sent mail never keeps it. */
    readonly link: string;
    readonly expires_in_days: number;
  };
}

const copy: MailTemplate = {
  subject: 'You are invited to the {{ publication_name }} admin',
  text: `Hello,

{{ invited_by }} invited you to work in the {{ publication_name }} admin, as {{ role }}. To accept, choose your name and password here:

{{ link }}

The link works once, for {{ expires_in_days }} days. If you did not expect this, you can ignore this email.

{{ publication_name }}`,
  html: `<p>Hello,</p>
<p>{{ invited_by }} invited you to work in the {{ publication_name }} admin, as <strong>{{ role }}</strong>.</p>
<p><a href="{{ link }}">Accept the invitation</a></p>
<p>The link works once, for {{ expires_in_days }} days. If you did not expect this, you can ignore this email.</p>
<p>If the button does not work, paste this address into your browser:<br>{{ link }}</p>
<p>{{ publication_name }}</p>`,
};

const sample: StaffMailVariables['staff-invitation'] = {
  invited_by: 'Meera Rao',
  role: 'editor',
  link: 'https://news.example/admin/invitations/sample',
  expires_in_days: 7,
};

export const staffMail: MailCatalogue<StaffMailVariables> = {
  'staff-invitation': {
    description: 'An invitation to join the staff, with its one-time link',
    copy,
    samples: [sample],
    forLog: (variables) => ({ ...variables, link: withheldLink }),
  },
};
