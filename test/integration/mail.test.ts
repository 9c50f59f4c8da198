import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MailDeliveryError, withheldLink } from '../../src/modules/mail/index.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';

const link = 'https://news.example/account/sign-in?token=s3cr3t-t0ken&via=mail';
const signIn = (to = 'asha@news.example', readerName = 'Asha') => ({
  to,
  template: 'sign-in-link' as const,
  variables: { reader_name: readerName, link, expires_in_minutes: 15 },
});

describe.each(dialects)('mail without SMTP, on $name', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(() => t.close());

  it('keeps the message in the outbox, link and all, newest first', async () => {
    const first = await t.services.mail.send(signIn());
    t.clock.set('2026-11-15T06:05:00.000Z');
    const second = await t.services.mail.send({
      to: 'ben@news.example',
      template: 'password-reset',
      variables: { reader_name: '', link, expires_in_minutes: 60 },
    });
    expect(first.delivery).toBe('outbox');
    expect(first.id).toMatch(/^msg_[0-9a-z]{26}$/);

    const listed = await t.services.mail.list();
    expect(listed.map((m) => m.id).slice(0, 2)).toEqual([second.id, first.id]);
    expect(await t.services.mail.get(first.id)).toMatchObject({
      to: 'asha@news.example',
      template: 'sign-in-link',
      subject: 'Your sign-in link for The Daily Ledger',
      createdAt: '2026-11-15T06:00:00.000Z',
      sentAt: null,
      error: null,
    });
    const reset = await t.services.mail.get(second.id);
    expect(reset?.subject).toBe('Reset your The Daily Ledger password');
    expect(reset?.text).toContain(link);
    expect(reset?.html).toContain(link.replace('&', '&amp;'));
  });

  it('uses the publication name the publisher set', async () => {
    await t.app.inject({
      method: 'PATCH',
      url: '/api/admin/v1/settings',
      headers: t.admin,
      payload: { publication: { name: 'The Evening Post' } },
    });
    const { id } = await t.services.mail.send({ ...signIn(), template: 'confirm-email' });
    expect((await t.services.mail.get(id))?.subject).toBe('Confirm your email address for The Evening Post');
  });

  it('refuses a recipient that is not an email address', async () => {
    await expect(
      t.services.mail.send(signIn('asha@news.example\r\nBcc: x@evil.example')),
    ).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });

  it('lists the outbox at /dev/outbox and shows one message with its HTML part sandboxed', async () => {
    const { id } = await t.services.mail.send(signIn('cat@news.example', '<script>alert(1)</script>'));
    const list = await t.app.inject('/dev/outbox');
    expect(list.statusCode).toBe(200);
    expect(list.headers['content-type']).toContain('text/html');
    expect(list.headers['cache-control']).toBe('no-store');
    expect(list.body).toContain(`href="/dev/outbox/${id}"`);
    expect(list.body.indexOf(id)).toBeLessThan(list.body.indexOf('asha@news.example'));

    const page = await t.app.inject(`/dev/outbox/${id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('cat@news.example');
    // The text part is shown as text; the HTML part only inside an empty sandbox, as srcdoc.
    expect(page.body).not.toContain('<script>alert(1)</script>');
    expect(page.body).toMatch(
      /<iframe[^>]* sandbox(="")? [^>]*srcdoc="[^"]*&lt;p>Hello &amp;lt;script&amp;gt;/,
    );
    expect(page.body).toContain('token=s3cr3t-t0ken');
  });

  it('answers 404 for a message that does not exist', async () => {
    expect((await t.app.inject('/dev/outbox/msg_nope')).statusCode).toBe(404);
  });

  it('answers only a browser on this machine: anyone else gets the 404 of a page that is not there', async () => {
    const { id } = await t.services.mail.send(signIn());
    for (const url of ['/dev/outbox', `/dev/outbox/${id}`, '/dev/outbox/msg_nope']) {
      for (const remoteAddress of ['203.0.113.7', '10.0.0.2', '::ffff:192.0.2.1', '2001:db8::1']) {
        const response = await t.app.inject({ url, remoteAddress });
        expect(response.statusCode, `${url} from ${remoteAddress}`).toBe(404);
        expect(response.body).not.toContain('s3cr3t');
      }
      for (const remoteAddress of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
        const response = await t.app.inject({ url, remoteAddress });
        expect(response.statusCode, `${url} from ${remoteAddress}`).toBe(url.endsWith('nope') ? 404 : 200);
      }
    }
  });

  it('refuses a request a proxy on this machine forwards for someone else', async () => {
    const forwarded = [
      { 'x-forwarded-for': '203.0.113.7' },
      { 'x-forwarded-for': '127.0.0.1, 203.0.113.7' },
      { 'x-real-ip': '198.51.100.4' },
      { forwarded: 'for=198.51.100.4;proto=https' },
      { forwarded: 'for="[2001:db8::1]"' },
      { forwarded: 'proto=https' },
    ];
    for (const headers of forwarded) {
      const response = await t.app.inject({ url: '/dev/outbox', remoteAddress: '127.0.0.1', headers });
      expect(response.statusCode, JSON.stringify(headers)).toBe(404);
    }
    // A developer's own proxy on this machine, forwarding for this machine, still gets it.
    const local = await t.app.inject({
      url: '/dev/outbox',
      remoteAddress: '127.0.0.1',
      headers: { 'x-forwarded-for': '127.0.0.1' },
    });
    expect(local.statusCode).toBe(200);
  });
});

describe.each(dialects)('the dev outbox in production, on $name', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp(dialect, {
      env: {
        NODE_ENV: 'production',
        PUBLIC_URL: 'https://news.example',
        // Production refuses the sandbox gateway; these keys are never used here.
        PAYMENT_GATEWAY: 'stripe',
        STRIPE_SECRET_KEY: 'sk_test_unused',
        STRIPE_WEBHOOK_SECRET: 'whsec_unused',
      },
    });
  });
  afterAll(() => t.close());

  it('is not there at all', async () => {
    const { id } = await t.services.mail.send(signIn());
    for (const url of ['/dev/outbox', `/dev/outbox/${id}`]) {
      const response = await t.app.inject(url);
      expect(response.statusCode, url).toBe(404);
      expect(response.body).not.toContain('s3cr3t');
    }
  });
});

describe.each(dialects)('mail over SMTP, on $name', (dialect) => {
  let smtp: TestSmtpServer;
  let t: TestApp;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await buildTestApp(dialect, { env: { SMTP_URL: `smtp://user:secret@127.0.0.1:${smtp.port}` } });
  });
  afterEach(() => smtp.refuseRecipients(false));
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('delivers the subject, the text and HTML parts and the link, from the publication', async () => {
    const sent = await t.services.mail.send(signIn());
    expect(sent.delivery).toBe('smtp');
    expect(smtp.received).toHaveLength(1);
    const [{ envelopeTo, mail }] = smtp.received as [(typeof smtp.received)[number]];
    expect(envelopeTo).toEqual(['asha@news.example']);
    expect(mail.subject).toBe('Your sign-in link for The Daily Ledger');
    expect(mail.from?.value).toEqual([{ name: 'The Daily Ledger', address: 'no-reply@localhost' }]);
    expect(mail.text).toContain('Hello Asha,');
    expect(mail.text).toContain(link);
    expect(mail.html).toContain(`<a href="${link.replace('&', '&amp;')}">Sign in</a>`);
  });

  it('logs what was sent, with sent_at set and the link withheld', async () => {
    const { id } = await t.services.mail.send(signIn());
    const logged = await t.services.mail.get(id);
    expect(logged).toMatchObject({ sentAt: '2026-11-15T06:00:00.000Z', error: null });
    expect(logged?.subject).toBe('Your sign-in link for The Daily Ledger');
    expect(logged?.text).toContain(withheldLink);
    expect(`${logged?.text}${logged?.html}`).not.toContain('s3cr3t');
  });

  it('logs a refused message with the error and tells the caller', async () => {
    smtp.refuseRecipients(true);
    const before = smtp.received.length;
    const failure = await t.services.mail.send(signIn()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MailDeliveryError);
    expect(smtp.received).toHaveLength(before);
    const logged = await t.services.mail.get((failure as MailDeliveryError).mailId);
    expect(logged?.sentAt).toBeNull();
    expect(logged?.error).toMatch(/Mailbox unavailable/);
  });
});
