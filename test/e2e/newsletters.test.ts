import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startServer, type RunningServer } from './support.js';

/**
 * Newsletters in a real browser: a visitor signs up by address on /newsletters, confirms through
 * the mailed link's page, receives an issue, and leaves through the issue's unsubscribe link.
 */

const email = 'newsletter-reader@example.com';
let server: RunningServer;
let browser: Browser;
let key: string;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  key = (await server.services.apiKeys.create('e2e', 'admin')).key;
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function outboxTo(template: string) {
  const mail = (await server.services.mail.list()).find((m) => m.to === email && m.template === template);
  expect(mail, `a ${template} mail to ${email}`).toBeDefined();
  return mail!;
}

async function status() {
  const row = await server.database.db
    .selectFrom('newsletter_subscriptions')
    .select('status')
    .where('email', '=', email)
    .executeTakeFirst();
  return row?.status;
}

describe('newsletter sign-up and unsubscribe', () => {
  it('signs up by address with double opt-in and unsubscribes through the link in the issue', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/newsletters`);
    await page.getByLabel('Politics Weekly').check();
    await page.locator('#sign-up-email').fill(email);
    await Promise.all([
      page.waitForURL(/notice=check_inbox/),
      page.getByRole('button', { name: 'Sign up', exact: true }).click(),
    ]);
    expect(await page.getByRole('status').textContent()).toContain('Check your inbox');
    expect(await status()).toBe('pending');

    const confirmation = await outboxTo('newsletter-confirm');
    const link = /https?:\/\/\S+\/newsletters\/confirm\/[A-Za-z0-9_-]+/.exec(confirmation.text)![0];
    await page.goto(link);
    expect(await status()).toBe('pending');
    await page.getByRole('button', { name: 'Confirm my sign-up' }).click();
    await page.getByRole('heading', { name: 'You are subscribed' }).waitFor();
    expect(await status()).toBe('active');

    // Staff send an issue of Politics Weekly.
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const list = (await (await fetch(`${server.baseUrl}/api/admin/v1/newsletters`, { headers })).json()) as {
      newsletters: { id: string; slug: string }[];
    };
    const politics = list.newsletters.find((n) => n.slug === 'politics-weekly')!;
    const article = (await server.services.content.listPublished({ section: 'politics', limit: 1 }))[0]!;
    const composed = await fetch(`${server.baseUrl}/api/admin/v1/newsletters/${politics.id}/issues`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ subject: 'Politics this week', intro: 'Hello.', articleIds: [article.id] }),
    });
    const { issue } = (await composed.json()) as { issue: { id: string } };
    await fetch(`${server.baseUrl}/api/admin/v1/newsletter-issues/${issue.id}/send`, {
      method: 'POST',
      headers,
    });
    await server.services.worker.runDue({ kinds: ['newsletter:send'] });

    const sent = await outboxTo('newsletter-issue');
    const unsubscribe = /href="([^"]+\/newsletters\/unsubscribe\/[^"]+)"/.exec(sent.html)![1]!;
    // A fresh browser, as when the link is opened from a mail app: no cookie.
    const fresh = await browser.newContext();
    const mailPage = await fresh.newPage();
    await mailPage.goto(unsubscribe);
    expect(await status()).toBe('active');
    await mailPage.getByRole('button', { name: 'Unsubscribe from Politics Weekly' }).click();
    await mailPage.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
    expect(await status()).toBe('unsubscribed');

    // The RFC 8058 one-click POST a mail provider makes: no cookie, another origin.
    const oneClick = await fetch(unsubscribe, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://mail.example' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.status).toBe(200);
    await fresh.close();
    await context.close();
  });
});
