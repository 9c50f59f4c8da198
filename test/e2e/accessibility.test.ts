import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoArticles } from '../../src/seed/demo.js';
import { launchChromium, startServer, type RunningServer } from './support.js';

/**
 * Every page a reader meets, checked with axe-core in Chromium: none may have a serious or
 * critical violation. axe is evaluated into each page from node_modules (DevTools evaluation,
 * which the site's CSP does not govern: the pages themselves still carry no script).
 */
const axeSource = readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  // One free metered story a month, so the second is walled.
  const { key } = await server.services.apiKeys.create('a11y', 'admin');
  const response = await fetch(`${server.baseUrl}/api/admin/v1/settings`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ meter: { freeLimit: 1 } }),
  });
  expect(response.status).toBe(200);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Rules kept to although axe rates them moderate: one h1 a page, and headings in order. */
const alsoRequired = new Set(['page-has-heading-one', 'heading-order', 'landmark-one-main']);

/** The serious and critical violations axe finds on the page as it is now, in words. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(options: object): Promise<{ violations: unknown[] }> } })
      .axe;
    return (await axe.run({ resultTypes: ['violations'] })).violations;
  });
  return (violations as AxeViolation[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical' || alsoRequired.has(v.id))
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function check(page: Page, path: string, found: Map<string, string[]>) {
  if (path !== '') {
    const response = await page.goto(`${server.baseUrl}${path}`);
    expect(response, path).not.toBeNull();
  }
  const label = path || new URL(page.url()).pathname;
  // A page seen twice (before and after subscribing) is reported twice.
  found.set(found.has(label) ? `${label} (subscribed)` : label, await seriousViolations(page));
}

const by = (access: string) => demoArticles.filter((article) => article.access === access);

describe('accessibility (axe-core)', () => {
  it('every reader page, the paywall, checkout and the account pages have no serious or critical violation', async () => {
    const found = new Map<string, string[]>();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-IN' });
    const page = await context.newPage();
    const [metered, walled] = by('metered');
    for (const path of [
      '/',
      '/section/politics',
      `/article/${by('free')[0]!.slug}`,
      `/article/${metered!.slug}`,
      `/article/${walled!.slug}`,
      `/article/${by('premium')[0]!.slug}`,
      '/archive',
      '/archive/2026',
      '/search?q=market',
      '/subscribe',
      '/subscribe?plan=smart-essential',
      '/login',
      '/terms',
      '/privacy',
      '/refunds',
      '/contact',
      '/no-such-page',
    ])
      await check(page, path, found);
    expect(await page.goto(`${server.baseUrl}/article/${walled!.slug}`)).not.toBeNull();
    expect(await page.locator('#paywall').count(), 'the second metered story is walled').toBe(1);
    // Each plan's button names its plan, and a keyboard's first stop skips the header.
    const names = await page
      .locator('#paywall .plan a.button')
      .evaluateAll((links) => links.map((link) => link.textContent?.replace(/\s+/g, ' ').trim()));
    expect(names).toEqual([
      'Subscribe to Smart Quarterly',
      'Subscribe to Smart Essential',
      'Subscribe to Super Saver',
    ]);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('content');

    // Signing up, then subscribing: the form, the sandbox's checkout, the account pages.
    await page.goto(`${server.baseUrl}/login`);
    const signUp = page.locator('form[action="/register"]');
    await signUp.getByLabel('Name').fill('Asha Rao');
    await signUp.getByLabel('Email').fill('a11y@example.com');
    await signUp.getByLabel('Password').fill('a long and unusual passphrase');
    await Promise.all([
      page.waitForURL(/\/account/),
      signUp.getByRole('button', { name: 'Create account' }).click(),
    ]);
    await check(page, '/account', found);
    await check(page, `/subscribe?plan=smart-essential&returnTo=/article/${walled!.slug}`, found);
    await Promise.all([
      page.waitForURL(/\/sandbox\/checkout\//),
      page.getByRole('button', { name: 'Continue to payment' }).click(),
    ]);
    await check(page, '', found);
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByLabel('Expiry (MM/YY)').fill('12/34');
    await page.getByLabel('CVC').fill('123');
    await Promise.all([page.waitForURL(/\/article\//), page.getByRole('button', { name: /^Pay / }).click()]);
    await check(page, '', found);
    for (const path of [
      '/account',
      '/account/subscription/cancel',
      '/account/subscription/change',
      '/account/payment-method',
      '/account/invoices',
    ])
      await check(page, path, found);
    const invoice = await page.locator('a[href^="/account/invoices/inv_"]').first().getAttribute('href');
    await check(page, invoice!, found);
    // A subscriber's /subscribe: their plan instead of a form.
    await check(page, '/subscribe', found);

    // On a phone, the account page's tables and the invoice fit the screen, a row a card.
    const phone = await browser.newContext({
      viewport: { width: 360, height: 740 },
      locale: 'en-IN',
      storageState: await context.storageState(),
    });
    const small = await phone.newPage();
    for (const [path, cell] of [
      ['/account', '.sessions td'],
      ['/account', '.payments td'],
      ['/account/invoices', '.invoices td'],
      [invoice!, '.invoice-lines td'],
    ] as const) {
      await small.goto(`${server.baseUrl}${path}`);
      const fits = await small.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
      expect(fits, `${path} fits a 360 px screen`).toBe(true);
      const first = small.locator(cell).first();
      expect(await first.evaluate((td) => getComputedStyle(td).display), cell).toBe('grid');
      expect(await first.evaluate((td) => getComputedStyle(td, '::before').content), cell).not.toBe('none');
    }
    await phone.close();
    await context.close();

    const failing = [...found].filter(([, violations]) => violations.length > 0);
    expect(Object.fromEntries(failing)).toEqual({});
    expect(found.size).toBeGreaterThanOrEqual(27);
  }, 180_000);

  it('every admin page, signed in as the owner, has no serious or critical violation', async () => {
    const found = new Map<string, string[]>();
    const email = 'a11y-owner@ledger.example';
    const password = 'a long passphrase for the accessible owner';
    await server.services.staff.create({ email, password, role: 'owner', name: 'Owner' });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-IN' });
    const page = await context.newPage();
    await check(page, '/admin/login', found);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await Promise.all([
      page.waitForURL(`${server.baseUrl}/admin`),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    const [article] = await server.services.content.list({ limit: 1 });
    const [plan] = await server.services.plans.listAll();
    for (const path of [
      '/admin',
      '/admin/account',
      '/admin/staff',
      '/admin/audit',
      '/admin/articles',
      '/admin/articles/new',
      `/admin/articles/${article!.id}`,
      '/admin/sections',
      '/admin/front-page',
      '/admin/wire',
      '/admin/epaper',
      '/admin/newsletters',
      '/admin/paywall',
      '/admin/mail',
      '/admin/plans',
      `/admin/plans/${plan!.id}`,
      '/admin/coupons',
      '/admin/partners',
      '/admin/ads',
      '/admin/readers',
      '/admin/readers?q=example',
      '/admin/analytics',
      '/admin/jobs',
    ]) {
      await check(page, path, found);
      // Each page itself, not the sign-in page it would send a visitor to.
      expect(new URL(page.url()).pathname, path).toBe(path.split('?')[0]);
    }
    expect(found.size).toBe(24);
    await context.close();
    const failing = [...found].filter(([, violations]) => violations.length > 0);
    expect(Object.fromEntries(failing)).toEqual({});
  }, 180_000);
});
