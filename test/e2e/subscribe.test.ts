import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobScheduler, type JobScheduler } from '../../src/jobs/scheduler.js';
import { formatDate } from '../../src/kernel/dates.js';
import { demoArticles } from '../../src/seed/demo.js';
import { sandboxOf } from '../support/build-app.js';
import { launchChromium, squash, startServer, type RunningServer, deviceFactory } from './support.js';

/**
 * Subscribing in a real browser: from the limit paywall to the sandbox's hosted checkout and
 * back to the article, unlocked; cancelling and resuming on /account; a declined card; and a
 * card whose bank asks for an extra step. Every page is plain HTML forms (no script), so these
 * journeys are also what a reader with JavaScript off gets.
 */

/** The server's fixed clock: the subscription starts here, and renews a year later. */
const serverDate = '2026-11-20T06:30:00.000Z';
const password = 'a long and unusual passphrase';
const cards = {
  ok: '4242 4242 4242 4242',
  declined: '4000 0000 0000 0002',
  authentication: '4000 0027 6000 3184',
};

const bySlug = new Map(demoArticles.map((article) => [article.slug, article]));

let server: RunningServer;
let browser: Browser;
let devices: ReturnType<typeof deviceFactory>;
let jobs: JobScheduler | undefined;
/** The publication's time zone, which every date on the reader's pages is shown in. */
let timeZone: string;

beforeAll(async () => {
  server = await startServer(serverDate);
  browser = await launchChromium();
  devices = deviceFactory(browser, server.baseUrl);
  timeZone = (await server.services.publication.settings()).timeZone;
  // Three free metered stories a month, set as a publisher would: through the admin API.
  const { key } = await server.services.apiKeys.create('e2e', 'admin');
  const response = await fetch(`${server.baseUrl}/api/admin/v1/settings`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ meter: { freeLimit: 3 } }),
  });
  expect(response.status).toBe(200);
  // The sandbox's webhooks arrive over HTTP while the reader is on their way back, as in
  // production (`server.ts` runs the same job, once a second): the return page and the webhook
  // may each be the first to complete a checkout.
  const webhooks = server.services.jobs.find((job) => job.name === 'sandbox:webhooks')!;
  jobs = createJobScheduler({
    jobs: [{ ...webhooks, everyMs: 100, firstAfterMs: 100 }],
    clock: server.services.clock,
    log: server.services.logger,
  });
  jobs.start();
});

afterAll(async () => {
  await jobs?.stop();
  await devices?.closeAll();
  await browser?.close();
  await server?.close();
});

const checkoutPage = /\/sandbox\/checkout\/cs_[0-9a-z]+$/i;

/** Does `action` (a click that navigates) and waits for the page it leads to. */
async function andWaitFor(page: Page, path: string | RegExp, action: () => Promise<void>): Promise<void> {
  const url = typeof path === 'string' ? `${server.baseUrl}${path}` : path;
  await Promise.all([page.waitForURL(url), action()]);
}

/**
 * Submits the form `action` posts and waits for the page the server answers with, when that
 * page is at the same URL (a form shown again with its error): `waitForURL` would not wait.
 */
async function andWaitForAnswer(page: Page, action: () => Promise<void>): Promise<number> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().isNavigationRequest() && r.request().method() === 'POST'),
    action(),
  ]);
  await page.waitForLoadState('load');
  return response.status();
}

/** Metered stories linked from the front page, in document order, as paths. */
async function meteredStories(page: Page): Promise<string[]> {
  await page.goto(`${server.baseUrl}/`);
  const hrefs = await page
    .locator('main a[href^="/article/"]')
    .evaluateAll((links) => links.map((link) => link.getAttribute('href') ?? ''));
  // Markets is the demo's premium vertical: its metered stories need its benefit, not the meter.
  return [...new Set(hrefs)].filter((href) => {
    const article = bySlug.get(href.slice('/article/'.length));
    return article?.access === 'metered' && article.section !== 'markets';
  });
}

/** A story linked from the front page, opened by clicking its link. */
async function openFromFrontPage(page: Page, href: string): Promise<void> {
  if (page.url() !== `${server.baseUrl}/`) {
    await andWaitFor(page, '/', () => page.locator('a.masthead-name').click());
  }
  await andWaitFor(page, href, () => page.locator(`main a[href="${href}"]`).first().click());
}

/** The inline sign-up on /subscribe, filled in as a person would, then "Continue to payment". */
async function signUpAndContinue(page: Page, reader: { name: string; email: string; state: string }) {
  expect(await page.locator('input[name="account"][value="new"]').isChecked()).toBe(true);
  await page.getByLabel('Email').fill(reader.email);
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Name', { exact: true }).fill(reader.name);
  await page.getByLabel('State').selectOption({ label: reader.state });
  await andWaitFor(page, checkoutPage, () =>
    page.getByRole('button', { name: 'Continue to payment' }).click(),
  );
}

/** Types a card into the sandbox's hosted form key by key, as a person would. */
async function typeCard(page: Page, card: { number: string; name: string }) {
  await page.getByLabel('Card number').pressSequentially(card.number);
  await page.getByLabel('Expiry (MM/YY)').pressSequentially('12/34');
  await page.getByLabel('CVC').pressSequentially('123');
  await page.getByLabel('Name on card').pressSequentially(card.name);
}

async function subscriptionOf(page: Page): Promise<{ status: string } | null> {
  const response = await page.context().request.get(`${server.baseUrl}/api/v1/subscription`);
  expect(response.status()).toBe(200);
  return ((await response.json()) as { subscription: { status: string } | null }).subscription;
}

const sandbox = () => sandboxOf(server);

/** The sandbox's own record of a checkout session, read from the server (the id is in the URL). */
async function sandboxSession(url: string) {
  const id = new URL(url).pathname.split('/').at(-1) ?? '';
  const session = await sandbox().processor.retrieveSession(id);
  if (!session) throw new Error(`no sandbox session ${id}`);
  return session;
}

/** Every webhook the sandbox queued so far reached Masthead, which answered 2xx. */
async function expectWebhooksDelivered(): Promise<void> {
  // Waits for a run in progress, then sends whatever is still due.
  await sandbox().webhooks.deliverDue();
  const rows = await server.database.db
    .selectFrom('sandbox_webhooks')
    .select(['type', 'delivered_at', 'last_error'])
    .execute();
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows)
    expect(row, row.type).toMatchObject({ last_error: null, delivered_at: expect.any(String) });
}

describe('subscribing in Chromium', () => {
  // The first journey makes some twenty page loads (about 15 s here): more room than the
  // config's 60 s a test, for a busy two-core machine.
  it('meter runs out → paywall → Smart Essential → sign up → pays with 4242 → the article, unlocked; cancel and resume on /account', async () => {
    const { page, problems } = await devices.open();
    const metered = await meteredStories(page);
    expect(metered.length).toBeGreaterThanOrEqual(4);

    // Three metered stories, anonymously; the fourth is walled.
    for (const href of metered.slice(0, 3)) {
      await openFromFrontPage(page, href);
      expect(await page.locator('article.article').getAttribute('data-granted')).toBe('true');
    }
    const fourth = metered[3]!;
    const articleUrl = `${server.baseUrl}${fourth}`;
    await openFromFrontPage(page, fourth);
    const paywall = page.locator('#paywall');
    expect(await paywall.getAttribute('data-reason')).toBe('limit_reached');
    expect(await page.locator('article.article').getAttribute('data-granted')).toBe('false');

    // Smart Essential, from the paywall: the form for that plan, coming back to this story.
    const plan = paywall.locator('.plan[data-plan="smart-essential"]');
    expect(squash(await plan.locator('.amount').innerText())).toBe('₹2,700');
    await andWaitFor(page, `/subscribe?plan=smart-essential&returnTo=${encodeURIComponent(fourth)}`, () =>
      plan.getByRole('link', { name: 'Subscribe' }).click(),
    );
    const chosen = squash(await page.locator('.chosen-plan').innerText());
    expect(chosen).toContain('Smart Essential: ₹2,700 for 1 year (₹225/Month)');
    expect(await page.locator('form[action="/subscribe"] input[name="returnTo"]').inputValue()).toBe(fourth);

    await signUpAndContinue(page, {
      name: 'Asha Rao',
      email: 'subscriber@example.com',
      state: 'Maharashtra',
    });

    // The sandbox's hosted page: its own banner, what is paid for, and the card form.
    expect(squash(await page.locator('.sandbox-banner').innerText())).toContain(
      'Sandbox — test payments, no real money is taken.',
    );
    expect(squash(await page.locator('.sandbox-amount').innerText())).toBe('₹2,700');
    expect(await page.locator('header a.account-link').count()).toBe(0);
    await typeCard(page, { number: cards.ok, name: 'Asha Rao' });
    expect(await page.getByLabel('Card number').inputValue()).toBe(cards.ok);
    // Paid: through the return page, straight back to the story.
    await andWaitFor(page, fourth, () => page.getByRole('button', { name: 'Pay ₹2,700' }).click());

    expect(page.url()).toBe(articleUrl);
    expect(await page.locator('#paywall').count()).toBe(0);
    expect(await page.locator('article.article').getAttribute('data-granted')).toBe('true');
    const body = squash(await page.locator('.article-body').innerText());
    for (const paragraph of bySlug.get(fourth.slice('/article/'.length))?.paragraphs ?? []) {
      expect(body).toContain(squash(paragraph));
    }
    expect(await page.locator('header a.account-link').textContent()).toBe('Account');
    // A subscriber is not asked to subscribe, and is welcomed once, here.
    expect(await page.locator('header a.subscribe-link').count()).toBe(0);
    expect(squash(await page.locator('main .site-notice').innerText())).toContain(
      "Welcome, you're subscribed",
    );
    expect(await subscriptionOf(page)).toMatchObject({ status: 'active' });

    // /account: the plan, renewing a year after the day it started, at the plan's price.
    const start = new Date(serverDate);
    const renewal = new Date(start);
    renewal.setUTCFullYear(start.getUTCFullYear() + 1);
    const renewsOn = formatDate(renewal, timeZone);
    // The date as a reader reads it, so that a wrong computation above cannot pass unseen.
    expect(renewsOn).toBe('20 November 2027');
    await andWaitFor(page, '/account', () => page.locator('header a.account-link').click());
    const billing = page.locator('section.billing');
    expect(squash(await billing.locator('.subscription-plan').innerText())).toBe('Smart Essential');
    expect(squash(await billing.locator('.subscription-status').innerText())).toBe('Active');
    expect(squash(await billing.locator('.subscription-renewal').innerText())).toBe(
      `Renews on ${renewsOn} for ₹2,700`,
    );
    expect(squash(await billing.locator('.subscription-card').innerText())).toBe('Visa •••• 4242');
    const paid = billing.locator('table.payments tbody tr');
    expect(await paid.count()).toBe(1);
    expect(await paid.getAttribute('data-status')).toBe('succeeded');
    expect(squash(await paid.innerText())).toContain('₹2,700');

    // Cancel: a confirmation page that states the end date; the question is optional.
    await andWaitFor(page, '/account/subscription/cancel', () =>
      billing.getByRole('link', { name: 'Cancel subscription' }).click(),
    );
    expect(squash(await page.locator('.cancel-ends').innerText())).toBe(
      `Nothing more will be charged. You keep full access until ${renewsOn}, and can resume any time before then.`,
    );
    const form = page.locator('form[action="/account/subscription/cancel"]');
    expect(await form.locator('input[name="reason"]:checked').count()).toBe(0);
    await andWaitFor(page, '/account?billing=canceled', () =>
      form.getByRole('button', { name: 'Cancel subscription' }).click(),
    );
    expect(squash(await billing.locator('p.notice').innerText())).toBe(
      `Your subscription ends on ${renewsOn}.`,
    );
    expect(squash(await billing.locator('.subscription-ends').innerText())).toBe(`Ends on ${renewsOn}`);
    expect(squash(await billing.locator('.subscription-status').innerText())).toBe('Cancelled');
    expect(await billing.locator('.subscription-renewal').count()).toBe(0);
    expect(await subscriptionOf(page)).toMatchObject({ status: 'canceling' });

    // Resume: renewing again, on the same date.
    await andWaitFor(page, '/account?billing=resumed', () =>
      billing.getByRole('button', { name: 'Resume subscription' }).click(),
    );
    expect(squash(await billing.locator('p.notice').innerText())).toBe(
      `Your subscription is back on: it renews on ${renewsOn}.`,
    );
    expect(squash(await billing.locator('.subscription-renewal').innerText())).toBe(
      `Renews on ${renewsOn} for ₹2,700`,
    );
    expect(await billing.locator('.subscription-ends').count()).toBe(0);
    expect(await subscriptionOf(page)).toMatchObject({ status: 'active' });

    // The story is still open to the subscriber.
    await page.goto(articleUrl);
    expect(await page.locator('article.article').getAttribute('data-granted')).toBe('true');
    expect(await page.locator('main .site-notice').count()).toBe(0);
    await expectWebhooksDelivered();

    expect(problems).toEqual([]);
  }, 120_000);

  it('a declined card says so on the payment page, charges nothing and leaves no subscription', async () => {
    const { page, problems } = await devices.open();
    await page.goto(`${server.baseUrl}/subscribe?plan=smart-essential`);
    await signUpAndContinue(page, { name: 'Ben Das', email: 'declined@example.com', state: 'Karnataka' });
    const checkoutUrl = page.url();

    await typeCard(page, { number: cards.declined, name: 'Ben Das' });
    // The page answers with the form again and a 402: the reader stays on the payment page.
    const status = await andWaitForAnswer(page, () =>
      page.getByRole('button', { name: 'Pay ₹2,700' }).click(),
    );
    expect(status).toBe(402);
    expect(page.url()).toBe(checkoutUrl);
    const error = page.getByRole('alert');
    expect(squash(await error.innerText())).toBe('Your card was declined.');
    expect(await page.getByLabel('Card number').getAttribute('aria-invalid')).toBe('true');
    // What was typed is kept, but never the CVC; another card can be tried at once.
    expect(await page.getByLabel('Card number').inputValue()).toBe(cards.declined);
    expect(await page.getByLabel('CVC').inputValue()).toBe('');
    expect(await page.getByRole('button', { name: 'Pay ₹2,700' }).isVisible()).toBe(true);

    // Nothing was charged: the session is still open, with no charge, and Masthead took nothing.
    const session = await sandboxSession(checkoutUrl);
    expect(session).toMatchObject({
      status: 'open',
      chargeId: null,
      failureReason: 'Your card was declined.',
    });
    expect(await server.services.billing.payments(session.customerRef)).toEqual([]);
    const charges = await server.database.db
      .selectFrom('sandbox_charges')
      .select('id')
      .where('reference', '=', session.reference)
      .execute();
    expect(charges).toEqual([]);

    // Leaving the payment page: back on /subscribe, told nothing was charged.
    // No article to go back to: still headed for the account page, as the first try was.
    await andWaitFor(
      page,
      `/subscribe?plan=smart-essential&returnTo=${encodeURIComponent('/account?billing=subscribed')}&checkout=canceled`,
      () => page.getByRole('link', { name: 'Cancel and return' }).click(),
    );
    expect(squash(await page.locator('p.notice').first().innerText())).toContain(
      'You left the payment page, and nothing was charged.',
    );
    await andWaitFor(page, '/account', () => page.locator('header a.account-link').click());
    expect(squash(await page.locator('section.billing .no-subscription').innerText())).toBe(
      'You do not subscribe yet. See the plans',
    );
    expect(await page.locator('section.billing table.payments').count()).toBe(0);
    expect(await subscriptionOf(page)).toBeNull();

    // The only trouble is the decline's own answer, which Chromium also logs to the console.
    expect(problems).toEqual([
      `HTTP 402: ${checkoutUrl}`,
      `console: Failed to load resource: the server responded with a status of 402 (Payment Required) [${checkoutUrl}]`,
    ]);
  });

  it('a declined card, then "Cancel and return": the second try still lands on the article', async () => {
    const { page, problems } = await devices.open();
    const premium = demoArticles.find((article) => article.access === 'premium')!;
    const story = `/article/${premium.slug}`;
    await page.goto(`${server.baseUrl}${story}`);
    const plan = page.locator('#paywall .plan[data-plan="smart-essential"]');
    await andWaitFor(page, `/subscribe?plan=smart-essential&returnTo=${encodeURIComponent(story)}`, () =>
      plan.getByRole('link', { name: 'Subscribe' }).click(),
    );
    await signUpAndContinue(page, { name: 'Dev Rao', email: 'detour@example.com', state: 'Goa' });
    const checkoutUrl = page.url();
    await typeCard(page, { number: cards.declined, name: 'Dev Rao' });
    expect(await andWaitForAnswer(page, () => page.getByRole('button', { name: 'Pay ₹2,700' }).click())).toBe(
      402,
    );

    await andWaitFor(
      page,
      `/subscribe?plan=smart-essential&returnTo=${encodeURIComponent(story)}&checkout=canceled`,
      () => page.getByRole('link', { name: 'Cancel and return' }).click(),
    );
    expect(await page.locator('form[action="/subscribe"] input[name="returnTo"]').inputValue()).toBe(story);
    // Signed up on the first try: the form now asks only for the invoice's details.
    await andWaitFor(page, checkoutPage, () =>
      page.getByRole('button', { name: 'Continue to payment' }).click(),
    );
    await typeCard(page, { number: cards.ok, name: 'Dev Rao' });
    await andWaitFor(page, story, () => page.getByRole('button', { name: 'Pay ₹2,700' }).click());
    expect(await page.locator('article.article').getAttribute('data-granted')).toBe('true');
    expect(await page.locator('#paywall').count()).toBe(0);

    expect(problems).toEqual([
      `HTTP 402: ${checkoutUrl}`,
      `console: Failed to load resource: the server responded with a status of 402 (Payment Required) [${checkoutUrl}]`,
    ]);
  });

  it('a card whose bank asks for an extra step is authenticated in the browser, then subscribed', async () => {
    const { page, problems } = await devices.open();
    await page.goto(`${server.baseUrl}/subscribe?plan=smart-quarterly`);
    await signUpAndContinue(page, {
      name: 'Chitra Iyer',
      email: 'authenticated@example.com',
      state: 'Kerala',
    });
    const checkoutUrl = page.url();

    await typeCard(page, { number: cards.authentication, name: 'Chitra Iyer' });
    await andWaitFor(page, `${new URL(checkoutUrl).pathname}/authenticate`, () =>
      page.getByRole('button', { name: 'Pay ₹900' }).click(),
    );
    expect(squash(await page.locator('main').innerText())).toContain(
      'Visa •••• 3184’s bank asks you to confirm this payment of ₹900.',
    );
    // No returnTo: a new subscriber lands on /account, welcomed.
    await andWaitFor(page, '/account?billing=subscribed', () =>
      page.getByRole('button', { name: 'Complete authentication' }).click(),
    );
    const billing = page.locator('section.billing');
    expect(squash(await billing.locator('p.notice').innerText())).toBe(
      'Welcome! Your Smart Quarterly subscription has started.',
    );
    expect(squash(await billing.locator('.subscription-card').innerText())).toBe('Visa •••• 3184');
    expect(await subscriptionOf(page)).toMatchObject({ status: 'active' });
    await expectWebhooksDelivered();

    expect(problems).toEqual([]);
  });
});
