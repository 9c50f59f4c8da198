import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoEpaperDate } from '../../src/seed/demo.js';
import { deviceFactory, launchChromium, startServer, type RunningServer } from './support.js';

/**
 * The e-paper in a real browser: a subscriber opens the demo's Mumbai edition from /epaper,
 * turns the page with the keyboard, zooms, saves the stamped PDF and shares a page; someone
 * with no account opens the shared link in a fresh browser context. Every page is watched for
 * console errors (a Content-Security-Policy violation lands there) and failed requests.
 */

const axeSource = readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

/** axe-core's serious and critical violations on the page as it is now (and a page's one h1). */
async function accessibilityProblems(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(options: object): Promise<{ violations: unknown[] }> } })
      .axe;
    return (await axe.run({ resultTypes: ['violations'] })).violations;
  });
  return (violations as { id: string; impact: string | null; nodes: { target: string[] }[] }[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical' || v.id === 'page-has-heading-one')
    .map(
      (v) => `${v.id} (${v.impact}) at ${page.url()}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
}

let server: RunningServer;
let browser: Browser;
let devices: ReturnType<typeof deviceFactory>;

beforeAll(async () => {
  server = await startServer();
  // The seed queued the demo editions; the worker draws their pages, as the server's would.
  const summary = await server.services.worker.runDue({ kinds: ['epaper:process'] });
  expect(summary).toMatchObject({ done: 2, dead: 0 });
  browser = await launchChromium();
  devices = deviceFactory(browser, server.baseUrl);
});

afterAll(async () => {
  await devices?.closeAll();
  await browser?.close();
  await server?.close();
});

/** The image `selector` finds has loaded and has pixels. */
async function imageShown(page: Page, selector: string): Promise<number> {
  const image = page.locator(selector).first();
  await image.waitFor();
  await expect
    .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
    .toBeGreaterThan(0);
  return image.evaluate((img: HTMLImageElement) => img.naturalWidth);
}

/** Signs a new reader up and pays for a plan through the API, in the page's own browser context. */
async function subscribe(page: Page): Promise<string> {
  const api = page.context().request;
  const origin = { origin: server.baseUrl };
  const email = `epaper-${Date.now()}@example.com`;
  const registered = await api.post(`${server.baseUrl}/api/v1/auth/register`, {
    data: { email, password: 'a long and unusual passphrase', name: 'Meera' },
    headers: origin,
  });
  expect(registered.status()).toBe(201);
  const plans = (await (await api.get(`${server.baseUrl}/api/v1/plans`)).json()) as {
    plans: { id: string }[];
  };
  const started = await api.post(`${server.baseUrl}/api/v1/checkout`, {
    data: { planId: plans.plans[0]!.id, returnTo: '/epaper' },
    headers: origin,
  });
  expect(started.status()).toBe(201);
  const { checkoutId, checkoutUrl } = (await started.json()) as { checkoutId: string; checkoutUrl: string };
  const paid = await api.post(`${new URL(checkoutUrl).href}/pay`, {
    data: { card: '4242424242424242' },
    headers: origin,
  });
  expect(paid.status()).toBe(200);
  const checkout = await api.get(`${server.baseUrl}/api/v1/checkout/${checkoutId}`);
  expect(((await checkout.json()) as { checkout: { status: string } }).checkout.status).toBe('completed');
  return email;
}

describe('the e-paper in Chromium', () => {
  it('shows thumbnails and the paywall to a reader without a subscription', async () => {
    const { page, problems } = await devices.open();
    await page.goto(`${server.baseUrl}/epaper`);
    expect(await page.locator('.epaper-edition').count()).toBe(2);
    expect(await imageShown(page, '.epaper-edition img')).toBeGreaterThan(100);
    await Promise.all([
      page.waitForURL(/\/epaper\/epe_/),
      page.getByRole('link', { name: /Mumbai/ }).click(),
    ]);
    await expect
      .poll(() => page.getByRole('heading', { name: 'The e-paper is for subscribers' }).count())
      .toBe(1);
    expect(await page.locator('img[src*="/pages/"]:not([src$="/thumbnail"])').count()).toBe(0);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.goto(`${server.baseUrl}/epaper`);
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('reads, turns pages with the keyboard, zooms, saves the stamped PDF and shares a page that opens for anyone', async () => {
    const { page, problems } = await devices.open();
    const email = await subscribe(page);

    await page.goto(`${server.baseUrl}/epaper`);
    await expect
      .poll(() => page.getByRole('heading', { level: 2 }).first().textContent())
      .toContain('November 2026');
    await Promise.all([
      page.waitForURL(/\/epaper\/epe_[0-9a-z]+$/),
      page.getByRole('link', { name: /Mumbai/ }).click(),
    ]);
    const editionUrl = page.url();
    expect(await page.locator('.epaper-position').textContent()).toBe('Page 1 of 4');
    const width = await imageShown(page, '[data-epaper="image"]');
    expect(width).toBeGreaterThan(1000); // the readable image, not a thumbnail
    expect(await accessibilityProblems(page)).toEqual([]);

    // The keyboard turns the page (the script is loaded from /assets/ under the CSP).
    await Promise.all([page.waitForURL(`${editionUrl}/page/2`), page.keyboard.press('ArrowRight')]);
    expect(await page.locator('.epaper-position').textContent()).toBe('Page 2 of 4');
    await imageShown(page, '[data-epaper="image"]');
    const frame = page.locator('[data-epaper="page"]');
    const fitted = await frame.locator('img').evaluate((img) => img.getBoundingClientRect().width);
    await page.keyboard.press('+');
    await expect.poll(() => frame.getAttribute('data-zoom-level')).toBe('1.5');
    const zoomed = await frame.locator('img').evaluate((img) => img.getBoundingClientRect().width);
    expect(zoomed).toBeCloseTo(fitted * 1.5, 0);
    await page.keyboard.press('0');
    await expect.poll(() => frame.getAttribute('data-zoom-level')).toBe('1');
    await Promise.all([page.waitForURL(`${editionUrl}/page/1`), page.keyboard.press('ArrowLeft')]);

    // Save as PDF: every page carries the reader's address and the date.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Save as PDF' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`epaper-${demoEpaperDate}-mumbai.pdf`);
    const pdf = readFileSync(await download.path());
    const pages = execFileSync('pdftotext', ['-', '-'], { input: pdf, encoding: 'utf8' })
      .split('\f')
      .slice(0, -1);
    expect(pages).toHaveLength(4);
    for (const text of pages)
      expect(text.replace(/\s+/g, ' ')).toContain(`Downloaded by ${email} on 20 November 2026`);

    // Share page 1; the link opens in a browser that has never signed in.
    await Promise.all([
      page.waitForURL(`${editionUrl}/page/1/share`),
      page.getByRole('button', { name: 'Share this page' }).click(),
    ]);
    const url = await page.getByLabel('Link to share').inputValue();
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(url).toMatch(new RegExp(`^${server.baseUrl}/epaper/shared/[A-Za-z0-9_-]{32}$`));
    expect(problems).toEqual([]);

    const stranger = await devices.open();
    await stranger.page.goto(url);
    expect(await stranger.page.getByRole('heading', { level: 1 }).textContent()).toContain(
      'Page 1, Mumbai edition',
    );
    expect(await imageShown(stranger.page, '[data-epaper="image"]')).toBeGreaterThan(1000);
    expect(await accessibilityProblems(stranger.page)).toEqual([]);
    expect(stranger.problems).toEqual([]);
    // The stranger reads that page only.
    const other = await stranger.page
      .context()
      .request.get(`${editionUrl.replace('/epaper/', '/api/v1/epaper/editions/')}/pages/2`);
    expect(other.status()).toBe(403);
  });
});
