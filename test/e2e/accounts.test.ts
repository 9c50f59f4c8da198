import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoArticles } from '../../src/seed/demo.js';
import { launchChromium, squash, startServer, type RunningServer, deviceFactory } from './support.js';

/**
 * Reader accounts in a real browser: signing up from the paywall carries the anonymous meter
 * (no fresh allowance), a second device signs in, and signs the first out from /account.
 */

// Markets is the demo's premium vertical: its metered stories need its benefit, not the meter.
const access = new Map(
  demoArticles.map((article) => [article.slug, article.section === 'markets' ? 'vertical' : article.access]),
);
const email = 'journey@example.com';
const password = 'a long and unusual passphrase';

let server: RunningServer;
let browser: Browser;
let devices: ReturnType<typeof deviceFactory>;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  devices = deviceFactory(browser, server.baseUrl);
  // Three free metered stories a month, set as a publisher would: through the admin API.
  const { key } = await server.services.apiKeys.create('e2e', 'admin');
  const response = await fetch(`${server.baseUrl}/api/admin/v1/settings`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ meter: { freeLimit: 3 } }),
  });
  expect(response.status).toBe(200);
});

afterAll(async () => {
  await devices?.closeAll();
  await browser?.close();
  await server?.close();
});

const newDevice = () => devices.open();

async function meterOf(page: Page): Promise<{ used: number; remaining: number; limit: number }> {
  const response = await page.context().request.get(`${server.baseUrl}/api/v1/meter`);
  expect(response.status()).toBe(200);
  return ((await response.json()) as { meter: { used: number; remaining: number; limit: number } }).meter;
}

/** Clicks a link (or submits a form) and waits for the page it leads to. */
async function andWaitFor(page: Page, path: string | RegExp, action: () => Promise<void>): Promise<void> {
  const url = typeof path === 'string' ? `${server.baseUrl}${path}` : path;
  await Promise.all([page.waitForURL(url), action()]);
}

describe('reader accounts in Chromium', () => {
  let first: { page: Page; problems: string[] };

  it('signing up from the paywall returns to the article, still walled: the meter carries on at 3', async () => {
    first = await newDevice();
    const { page, problems } = first;
    await page.goto(`${server.baseUrl}/`);
    expect(await page.locator('header a.account-link').textContent()).toBe('Sign in');
    const hrefs = await page
      .locator('main a[href^="/article/"]')
      .evaluateAll((links) => links.map((link) => link.getAttribute('href') ?? ''));
    const metered = [...new Set(hrefs)].filter(
      (href) => access.get(href.slice('/article/'.length)) === 'metered',
    );
    expect(metered.length).toBeGreaterThanOrEqual(4);

    // Three metered stories, anonymously: 2, 1, 0 left of 3.
    for (const [i, href] of metered.slice(0, 3).entries()) {
      await page.goto(`${server.baseUrl}/`);
      await andWaitFor(page, href, () => page.locator(`main a[href="${href}"]`).first().click());
      expect(await page.locator('article.article').getAttribute('data-granted')).toBe('true');
      expect(await page.locator('.meter-banner').getAttribute('data-remaining')).toBe(String(2 - i));
    }

    // The fourth: the limit paywall, whose "Log in" comes back here.
    const fourth = metered[3]!;
    await page.goto(`${server.baseUrl}/`);
    await andWaitFor(page, fourth, () => page.locator(`main a[href="${fourth}"]`).first().click());
    const paywall = page.locator('#paywall');
    expect(await paywall.getAttribute('data-reason')).toBe('limit_reached');
    expect(squash(await paywall.innerText())).toContain(
      "You've reached your limit of 3 free articles this month.",
    );
    const logIn = paywall.locator('.paywall-copy a', { hasText: 'Log in' });
    expect(await logIn.getAttribute('href')).toBe(`/login?returnTo=${fourth}`);
    await andWaitFor(page, `/login?returnTo=${fourth}`, () => logIn.click());

    // Sign up on /login.
    await page.locator('#sign-up-name').fill('Asha');
    await page.locator('#sign-up-email').fill(email);
    await page.locator('#sign-up-password').fill(password);
    await andWaitFor(page, fourth, () => page.getByRole('button', { name: 'Create account' }).click());

    // Back on the story, signed in, and still walled: an account is not a subscription, and
    // the three anonymous reads came along (no fresh allowance).
    expect(await page.locator('header a.account-link').textContent()).toBe('Account');
    expect(await page.locator('article.article').getAttribute('data-granted')).toBe('false');
    expect(await page.locator('#paywall').getAttribute('data-reason')).toBe('limit_reached');
    expect(squash(await page.locator('#paywall').innerText())).toContain(
      "You've reached your limit of 3 free articles this month.",
    );
    expect(await page.locator('.meter-banner').count()).toBe(0);
    expect(await meterOf(page)).toMatchObject({ used: 3, remaining: 0, limit: 3 });

    expect(problems).toEqual([]);
  });

  it('a second device signs in, sees both on /account, and signs the first out, which is told why', async () => {
    const { page, problems } = await newDevice();
    await page.goto(`${server.baseUrl}/login`);
    await page.locator('#sign-in-email').fill(email);
    await page.locator('#sign-in-password').fill(password);
    await andWaitFor(page, '/account', () =>
      page.getByRole('button', { name: 'Sign in', exact: true }).click(),
    );

    expect(squash(await page.locator('.account-email').innerText())).toBe(email);
    const devices = page.locator('.devices tbody tr');
    expect(await devices.count()).toBe(2);
    expect(await page.locator('.devices tr[data-current="true"]').innerText()).toContain('this device');
    const other = page.locator('.devices tr[data-current="false"]');
    expect(squash(await other.innerText())).toContain('Chrome on Linux');
    await andWaitFor(page, '/account?notice=device_signed_out', () =>
      other.getByRole('button', { name: 'Sign out' }).click(),
    );
    expect(await page.locator('p.notice').innerText()).toBe('That device is signed out.');
    expect(await devices.count()).toBe(1);

    // The first device: /account sends it to sign in again, saying why.
    const before = first.page;
    await andWaitFor(before, '/login?returnTo=/account&signedOut=ended_by_reader', async () => {
      await before.goto(`${server.baseUrl}/account`);
    });
    expect(await before.locator('p.notice').first().innerText()).toBe(
      'You were signed out from another of your devices.',
    );
    expect(await before.locator('header a.account-link').textContent()).toBe('Sign in');

    expect(problems).toEqual([]);
    expect(first.problems).toEqual([]);
  });
});
