import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { accountMail } from '../../src/modules/accounts/mail-copy.js';
import { checkPublisherTemplate, createMailCopy } from '../../src/modules/mail/index.js';
import { composeMail, parsedPartCount, renderMail, type MailKind } from '../../src/modules/mail/templates.js';
import type { SettingsStore } from '../../src/modules/settings/index.js';

/** A settings store in memory: documents by key, validated as the real one validates them. */
function memorySettings(): Pick<SettingsStore, 'read' | 'update'> & { reads: number } {
  const docs = new Map<string, Record<string, unknown>>();
  const store = {
    reads: 0,
    async read<S extends z.ZodType>(key: string, schema: S) {
      store.reads++;
      return schema.parse(docs.get(key) ?? {}) as z.output<S>;
    },
    async update<S extends z.ZodType>(
      key: string,
      schema: S,
      change: (stored: Record<string, unknown>) => z.input<S> | undefined,
    ) {
      const next = change(docs.get(key) ?? {});
      if (next === undefined) return undefined;
      const parsed = schema.parse(next) as z.output<S>;
      docs.set(key, parsed as Record<string, unknown>);
      return parsed;
    },
  };
  return store;
}

const reset = accountMail['password-reset'] as MailKind<object>;
const copyOf = () =>
  createMailCopy({
    settings: memorySettings(),
    templates: accountMail,
    groups: [{ label: 'Accounts', names: Object.keys(accountMail) }],
    publicationName: async () => 'The Evening Post',
  });
const custom = {
  subject: 'New password for {{ publication_name }}',
  text: 'Choose one: {{ link }}',
  html: '<p><a href="{{ link }}">Choose one</a></p>',
};

describe('publisher mail copy', () => {
  it('is chosen over the default once saved, and reset goes back to the default', async () => {
    const copy = copyOf();
    expect(await copy.override('password-reset')).toBeUndefined();
    expect((await copy.save('password-reset', custom)).before).toBeNull();
    expect(await copy.override('password-reset')).toEqual(custom);
    const detail = await copy.get('password-reset');
    expect(detail.customised).toBe(true);
    expect(detail.defaultTemplate).toEqual(reset.copy);
    expect((await copy.list()).find((t) => t.name === 'sign-in-link')?.customised).toBe(false);
    expect((await copy.reset('password-reset')).before).toEqual(custom);
    expect(await copy.override('password-reset')).toBeUndefined();
  });

  it('refuses a template that fails the check, or drops the link the mail carries', async () => {
    const copy = copyOf();
    await expect(copy.save('password-reset', { ...custom, subject: '{{ reader }}' })).rejects.toMatchObject({
      code: 'invalid_template',
      message: expect.stringMatching(/^subject: unknown variable reader/),
    });
    await expect(
      copy.save('password-reset', { ...custom, text: 'Ask us for a new one.' }),
    ).rejects.toMatchObject({
      code: 'invalid_template',
      message: 'text: must use {{ link }}, the link this mail carries',
    });
    expect(checkPublisherTemplate({ ...custom, html: '<p>No link</p>' }, reset)).toBe(
      'html: must use {{ link }}, the link this mail carries',
    );
    await expect(copy.save('no-such-mail', custom)).rejects.toMatchObject({ code: 'not_found' });
    expect(await copy.override('password-reset')).toBeUndefined();
  });

  it('previews a draft with every sample and the publication name, without saving it', async () => {
    const copy = copyOf();
    const samples = await copy.preview('password-reset', custom);
    expect(samples).toHaveLength(reset.samples.length);
    expect(samples[0]!.subject).toBe('New password for The Evening Post');
    expect(await copy.override('password-reset')).toBeUndefined();
  });

  it('withholds the one-time link from the log with the publisher copy too', () => {
    const variables = {
      reader_name: 'Asha',
      link: 'https://news.example/reset?token=s3cret',
      expires_in_minutes: 60,
    };
    const { sent, logged } = composeMail(reset, variables, 'The Daily Ledger', custom);
    expect(sent.text).toContain('token=s3cret');
    expect(logged.text).not.toContain('s3cret');
    expect(logged.html).not.toContain('s3cret');
  });

  it('keeps the parsed-template memo bounded however many sources are rendered', () => {
    for (let i = 0; i < 1000; i++)
      renderMail({ subject: `Draft ${i} {{ a }}`, text: `Text ${i}`, html: `<p>${i}</p>` }, { a: 'x' });
    expect(parsedPartCount()).toBeLessThanOrEqual(256);
    // A source still renders after it was forgotten.
    expect(
      renderMail({ subject: 'Draft 0 {{ a }}', text: 'Text 0', html: '<p>0</p>' }, { a: 'y' }).subject,
    ).toBe('Draft 0 y');
  });
});

describe('the default copy as publisher copy', () => {
  it('passes the publisher check for every template the app sends, so it can be saved as it is', async () => {
    const { billingMail } = await import('../../src/modules/subscriptions/notices/mail-copy.js');
    const { newsletterMail } = await import('../../src/modules/newsletters/mail-copy.js');
    const { partnerMail } = await import('../../src/modules/partners/mail-copy.js');
    const { staffMail } = await import('../../src/modules/staff/mail-copy.js');
    for (const catalogue of [accountMail, billingMail, newsletterMail, partnerMail, staffMail])
      for (const [name, kind] of Object.entries(catalogue as Record<string, MailKind<object>>))
        expect([name, checkPublisherTemplate(kind.copy, kind)]).toEqual([name, undefined]);
  });
});
