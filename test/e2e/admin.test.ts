import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StaffRole } from '../../src/kernel/staff-access.js';
import { demoArticles } from '../../src/seed/demo.js';
import { deviceFactory, launchChromium, startServer, type RunningServer } from './support.js';

/**
 * The publisher's day in the admin, in a real browser: an editor publishes a premium story; a
 * marketer lowers the free limit to 3 and rewrites the paywall copy with its preview; an
 * anonymous reader meets the new limit and copy; support comps that reader, who then reads the
 * premium story; support refunds a paying subscriber and the credit note exists; the owner sees
 * the impression, the comp and the refund in the analytics, and the audit log names who did
 * each step.
 */

let server: RunningServer;
let browser: Browser;
let devices: ReturnType<typeof deviceFactory>;

const password = (role: StaffRole) => `a long admin passphrase for the ${role}`;
const emailOf = (role: StaffRole) => `${role}@ledger.example`;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  devices = deviceFactory(browser, server.baseUrl);
  for (const role of ['owner', 'editor', 'marketer', 'support'] as const) {
    await server.services.staff.create({ email: emailOf(role), password: password(role), role, name: role });
  }
});

afterAll(async () => {
  await devices?.closeAll();
  await browser?.close();
  await server?.close();
});

/** A fresh browser context signed in to the admin as the member with `role`. */
async function staffSignedIn(role: StaffRole): Promise<{ page: Page; problems: string[] }> {
  const device = await devices.open();
  const { page } = device;
  await page.goto(`${server.baseUrl}/admin`);
  // An unauthenticated visit lands on the sign-in page.
  expect(new URL(page.url()).pathname).toBe('/admin/login');
  await page.getByLabel('Email').fill(emailOf(role));
  await page.getByLabel('Password').fill(password(role));
  await Promise.all([
    page.waitForURL(`${server.baseUrl}/admin`),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  return device;
}

const premiumHeadline = 'Inside the ledger: how the port deal was priced';
const premiumParagraph = 'The second paragraph is for subscribers, and only for them.';
let premiumUrl = '';
const readerEmail = `reader-${Date.now()}@example.com`;

// The newest metered stories outside the premium vertical: older ones are the archive's.
const meteredSlugs = demoArticles
  .filter((article) => article.access === 'metered' && article.section !== 'markets')
  .sort((a, b) => b.publishedAt.localeCompare(a.publishedAt))
  .map((article) => article.slug);

describe('the publisher admin in Chromium', () => {
  it('an editor writes a premium story, previews it and publishes it', async () => {
    const { page, problems } = await staffSignedIn('editor');
    await page.goto(`${server.baseUrl}/admin/articles/new`);
    await page.getByLabel('Headline').fill(premiumHeadline);
    await page.getByLabel('Standfirst').fill('What the numbers say, line by line.');
    await page.getByLabel('Section').selectOption('politics');
    await page.getByLabel('Access').selectOption('premium');
    // Written in Markdown (the default for a new article), raw HTML and all.
    expect(await page.getByLabel('Markdown').isChecked()).toBe(true);
    await page
      .getByLabel('Body', { exact: true })
      .fill(`The first paragraph is the **teaser**.\n\n${premiumParagraph}\n\n<script>alert(1)</script>`);
    // The preview follows the typing, cleaned: the paragraphs, never the script.
    const preview = page.locator('#article-preview');
    await expect.poll(() => preview.getByText(premiumParagraph).count()).toBeGreaterThan(0);
    expect(await preview.locator('article strong').textContent()).toBe('teaser');
    expect(await preview.locator('script').count()).toBe(0);
    // The Preview button does the same with a page load.
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect.poll(() => preview.getByText(premiumParagraph).count()).toBeGreaterThan(0);
    expect(await preview.locator('script').count()).toBe(0);
    await Promise.all([
      page.waitForURL(/\/admin\/articles\/art_/),
      page.getByRole('button', { name: 'Publish / schedule' }).click(),
    ]);
    const published = await server.services.content.listPublished({ limit: 50 });
    const article = published.find((a) => a.headline === premiumHeadline);
    expect(article?.access).toBe('premium');
    premiumUrl = `${server.baseUrl}/article/${article!.slug}`;
    expect(problems).toEqual([]);
  });

  it('a marketer lowers the free limit to 3 and rewrites the paywall copy, seen first in the preview', async () => {
    const { page, problems } = await staffSignedIn('marketer');
    await page.goto(`${server.baseUrl}/admin/paywall`);
    await page.getByLabel('Free articles a month').fill('3');
    const copy = 'You have read your {{ free_limit }} free stories this month. Subscribe to keep reading.';
    await page.getByLabel('Meter used up').fill(copy);
    // The live preview follows the typing, before any button is pressed.
    const shown = () =>
      page.locator('#paywall-preview').getByText('You have read your 3 free stories this month.').count();
    await expect.poll(shown).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect.poll(shown).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toBeTruthy();
    expect(problems).toEqual([]);
  });

  let reader: { page: Page; problems: string[] };

  it('an anonymous reader meets the new limit and copy', async () => {
    reader = await devices.open();
    const { page } = reader;
    for (const slug of meteredSlugs.slice(0, 3)) {
      await page.goto(`${server.baseUrl}/article/${slug}`);
      expect(await page.locator('#paywall').count()).toBe(0);
    }
    await page.goto(`${server.baseUrl}/article/${meteredSlugs[3]}`);
    const wall = page.locator('#paywall');
    expect(await wall.count()).toBe(1);
    expect(await wall.innerText()).toContain('You have read your 3 free stories this month.');
    expect(await wall.innerText()).not.toContain('{{');
    // The premium story is walled too, its second paragraph nowhere in the page.
    await page.goto(premiumUrl);
    expect(await page.locator('#paywall').count()).toBe(1);
    expect(await page.content()).not.toContain(premiumParagraph);
    // The reader makes an account (the meter carries over).
    const registered = await page.context().request.post(`${server.baseUrl}/api/v1/auth/register`, {
      data: { email: readerEmail, password: 'a long and unusual passphrase', name: 'Asha Rao' },
      headers: { origin: server.baseUrl },
    });
    expect(registered.status()).toBe(201);
  });

  it('support finds that reader and comps a subscription; the reader reads the premium story', async () => {
    const { page, problems } = await staffSignedIn('support');
    await page.goto(`${server.baseUrl}/admin/readers`);
    await page.getByLabel('Email, name or invoice number').fill(readerEmail);
    await page.getByRole('button', { name: 'Search' }).click();
    await Promise.all([
      page.waitForURL(/\/admin\/readers\/acc_/),
      page.getByRole('link', { name: 'Asha Rao' }).click(),
    ]);
    await page.getByLabel("A plan's benefits").selectOption({ label: 'Smart Quarterly' });
    await page.getByLabel('For (days)').fill('30');
    await page.getByRole('button', { name: 'Comp', exact: true }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toBeTruthy();
    expect(problems).toEqual([]);

    await reader.page.goto(premiumUrl);
    expect(await reader.page.locator('#paywall').count()).toBe(0);
    expect(await reader.page.getByText(premiumParagraph).count()).toBe(1);
    expect(reader.problems).toEqual([]);
  });

  it("support refunds part of a paying subscriber's payment, and the credit note exists", async () => {
    // A subscriber who paid for Smart Quarterly through the sandbox gateway.
    const subscriber = await devices.open();
    const api = subscriber.page.context().request;
    const origin = { origin: server.baseUrl };
    const email = `paying-${Date.now()}@example.com`;
    const registered = await api.post(`${server.baseUrl}/api/v1/auth/register`, {
      data: { email, password: 'a long and unusual passphrase', name: 'Vikram Shah' },
      headers: origin,
    });
    expect(registered.status()).toBe(201);
    const plans = (await (await api.get(`${server.baseUrl}/api/v1/plans`)).json()) as {
      plans: { id: string; name: string }[];
    };
    const quarterly = plans.plans.find((plan) => plan.name === 'Smart Quarterly')!;
    const started = await api.post(`${server.baseUrl}/api/v1/checkout`, {
      data: { planId: quarterly.id, returnTo: '/' },
      headers: origin,
    });
    expect(started.status()).toBe(201);
    const { checkoutId, checkoutUrl } = (await started.json()) as { checkoutId: string; checkoutUrl: string };
    const paid = await api.post(`${checkoutUrl}/pay`, {
      data: { card: '4242424242424242' },
      headers: origin,
    });
    expect(paid.status()).toBe(200);
    await expect
      .poll(async () => {
        const checkout = await api.get(`${server.baseUrl}/api/v1/checkout/${checkoutId}`);
        return ((await checkout.json()) as { checkout: { status: string } }).checkout.status;
      })
      .toBe('completed');

    const { page, problems } = await staffSignedIn('support');
    await page.goto(`${server.baseUrl}/admin/readers`);
    await page.getByLabel('Email, name or invoice number').fill(email);
    await page.getByRole('button', { name: 'Search' }).click();
    await Promise.all([
      page.waitForURL(/\/admin\/readers\/acc_/),
      page.getByRole('link', { name: 'Vikram Shah' }).click(),
    ]);
    await page.getByLabel(/Amount to refund/).fill('300');
    await Promise.all([
      page.waitForURL(/done=refunded/),
      page.getByRole('button', { name: 'Refund', exact: true }).click(),
    ]);
    await Promise.all([
      page.waitForURL(/\/api\/admin\/v1\/credit-notes\/crn_/),
      page.getByRole('link', { name: 'Open the credit note' }).click(),
    ]);
    const note = await page.locator('body').innerText();
    expect(note).toMatch(/CN\d{4}-\d{6}/);
    expect(note).toMatch(/Total credited\s+₹300\b/);
    expect(problems).toEqual([]);
  });

  it('the owner reads in the audit log who did each step', async () => {
    const { page, problems } = await staffSignedIn('owner');
    await page.goto(`${server.baseUrl}/admin/audit`);
    const rows = await page.locator('main table tbody tr').allInnerTexts();
    const did = (who: string, action: RegExp) =>
      rows.some((row) => row.includes(emailOf(who as StaffRole)) && action.test(row));
    expect(did('editor', /article\.(create|publish)/)).toBe(true);
    expect(did('marketer', /settings/)).toBe(true);
    expect(did('support', /reader\.comp/)).toBe(true);
    expect(did('support', /payment\.refund/)).toBe(true);
    expect(problems).toEqual([]);
  });

  it('the owner sees the impressions, the comp and the refund in the analytics', async () => {
    const { page, problems } = await staffSignedIn('owner');
    await page.goto(`${server.baseUrl}/admin`);
    await Promise.all([
      page.waitForURL(/\/admin\/analytics/),
      page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Analytics' }).click(),
    ]);
    const figure = (name: string) => page.locator(`[data-figure="${name}"] .figure`).innerText();
    // The reader met the paywall on the fourth metered story and on the premium one.
    expect(Number(await figure('paywallImpressions'))).toBeGreaterThanOrEqual(2);
    expect(await figure('compsGranted')).toBe('1');
    expect(await figure('refunds')).toBe('1 (₹300)');
    expect(await figure('newSubscriptions')).toBe('1');
    // The daily chart is drawn.
    await expect
      .poll(() =>
        page.locator('img.chart').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth),
      )
      .toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
