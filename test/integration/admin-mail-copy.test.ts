import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailCopySettingsKey, withheldLink } from '../../src/modules/mail/index.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';
import { signedInStaff, type StaffBrowser } from '../support/staff-browser.js';
import { z } from 'zod';

const link = 'https://news.example/account/reset?token=s3cr3t-t0ken';
const reset = (to: string) => ({
  to,
  template: 'password-reset' as const,
  variables: { reader_name: 'Asha', link, expires_in_minutes: 60 },
});
const custom = {
  subject: 'A new password for {{ publication_name }}, {{ reader_name }}',
  text: 'Choose your new password here: {{ link }}',
  html: '<p><a href="{{ link }}">Choose your new password</a></p>',
};

describe.each(dialects)('publisher mail copy over HTTP, on $name', (dialect) => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let marketer: { authorization: string };
  let editor: { authorization: string };
  let marketerBrowser: StaffBrowser;
  const warnings: Record<string, unknown>[] = [];

  beforeAll(async () => {
    smtp = await startSmtpServer();
    const logger = pino(
      { level: 'warn' },
      { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) },
    );
    t = await buildTestApp(dialect, { env: { SMTP_URL: smtp.url }, logger });
    const key = async (role: 'marketer' | 'editor') => ({
      authorization: `Bearer ${(await t.services.apiKeys.create(`as ${role}`, 'admin', role)).key}`,
    });
    marketer = await key('marketer');
    editor = await key('editor');
    marketerBrowser = await signedInStaff(t, 'marketer');
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  const api = (
    method: 'GET' | 'PUT' | 'DELETE' | 'POST',
    url: string,
    payload?: object,
    headers = marketer,
  ) =>
    t.app.inject({ method, url: `/api/admin/v1/mail-templates${url}`, headers, ...(payload && { payload }) });

  it('lists every template with its module, variables and whether it is customised', async () => {
    const listed = await api('GET', '');
    expect(listed.statusCode).toBe(200);
    const templates = listed.json().templates as { name: string; group: string; variables: string[] }[];
    expect(templates.find((x) => x.name === 'password-reset')).toMatchObject({
      group: 'Accounts',
      description: 'The one-time link to choose a new password',
      customised: false,
      variables: ['reader_name', 'link', 'expires_in_minutes', 'publication_name'],
    });
    for (const name of ['receipt', 'newsletter-confirm', 'staff-invitation', 'partner-codes-low'])
      expect(templates.map((x) => x.name)).toContain(name);
    expect((await api('GET', '/no-such-mail')).statusCode).toBe(404);
  });

  it('sends the saved copy, withholds the link from the log, and goes back to the default on DELETE', async () => {
    const saved = await api('PUT', '/password-reset', custom);
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().template).toMatchObject({ customised: true, template: custom });
    const [entry] = await t.services.audit.list({ action: 'mail-template.' });
    expect(entry).toMatchObject({ action: 'mail-template.update', target: 'password-reset' });

    const { id } = await t.services.mail.send(reset('asha@news.example'));
    const [received] = smtp.mailTo('asha@news.example');
    expect(received?.subject).toBe('A new password for The Daily Ledger, Asha');
    expect(received?.text).toContain(`Choose your new password here: ${link}`);
    const logged = await t.services.mail.get(id);
    expect(logged?.subject).toBe('A new password for The Daily Ledger, Asha');
    expect(logged?.text).toContain(withheldLink);
    expect(`${logged?.text}${logged?.html}`).not.toContain('s3cr3t');

    const removed = await api('DELETE', '/password-reset');
    expect(removed.statusCode).toBe(200);
    expect(removed.json().template.customised).toBe(false);
    await t.services.mail.send(reset('ben@news.example'));
    expect(smtp.mailTo('ben@news.example')[0]?.subject).toBe('Reset your The Daily Ledger password');
  });

  it('refuses an invalid template with 422 naming the part and the problem, and keeps the copy', async () => {
    const unknown = await api('PUT', '/password-reset', {
      ...custom,
      html: '<p>{{ reader }} {{ link }}</p>',
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error).toMatchObject({ code: 'invalid_template' });
    expect(unknown.json().error.message).toMatch(/^html: unknown variable reader/);
    const noLink = await api('PUT', '/password-reset', { ...custom, text: 'Ask us.' });
    expect(noLink.statusCode).toBe(422);
    expect(noLink.json().error.message).toBe('text: must use {{ link }}, the link this mail carries');
    expect((await api('PUT', '/password-reset', { subject: 'x' })).statusCode).toBe(422);
    expect((await api('GET', '/password-reset')).json().template.customised).toBe(false);
  });

  it('previews a draft with each sample without saving it or writing an audit entry', async () => {
    const before = (await t.services.audit.list()).length;
    const shown = await api('POST', '/password-reset/preview', custom);
    expect(shown.statusCode).toBe(200);
    expect(shown.json().samples[0]).toMatchObject({ subject: expect.stringMatching(/^A new password for /) });
    const bad = await api('POST', '/password-reset/preview', { ...custom, subject: '{% if %}' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.message).toMatch(/^subject: /);
    expect((await t.services.audit.list()).length).toBe(before);
    expect((await api('GET', '/password-reset')).json().template.customised).toBe(false);
  });

  it('documents the calls in the OpenAPI document', async () => {
    const { paths } = (await t.app.inject({ url: '/api/docs/json' })).json();
    expect(Object.keys(paths['/api/admin/v1/mail-templates/{name}'])).toEqual(['get', 'put', 'delete']);
    expect(paths['/api/admin/v1/mail-templates/{name}/preview'].post.tags).toEqual(['admin']);
    expect(paths['/api/admin/v1/mail-templates'].get).toBeDefined();
  });

  it('lets marketers and owners in, and nobody else', async () => {
    expect((await api('GET', '', undefined, t.admin)).statusCode).toBe(200);
    expect((await api('GET', '', undefined, editor)).statusCode).toBe(403);
    expect((await api('PUT', '/receipt', custom, editor)).statusCode).toBe(403);
    const support = await signedInStaff(t, 'support');
    expect((await support.get('/admin/mail')).statusCode).toBe(403);
  });

  it('falls back to the default copy, and says so, when a stored copy fails to render', async () => {
    // Stored past the check, as another version of Masthead might have left it.
    await t.services.settings.write(mailCopySettingsKey, z.record(z.string(), z.unknown()), {
      'password-reset': { ...custom, subject: '{{ reader_name | no_such_filter }}' },
    });
    await t.services.mail.send(reset('chen@news.example'));
    expect(smtp.mailTo('chen@news.example')[0]?.subject).toBe('Reset your The Daily Ledger password');
    expect(warnings.map((w) => w.msg)).toContainEqual(
      expect.stringMatching(/^mail template "password-reset": the publisher's copy failed to render/),
    );
    await api('DELETE', '/password-reset');
  });

  it('serves the pages: the list, the edit form with a sandboxed preview, save, refusal and reset', async () => {
    const list = await marketerBrowser.get('/admin/mail');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('href="/admin/mail/password-reset"');
    expect(list.body).toContain('<h2>Billing</h2>');

    const page = await marketerBrowser.get('/admin/mail/password-reset');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('name="subject"');
    expect(page.body).toMatch(/<iframe[^>]*\ssandbox[\s>][^>]*srcdoc="/);
    expect(page.body).toContain('data-sample="1"');
    expect(page.body).toContain('{{ expires_in_minutes }}');

    const refused = await marketerBrowser.post('/admin/mail/password-reset', {
      ...custom,
      text: 'No link <here>',
      intent: 'save',
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('Not saved: text: must use {{ link }}');
    expect(refused.body).toContain('No link &lt;here>');

    const scripted = '<p><script>alert(1)</script><a href="{{ link }}">x</a></p>';
    const preview = await marketerBrowser.post('/admin/mail/password-reset', {
      ...custom,
      html: scripted,
      intent: 'preview',
    });
    expect(preview.statusCode).toBe(200);
    // The HTML part is only ever an attribute of a sandboxed frame, never markup of the page.
    expect(preview.body).not.toContain('<script>alert(1)</script>');
    expect(preview.body).toContain('srcdoc="&lt;p>&lt;script>alert(1)&lt;/script>');

    // The live preview's fragment: the same rendering, without the page around it, and no audit entry.
    const entries = (await t.services.audit.list()).length;
    expect(page.body).toContain('data-preview="/admin/mail/password-reset/preview"');
    expect((await t.app.inject({ url: '/assets/admin-live-preview.js' })).statusCode).toBe(200);
    const live = await marketerBrowser.post('/admin/mail/password-reset/preview', {
      ...custom,
      html: scripted,
    });
    expect(live.statusCode).toBe(200);
    expect(live.body).toMatch(/^<div id="mail-preview"/);
    expect(live.body).toContain('srcdoc="&lt;p>&lt;script>alert(1)&lt;/script>');
    const liveRefused = await marketerBrowser.post('/admin/mail/password-reset/preview', {
      ...custom,
      subject: '{{ reader }}',
    });
    expect(liveRefused.statusCode).toBe(422);
    expect(liveRefused.body).toContain('Cannot preview this copy: subject: unknown variable reader');
    expect((await t.services.audit.list()).length).toBe(entries);

    const saved = await marketerBrowser.post('/admin/mail/password-reset', { ...custom, intent: 'save' });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe('/admin/mail/password-reset?saved=1');
    expect((await marketerBrowser.get('/admin/mail/password-reset?saved=1')).body).toContain('Saved.');
    expect((await api('GET', '/password-reset')).json().template.customised).toBe(true);

    const resetPage = await marketerBrowser.post('/admin/mail/password-reset', { intent: 'reset' });
    expect(resetPage.statusCode).toBe(303);
    expect((await api('GET', '/password-reset')).json().template.customised).toBe(false);
  });
});
