import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedMail } from 'mailparser';
import { unsubscribeToken, createNewsletterService } from '../../src/modules/newsletters/index.js';
import type { JobContext } from '../../src/modules/queue/index.js';
import { aSignedInReader, aSubscriber } from '../support/billing.js';
import { aBrowser } from '../support/browser.js';
import { anArticle, buildTestApp, testSecret, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';

const context: JobContext = { jobId: 'job_test', attempt: 1, progress: async () => undefined };

async function define(t: TestApp, slug: string, access: 'free' | 'subscribers' = 'free') {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/admin/v1/newsletters',
    headers: t.admin,
    payload: { slug, name: `The ${slug} brief`, description: `Every morning: ${slug}.`, access },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().newsletter as { id: string; slug: string; name: string };
}

async function compose(t: TestApp, newsletterId: string) {
  const article = await t.services.content.create(anArticle({ headline: `Rates hold ${Math.random()}` }));
  const response = await t.app.inject({
    method: 'POST',
    url: `/api/admin/v1/newsletters/${newsletterId}/issues`,
    headers: t.admin,
    payload: { subject: 'This morning', intro: 'Three things.\n\nAnd a fourth.', articleIds: [article.id] },
  });
  expect(response.statusCode, response.body).toBe(201);
  return { issue: response.json().issue as { id: string }, article };
}

/** Adds `count` confirmed subscribers by address, straight through the service's sign-up. */
async function addressSubscribers(t: TestApp, newsletterId: string, prefix: string, count: number) {
  const emails = Array.from({ length: count }, (_, i) => `${prefix}${i}@readers.example`);
  const db = t.database.db;
  const now = t.clock.now().toISOString();
  for (const [i, email] of emails.entries()) {
    await db
      .insertInto('newsletter_subscriptions')
      .values({
        id: `nls_${String(i).padStart(6, '0')}${prefix.padEnd(20, 'x').slice(0, 20)}`,
        newsletter_id: newsletterId,
        email,
        account_id: null,
        status: 'active',
        confirm_token_hash: null,
        confirm_expires_at: null,
        created_at: now,
        confirmed_at: now,
        unsubscribed_at: null,
        updated_at: now,
      })
      .execute();
  }
  return emails;
}

async function sendNow(t: TestApp, issueId: string) {
  const sent = await t.app.inject({
    method: 'POST',
    url: `/api/admin/v1/newsletter-issues/${issueId}/send`,
    headers: t.admin,
  });
  expect(sent.statusCode, sent.body).toBe(202);
  return t.services.worker.runDue({ kinds: ['newsletter:send'] });
}

const progress = async (t: TestApp, issueId: string) =>
  (
    await t.app.inject({ method: 'GET', url: `/api/admin/v1/newsletter-issues/${issueId}`, headers: t.admin })
  ).json() as { status: string; sent: number; failed: number; remaining: number };

const header = (mail: ParsedMail, name: string) =>
  mail.headerLines
    .find((line) => line.key === name)
    ?.line.replace(/^[^:]+:\s*/, '')
    .replace(/\r?\n\s+/g, ' ');

describe.each(dialects)('newsletters on $name', (dialect) => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  /** The newsletter issues received at `email` (not its account or billing mail). */
  const issuesTo = (email: string) =>
    smtp.mailTo(email).filter((mail) => header(mail, 'list-unsubscribe-post') !== undefined);

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await buildTestApp(dialect, { env: { SMTP_URL: smtp.url } });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('validates every field of a newsletter and of an issue, naming unknown articles', async () => {
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/admin/v1/newsletters',
      headers: t.admin,
      payload: { slug: 'Not A Slug', name: '', access: 'vip' },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.message).toMatch(/slug/);
    expect(bad.json().error.message).toMatch(/access/);

    const newsletter = await define(t, 'validation');
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/admin/v1/newsletters',
      headers: t.admin,
      payload: { slug: 'validation', name: 'Twice', access: 'free' },
    });
    expect(again.statusCode).toBe(409);

    const url = `/api/admin/v1/newsletters/${newsletter.id}/issues`;
    const empty = await t.app.inject({ method: 'POST', url, headers: t.admin, payload: {} });
    expect(empty.statusCode).toBe(422);
    expect(empty.json().error.message).toMatch(/subject/);
    expect(empty.json().error.message).toMatch(/intro/);
    expect(empty.json().error.message).toMatch(/articleIds/);

    const real = await t.services.content.create(anArticle());
    const missing = ['art_01aaaaaaaaaaaaaaaaaaaaaaaa', 'art_01bbbbbbbbbbbbbbbbbbbbbbbb'];
    const unknown = await t.app.inject({
      method: 'POST',
      url,
      headers: t.admin,
      payload: { subject: 'Hi', intro: 'Hello', articleIds: [real.id, ...missing] },
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.code).toBe('validation_failed');
    for (const id of missing) expect(unknown.json().error.message).toContain(id);
    expect(unknown.json().error.message).not.toContain(real.id);

    const noSuch = await t.app.inject({
      method: 'POST',
      url: '/api/admin/v1/newsletters/nlt_01aaaaaaaaaaaaaaaaaaaaaaaa/issues',
      headers: t.admin,
      payload: { subject: 'Hi', intro: 'Hello', articleIds: [real.id] },
    });
    expect(noSuch.statusCode).toBe(404);

    const unauthorised = await t.app.inject({ method: 'POST', url, payload: {} });
    expect(unauthorised.statusCode).toBe(401);
  });

  it('previews an issue as HTML and sends a test copy carrying the unsubscribe headers', async () => {
    const newsletter = await define(t, 'preview');
    const { issue, article } = await compose(t, newsletter.id);
    const preview = await t.app.inject({
      method: 'GET',
      url: `/api/admin/v1/newsletter-issues/${issue.id}/preview`,
      headers: t.admin,
    });
    expect(preview.statusCode).toBe(200);
    expect(preview.headers['content-type']).toMatch(/text\/html/);
    expect(preview.body).toContain(article.headline);
    expect(preview.body).toContain(`/article/${article.slug}`);
    expect(preview.body).toContain('And a fourth.');

    const test = await t.app.inject({
      method: 'POST',
      url: `/api/admin/v1/newsletter-issues/${issue.id}/test`,
      headers: t.admin,
      payload: { to: 'editor@news.example' },
    });
    expect(test.statusCode).toBe(204);
    const [copy] = smtp.mailTo('editor@news.example');
    expect(copy?.subject).toBe('[Test] This morning');
    expect(header(copy!, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect((await progress(t, issue.id)).status).toBe('draft');
  });

  it('subscribes and unsubscribes the signed-in reader through the API', async () => {
    const newsletter = await define(t, 'api-choices');
    const reader = await aSignedInReader(t);
    const listed = async () =>
      (
        (await reader.browser.get('/api/v1/newsletters')).json().newsletters as {
          id: string;
          subscribed: boolean;
        }[]
      ).find((n) => n.id === newsletter.id);
    expect(await listed()).toMatchObject({ slug: 'api-choices', access: 'free', subscribed: false });

    const subscribed = await reader.browser.send('POST', `/api/v1/newsletters/${newsletter.id}/subscribe`);
    expect(subscribed.statusCode).toBe(204);
    expect((await listed())?.subscribed).toBe(true);
    // Twice is still once.
    expect(
      (await reader.browser.send('POST', `/api/v1/newsletters/${newsletter.id}/subscribe`)).statusCode,
    ).toBe(204);

    const left = await reader.browser.send('POST', `/api/v1/newsletters/${newsletter.id}/unsubscribe`);
    expect(left.statusCode).toBe(204);
    expect((await listed())?.subscribed).toBe(false);

    const anonymous = await aBrowser(t.app).send('POST', `/api/v1/newsletters/${newsletter.id}/subscribe`);
    expect(anonymous.statusCode).toBe(401);
    const badId = await reader.browser.send('POST', '/api/v1/newsletters/nope/subscribe');
    expect(badId.statusCode).toBe(422);
    const unknown = await reader.browser.send(
      'POST',
      '/api/v1/newsletters/nlt_01aaaaaaaaaaaaaaaaaaaaaaaa/subscribe',
    );
    expect(unknown.statusCode).toBe(404);
  });

  it('keeps subscriber-only newsletters for subscribers, at subscribing and at sending', async () => {
    const newsletter = await define(t, 'markets-pro', 'subscribers');
    const reader = await aSignedInReader(t);
    const refused = await reader.browser.send('POST', `/api/v1/newsletters/${newsletter.id}/subscribe`);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('subscription_required');

    // One for three months, one for two years; both may subscribe now.
    const short = await aSubscriber(t, { plan: 'smart-quarterly' });
    const long = await aSubscriber(t, { plan: 'super-saver' });
    for (const s of [short, long]) {
      expect(
        (await s.browser.send('POST', `/api/v1/newsletters/${newsletter.id}/subscribe`)).statusCode,
      ).toBe(204);
    }
    const { issue } = await compose(t, newsletter.id);
    const before = t.clock.now();
    // Six months on the quarterly subscription has lapsed (its renewals were never run).
    t.clock.set(new Date(before.getTime() + 183 * 86_400_000).toISOString());
    try {
      await sendNow(t, issue.id);
    } finally {
      t.clock.set(before.toISOString());
    }
    expect(await progress(t, issue.id)).toMatchObject({ status: 'sent', sent: 1, failed: 0, remaining: 0 });
    expect(issuesTo(long.email)).toHaveLength(1);
    expect(issuesTo(short.email)).toHaveLength(0);
  });

  it('unsubscribes with the one-click POST of a received mail, with no cookie and from another site', async () => {
    const newsletter = await define(t, 'one-click');
    const reader = await aSignedInReader(t);
    await reader.browser.send('POST', `/api/v1/newsletters/${newsletter.id}/subscribe`);
    const { issue } = await compose(t, newsletter.id);
    await sendNow(t, issue.id);
    expect(await progress(t, issue.id)).toMatchObject({ status: 'sent', sent: 1, remaining: 0 });

    const [mail] = issuesTo(reader.email);
    expect(mail).toBeDefined();
    expect(header(mail!, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    const listUnsubscribe = header(mail!, 'list-unsubscribe')!;
    const urls = [...listUnsubscribe.matchAll(/<([^>]+)>/g)].map((m) => m[1]!);
    const https = urls.find((u) => u.startsWith(t.config.publicUrl));
    expect(https).toBeDefined();
    expect(urls.some((u) => u.startsWith('mailto:'))).toBe(true);
    expect(mail!.messageId).toMatch(new RegExp(`^<${issue.id}\\.nls_[0-9a-z]{26}@`));
    expect(mail!.html).toContain(new URL(https!).pathname);

    const path = new URL(https!).pathname;
    // A link scanner's GET changes nothing.
    const page = await t.app.inject({ method: 'GET', url: path });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('The one-click brief');
    expect(page.body).toContain('<form method="post"');
    const isSubscribed = async () =>
      (
        (await reader.browser.get('/api/v1/newsletters')).json().newsletters as {
          id: string;
          subscribed: boolean;
        }[]
      ).find((n) => n.id === newsletter.id)?.subscribed;
    expect(await isSubscribed()).toBe(true);

    const oneClick = await t.app.inject({
      method: 'POST',
      url: path,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://mail.provider.example',
      },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.statusCode).toBe(200);
    expect(await isSubscribed()).toBe(false);
    // Again: still fine, still unsubscribed.
    const twice = await t.app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      payload: '--x\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--x--\r\n',
    });
    expect(twice.statusCode).toBe(200);

    // The exemption is that route's alone: a cross-site POST elsewhere is still refused.
    const elsewhere = await t.app.inject({
      method: 'POST',
      url: `/newsletters/${newsletter.id}/subscribe`,
      headers: { origin: 'https://mail.provider.example', cookie: 'mh_session=x' },
    });
    expect(elsewhere.statusCode).toBe(403);
  });

  it('refuses forged and expired unsubscribe tokens with a clear 4xx page, changing nothing', async () => {
    const newsletter = await define(t, 'tokens');
    const [email] = await addressSubscribers(t, newsletter.id, 'tok', 1);
    const row = await t.database.db
      .selectFrom('newsletter_subscriptions')
      .selectAll()
      .where('email', '=', email!)
      .executeTakeFirstOrThrow();
    const now = t.clock.now();
    const valid = unsubscribeToken(testSecret, row.id, new Date(now.getTime() + 86_400_000));
    const forged = [
      unsubscribeToken(
        'another-secret-that-is-long-enough-0000000',
        row.id,
        new Date(now.getTime() + 86_400_000),
      ),
      valid.replace(/\.(\d+)\./, (_, s: string) => `.${Number(s) + 1000}.`),
      'nonsense',
    ];
    for (const token of forged) {
      for (const method of ['GET', 'POST'] as const) {
        const response = await t.app.inject({ method, url: `/newsletters/unsubscribe/${token}` });
        expect(response.statusCode).toBe(400);
        expect(response.headers['content-type']).toMatch(/text\/html/);
        expect(response.body).toContain('not valid');
      }
    }
    const expired = unsubscribeToken(testSecret, row.id, new Date(now.getTime() - 1000));
    const late = await t.app.inject({ method: 'POST', url: `/newsletters/unsubscribe/${expired}` });
    expect(late.statusCode).toBe(410);
    expect(late.body).toContain('expired');
    const after = await t.database.db
      .selectFrom('newsletter_subscriptions')
      .select('status')
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    expect(after.status).toBe('active');

    const ok = await t.app.inject({ method: 'POST', url: `/newsletters/unsubscribe/${valid}` });
    expect(ok.statusCode).toBe(200);
  });

  it('signs up an address only once its confirmation link is used (double opt-in)', async () => {
    const newsletter = await define(t, 'opt-in');
    const paid = await define(t, 'opt-in-paid', 'subscribers');
    const visitor = aBrowser(t.app);
    const page = await visitor.get('/newsletters');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('The opt-in brief');

    const badAddress = await visitor.post('/newsletters/sign-up', {
      email: 'nope',
      newsletter: newsletter.id,
    });
    expect(badAddress.statusCode).toBe(422);
    const forSubscribers = await visitor.post('/newsletters/sign-up', {
      email: 'v@readers.example',
      newsletter: paid.id,
    });
    expect(forSubscribers.statusCode).toBe(422);
    expect(forSubscribers.body).toContain('Sign in');

    const signedUp = await visitor.post('/newsletters/sign-up', {
      email: 'Visitor@Readers.example',
      newsletter: newsletter.id,
    });
    expect(signedUp.statusCode).toBe(303);
    expect(signedUp.headers.location).toBe('/newsletters?notice=check_inbox');
    const [confirmation] = smtp.mailTo('visitor@readers.example');
    expect(confirmation?.subject).toContain('Confirm your newsletter sign-up');
    const link = /https?:\/\/\S+\/newsletters\/confirm\/[A-Za-z0-9_-]+/.exec(confirmation!.text ?? '')?.[0];
    expect(link).toBeDefined();

    // Nothing goes to the address before it is confirmed.
    const first = await compose(t, newsletter.id);
    await sendNow(t, first.issue.id);
    expect(await progress(t, first.issue.id)).toMatchObject({ sent: 0, remaining: 0, status: 'sent' });

    const path = new URL(link!).pathname;
    const shown = await t.app.inject({ method: 'GET', url: path });
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain('Confirm my sign-up');
    const confirmed = await t.app.inject({
      method: 'POST',
      url: path,
      headers: { origin: t.config.publicUrl },
    });
    expect(confirmed.statusCode).toBe(200);
    // A link works once.
    const reused = await t.app.inject({ method: 'POST', url: path, headers: { origin: t.config.publicUrl } });
    expect(reused.statusCode).toBe(400);

    const second = await compose(t, newsletter.id);
    await sendNow(t, second.issue.id);
    expect(await progress(t, second.issue.id)).toMatchObject({ sent: 1, remaining: 0 });
    expect(smtp.mailTo('visitor@readers.example')).toHaveLength(2);
  });

  it('expires a confirmation link after 48 hours', async () => {
    const newsletter = await define(t, 'opt-in-late');
    const visitor = aBrowser(t.app);
    await visitor.post('/newsletters/sign-up', { email: 'late@readers.example', newsletter: newsletter.id });
    const link = /\/newsletters\/confirm\/[A-Za-z0-9_-]+/.exec(
      smtp.mailTo('late@readers.example')[0]!.text ?? '',
    )![0];
    const before = t.clock.now();
    t.clock.set(new Date(before.getTime() + 49 * 3_600_000).toISOString());
    try {
      const late = await t.app.inject({ method: 'POST', url: link, headers: { origin: t.config.publicUrl } });
      expect(late.statusCode).toBe(410);
    } finally {
      t.clock.set(before.toISOString());
    }
  });

  it('records a refused recipient as failed and sends to the rest', async () => {
    const newsletter = await define(t, 'refusals');
    const emails = await addressSubscribers(t, newsletter.id, 'ref', 5);
    smtp.refuseRecipient(emails[2]!);
    try {
      const { issue } = await compose(t, newsletter.id);
      await sendNow(t, issue.id);
      expect(await progress(t, issue.id)).toMatchObject({ status: 'sent', sent: 4, failed: 1, remaining: 0 });
      for (const [i, email] of emails.entries()) expect(smtp.mailTo(email)).toHaveLength(i === 2 ? 0 : 1);
    } finally {
      smtp.refuseRecipient(emails[2]!, false);
    }
  });

  it('resumes a send stopped half-way: no recipient twice, none missed', async () => {
    const newsletter = await define(t, 'resume');
    const emails = await addressSubscribers(t, newsletter.id, 'res', 45);
    const { issue } = await compose(t, newsletter.id);
    // Queued, as staff would; the first try runs in a process that stops after 17 messages.
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: `/api/admin/v1/newsletter-issues/${issue.id}/send`,
          headers: t.admin,
        })
      ).statusCode,
    ).toBe(202);
    let handed = 0;
    const dying = createNewsletterService({
      db: t.database.db,
      clock: t.clock,
      sources: { content: t.services.content, publication: t.services.publication },
      readers: {
        accounts: t.services.accounts,
        entitlementsOfMany: (ids) => t.services.billing.entitlementsOfMany(ids),
        paywall: t.services.paywall,
      },
      delivery: {
        mail: {
          ...t.services.mail,
          sendComposed: async (mail) => {
            if (++handed > 17) throw new Error('the process was stopped');
            return t.services.mail.sendComposed(mail);
          },
        },
        queue: t.services.queue,
      },
      options: {
        publicUrl: t.config.publicUrl,
        secret: testSecret,
        mailFrom: 'news@news.example',
        batchSize: 10,
        concurrency: 3,
      },
    });
    const [handler] = dying.handlers;
    await expect(handler!.run(handler!.parse({ issueId: issue.id }), context)).rejects.toThrow('stopped');
    const halfway = await progress(t, issue.id);
    expect(halfway).toMatchObject({ status: 'sending', sent: 17, failed: 0, remaining: 28 });

    // The queue's worker takes the job and finishes it.
    await t.services.worker.runDue({ kinds: ['newsletter:send'] });
    expect(await progress(t, issue.id)).toMatchObject({ status: 'sent', sent: 45, failed: 0, remaining: 0 });
    for (const email of emails) expect(smtp.mailTo(email), email).toHaveLength(1);
    const ids = emails.map((email) => smtp.mailTo(email)[0]!.messageId);
    expect(new Set(ids).size).toBe(45);
  });

  it('schedules a send for later and sends a queued issue once, however often asked', async () => {
    const newsletter = await define(t, 'scheduled');
    await addressSubscribers(t, newsletter.id, 'sch', 2);
    const { issue } = await compose(t, newsletter.id);
    const sendAt = new Date(t.clock.now().getTime() + 3_600_000).toISOString();
    const url = `/api/admin/v1/newsletter-issues/${issue.id}/send`;
    const first = await t.app.inject({ method: 'POST', url, headers: t.admin, payload: { sendAt } });
    expect(first.json()).toMatchObject({ status: 'scheduled', issue: { sendAt } });
    const second = await t.app.inject({ method: 'POST', url, headers: t.admin, payload: {} });
    expect(second.json().issue.jobId).toBe(first.json().issue.jobId);
    expect((await t.services.worker.runDue({ kinds: ['newsletter:send'] })).done).toBe(0);
    const before = t.clock.now();
    t.clock.set(new Date(before.getTime() + 3_700_000).toISOString());
    try {
      expect((await t.services.worker.runDue({ kinds: ['newsletter:send'] })).done).toBe(1);
    } finally {
      t.clock.set(before.toISOString());
    }
    expect(await progress(t, issue.id)).toMatchObject({ status: 'sent', sent: 2 });
    const again = await t.app.inject({ method: 'POST', url, headers: t.admin });
    expect(again.statusCode).toBe(409);
    const bad = await t.app.inject({
      method: 'POST',
      url,
      headers: t.admin,
      payload: { sendAt: 'tomorrow' },
    });
    expect(bad.statusCode).toBe(422);
  });

  it('shows the reader’s newsletters on /account and lets them choose there', async () => {
    const newsletter = await define(t, 'account-page');
    const reader = await aSignedInReader(t);
    const page = await reader.browser.get('/account');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('id="newsletters-title"');
    expect(page.body).toContain(`/newsletters/${newsletter.id}/subscribe`);
    const chosen = await reader.browser.post(`/newsletters/${newsletter.id}/subscribe`, {
      returnTo: '/account',
    });
    expect(chosen.statusCode).toBe(303);
    expect(chosen.headers.location).toBe('/account');
    const after = await reader.browser.get('/account');
    expect(after.body).toContain(`/newsletters/${newsletter.id}/unsubscribe`);
  });
});
