import { describe, expect, it } from 'vitest';
import { accountMail, accountTemplateNames } from '../../src/modules/accounts/index.js';
import {
  checkMailTemplate,
  joinMailCatalogues,
  keepInLog,
  renderMail,
  type MailTemplate,
} from '../../src/modules/mail/index.js';
import { partnerMail } from '../../src/modules/partners/index.js';
import { billingMail, billingTemplateNames } from '../../src/modules/subscriptions/index.js';

const valid: MailTemplate = {
  subject: 'Sign in to {{ publication_name }}',
  text: 'Open {{ link }}',
  html: '<p><a href="{{ link }}">Sign in</a></p>',
};

const context = {
  reader_name: 'Asha',
  link: 'https://news.example/account/sign-in?token=abc123&via=mail',
  expires_in_minutes: 15,
  publication_name: 'The Daily Ledger',
};

function problem(template: Partial<MailTemplate>): string {
  const check = checkMailTemplate({ ...valid, ...template }, accountMail['sign-in-link']);
  return check.ok ? 'accepted' : check.problem;
}

describe('mail templates', () => {
  it('accepts the default templates of every module', () => {
    for (const name of accountTemplateNames) {
      expect(checkMailTemplate(accountMail[name].copy, accountMail[name]), name).toEqual({ ok: true });
    }
    for (const name of billingTemplateNames) {
      expect(checkMailTemplate(billingMail[name].copy, billingMail[name]), name).toEqual({ ok: true });
    }
    const low = partnerMail['partner-codes-low'];
    expect(checkMailTemplate(low.copy, low)).toEqual({ ok: true });
  });

  it('joins the modules’ catalogues, and refuses a template name two modules define', () => {
    const joined = joinMailCatalogues(accountMail, billingMail);
    expect(Object.keys(joined).sort()).toEqual([...accountTemplateNames, ...billingTemplateNames].sort());
    const receipt = { receipt: { copy: valid, samples: [{ link: 'x' }], forLog: keepInLog } } as const;
    expect(() => joinMailCatalogues(billingMail, receipt)).toThrow('Mail templates defined twice: receipt');
  });

  it('refuses an unknown variable and names it and the part', () => {
    expect(problem({ text: 'Hello {{ reader_nam }}, open {{ link }}' })).toMatch(
      /^text: unknown variable reader_nam \(known: reader_name, link, expires_in_minutes, publication_name\)/,
    );
    expect(problem({ subject: '{{ token }}' })).toMatch(/^subject: unknown variable token/);
  });

  it('refuses an unknown filter and names it', () => {
    expect(problem({ html: '<p>{{ reader_name | shout }}</p>' })).toMatch(/^html: unknown filter: shout/);
  });

  it('refuses a syntax error', () => {
    expect(problem({ text: '{% if reader_name != "" %}Hello' })).toMatch(/^text: .*not closed/);
  });

  it('refuses includes: templates cannot reach the file system', () => {
    expect(problem({ html: '{% include "secrets" %}' })).toMatch(/^html: /);
  });

  it('refuses an error hidden in a branch that one sample would not take', () => {
    expect(problem({ text: '{% if reader_name == "" %}{{ link.size.x }}{% endif %}{{ link }}' })).toMatch(
      /^text: /,
    );
  });

  it('refuses a subject that renders empty', () => {
    expect(problem({ subject: '{% if reader_name == "x" %}Hi{% endif %}' })).toBe('subject: renders empty');
  });

  it('renders the sign-in mail with the link, the name and how long the link works', () => {
    const mail = renderMail(accountMail['sign-in-link'].copy, context);
    expect(mail.subject).toBe('Your sign-in link for The Daily Ledger');
    expect(mail.text).toContain('Hello Asha,');
    expect(mail.text).toContain(`\n${context.link}\n`);
    expect(mail.text).toContain('for 15 minutes');
    expect(mail.html).toContain('<a href="https://news.example/account/sign-in?token=abc123&amp;via=mail">');
    expect(mail.text + mail.html).not.toContain('{{');
  });

  it('greets a reader without a name plainly, and counts a day-long link in hours', () => {
    const mail = renderMail(accountMail['confirm-email'].copy, {
      ...context,
      reader_name: '',
      expires_in_minutes: 1440,
    });
    expect(mail.text.startsWith('Hello,\n')).toBe(true);
    expect(mail.text).toContain('for 24 hours');
    expect(mail.html).toContain('for 24 hours');
  });

  it('escapes variables in the HTML part, even through raw, and keeps the subject on one line', () => {
    const name = '<img src=x onerror=alert(1)> "Ana"\r\nBcc: x@evil.example';
    const mail = renderMail(
      {
        subject: 'Hi {{ reader_name }}',
        text: 'Hi {{ reader_name }}',
        html: '<p>{{ reader_name }}</p><p>{{ reader_name | raw }}</p>',
      },
      { ...context, reader_name: name },
    );
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('&lt;img src=x onerror=alert(1)&gt; &#34;Ana&#34;');
    expect(mail.html.match(/&lt;img/g)).toHaveLength(2);
    expect(mail.subject).toBe('Hi <img src=x onerror=alert(1)> "Ana" Bcc: x@evil.example');
    expect(mail.text).toContain(name);
  });
});
