import { mkdirSync } from 'node:fs';
import type { Browser, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoArticles } from '../../src/seed/demo.js';
import {
  launchChromium,
  plainFragment,
  squash,
  startServer,
  type RunningServer,
  deviceFactory,
} from './support.js';

/**
 * Smoke test of the metered paywall in a real browser: an anonymous reader's cookie meter
 * (five free metered stories a month), the limit paywall, rereads, premium and free stories.
 */

const publication = 'The Daily Ledger';
const bySlug = new Map(demoArticles.map((article) => [article.slug, article]));
const demo = (slug: string) => {
  const article = bySlug.get(slug);
  if (!article) throw new Error(`not a demo article: ${slug}`);
  return article;
};

let server: RunningServer;
let browser: Browser;
let devices: ReturnType<typeof deviceFactory>;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  devices = deviceFactory(browser, server.baseUrl);
});

afterAll(async () => {
  await devices?.closeAll();
  await browser?.close();
  await server?.close();
});

const newReader = () => devices.open();

/** Article slugs linked from the page, in document order, without repeats. */
async function linkedSlugs(page: Page): Promise<string[]> {
  const hrefs = await page
    .locator('main a[href^="/article/"]')
    .evaluateAll((links) => links.map((link) => link.getAttribute('href') ?? ''));
  return [...new Set(hrefs.map((href) => href.slice('/article/'.length)))];
}

async function goToFrontPage(page: Page): Promise<void> {
  if (page.url() === `${server.baseUrl}/`) return;
  await page.locator('a.masthead-name').click();
  await page.waitForURL(`${server.baseUrl}/`);
}

/** Clicks through from the front page to an article, returning the article page's response. */
async function openFromFrontPage(page: Page, slug: string): Promise<Response> {
  await goToFrontPage(page);
  const url = `${server.baseUrl}/article/${slug}`;
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url() === url && r.request().isNavigationRequest()),
    page.locator(`main a[href="/article/${slug}"]`).first().click(),
  ]);
  await page.waitForURL(url);
  expect(response.status()).toBe(200);
  expect(squash(await page.locator('h1.headline').innerText())).toBe(demo(slug).headline);
  return response;
}

/** The whole story is on the page and in its HTML: teaser and every later paragraph. */
async function expectFullStory(page: Page, slug: string): Promise<void> {
  const { paragraphs } = demo(slug);
  expect(await page.locator('#paywall').count()).toBe(0);
  const body = squash(await page.locator('.article-body').innerText());
  for (const paragraph of paragraphs) expect(body).toContain(squash(paragraph));
  expect(await page.locator('article.article').getAttribute('data-granted')).toBe('true');
}

/** Only the teaser reached the browser: no later paragraph in the DOM or in the bytes sent. */
async function expectTeaserOnly(page: Page, response: Response, slug: string): Promise<void> {
  const [teaser, ...hidden] = demo(slug).paragraphs;
  const dom = await page.content();
  const sent = await response.text();
  expect(squash(await page.locator('.article-body .teaser').innerText())).toBe(squash(teaser ?? ''));
  expect(await page.locator('.article-text').count()).toBe(0);
  expect(hidden.length).toBeGreaterThan(0);
  for (const paragraph of hidden) {
    const fragment = plainFragment(paragraph);
    expect(dom, 'hidden paragraph in the DOM').not.toContain(fragment);
    expect(sent, 'hidden paragraph in the response').not.toContain(fragment);
  }
  expect(await page.locator('article.article').getAttribute('data-granted')).toBe('false');
}

async function meterOf(page: Page): Promise<{ used: number; remaining: number; limit: number }> {
  const response = await page.context().request.get(`${server.baseUrl}/api/v1/meter`);
  expect(response.status()).toBe(200);
  return ((await response.json()) as { meter: { used: number; remaining: number; limit: number } }).meter;
}

describe('paywall journeys in Chromium', () => {
  // Journey 1 and 2 share one anonymous reader: journey 2 runs after the meter is used up.
  let reader: { page: Page; problems: string[] };
  let metered: string[] = [];
  const read: string[] = [];

  it('an anonymous reader gets five metered stories, then the limit paywall; rereads stay free', async () => {
    reader = await newReader();
    const { page, problems } = reader;

    const front = await page.goto(`${server.baseUrl}/`);
    expect(front?.status()).toBe(200);
    expect(await page.title()).toBe(publication);
    expect(squash(await page.locator('a.masthead-name').innerText())).toBe(publication);
    const cssLoaded = await page.evaluate(() => getComputedStyle(document.body).margin);
    expect(cssLoaded, 'site.css applied').toBe('0px');

    // Markets is the demo's premium vertical: its metered stories need its benefit, not the meter.
    metered = (await linkedSlugs(page)).filter(
      (slug) => bySlug.get(slug)?.access === 'metered' && bySlug.get(slug)?.section !== 'markets',
    );
    expect(metered.length, 'metered stories linked from the front page').toBeGreaterThanOrEqual(6);

    // Five distinct metered stories, each counted: 4, 3, 2, 1, 0 left.
    for (const [i, slug] of metered.slice(0, 5).entries()) {
      await openFromFrontPage(page, slug);
      read.push(slug);
      const remaining = 4 - i;
      const banner = page.locator('.meter-banner');
      expect(await banner.count()).toBe(1);
      expect(await banner.getAttribute('data-remaining')).toBe(String(remaining));
      const copy = squash(await banner.innerText());
      if (remaining > 0) {
        expect(copy).toBe(`You have ${remaining} of 5 free articles left this month.`);
      } else {
        expect(copy).toBe(
          'This is your last free article this month. Your free articles renew on 1 December 2026.',
        );
      }
      await expectFullStory(page, slug);
    }
    expect(await meterOf(page)).toMatchObject({ used: 5, remaining: 0, limit: 5 });

    // The sixth: the limit paywall, and only the teaser.
    const sixth = metered[5] ?? '';
    const response = await openFromFrontPage(page, sixth);
    const paywall = page.locator('#paywall');
    expect(await paywall.isVisible()).toBe(true);
    expect(await paywall.getAttribute('data-reason')).toBe('limit_reached');
    expect(await page.locator('.meter-banner').count()).toBe(0);
    const paywallText = squash(await paywall.innerText());
    for (const line of [
      "You've reached your limit of 5 free articles this month.",
      'Subscribe now for unlimited access.',
      'Already subscribed? Log in',
    ]) {
      expect(paywallText).toContain(line);
    }
    expect(await paywall.locator('.paywall-copy a', { hasText: 'Log in' }).getAttribute('href')).toBe(
      `/login?returnTo=/article/${sixth}`,
    );

    const plans = paywall.locator('.plan');
    expect(await plans.count()).toBe(3);
    const shown = await plans.evaluateAll((cards) =>
      cards.map((card) => ({
        plan: card.getAttribute('data-plan'),
        amount: card.querySelector('.amount')?.textContent?.trim(),
        perMonth: card.querySelector('.plan-per-month')?.textContent?.trim(),
        terms: card.querySelector('.plan-terms')?.textContent?.trim(),
        subscribe: card.querySelector('a.button')?.getAttribute('href'),
      })),
    );
    const returnTo = encodeURIComponent(`/article/${sixth}`);
    const expectedPlans = [
      ['smart-quarterly', '₹900', '₹300/Month'],
      ['smart-essential', '₹2,700', '₹225/Month'],
      ['super-saver', '₹3,900', '₹162/Month'],
    ];
    expect(shown).toEqual(
      expectedPlans.map(([plan, amount, perMonth]) => ({
        plan,
        amount,
        perMonth,
        terms: 'Renews automatically, cancel anytime',
        subscribe: `/subscribe?plan=${plan}&returnTo=${returnTo}`,
      })),
    );
    expect(await paywall.locator('.benefits li').count()).toBeGreaterThan(0);
    await expectTeaserOnly(page, response, sixth);
    // A refused read is not counted.
    expect(await meterOf(page)).toMatchObject({ used: 5, remaining: 0 });

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/paywall.png', fullPage: true });

    // Back to a story already read this month: still whole, and still not counted again.
    const first = read[0] ?? '';
    await openFromFrontPage(page, first);
    await expectFullStory(page, first);
    expect(await meterOf(page)).toMatchObject({ used: 5, remaining: 0 });

    expect(problems).toEqual([]);
  });

  it('after the limit, premium stories show the premium paywall and free stories stay free', async () => {
    const { page, problems } = reader;
    await goToFrontPage(page);
    const linked = await linkedSlugs(page);
    const premium = linked.find((slug) => bySlug.get(slug)?.access === 'premium');
    const free = linked.find((slug) => bySlug.get(slug)?.access === 'free');
    expect(premium, 'a premium story on the front page').toBeDefined();
    expect(free, 'a free story on the front page').toBeDefined();

    const response = await openFromFrontPage(page, premium ?? '');
    const paywall = page.locator('#paywall');
    expect(await paywall.isVisible()).toBe(true);
    expect(await paywall.getAttribute('data-reason')).toBe('premium');
    const text = squash(await paywall.innerText());
    expect(text).toContain(`This is a premium story, for subscribers of ${publication}.`);
    expect(text).toContain('Subscribe now for unlimited access to every story.');
    expect(text).not.toContain("You've reached your limit");
    expect(await paywall.locator('.plan').count()).toBe(3);
    expect(await page.locator('.kicker .badge-premium').count()).toBe(1);
    await expectTeaserOnly(page, response, premium ?? '');

    await openFromFrontPage(page, free ?? '');
    await expectFullStory(page, free ?? '');
    expect(await page.locator('.meter-banner').count()).toBe(0);
    expect(await meterOf(page)).toMatchObject({ used: 5, remaining: 0 });

    expect(problems).toEqual([]);
  });

  it('a new reader: premium is walled without touching the meter; the sixth story is readable', async () => {
    const { page, problems } = await newReader();
    const premium = (await (async () => {
      await page.goto(`${server.baseUrl}/`);
      return (await linkedSlugs(page)).find((slug) => bySlug.get(slug)?.access === 'premium');
    })()) as string;

    const response = await openFromFrontPage(page, premium);
    expect(await page.locator('#paywall').getAttribute('data-reason')).toBe('premium');
    await expectTeaserOnly(page, response, premium);
    expect(await meterOf(page)).toMatchObject({ used: 0, remaining: 5 });

    // Control for the "not in the HTML" checks: with meter to spare, the same story's hidden
    // paragraphs are in the page, so their absence above was the paywall's doing.
    const sixth = metered[5] ?? '';
    await openFromFrontPage(page, sixth);
    await expectFullStory(page, sixth);
    const dom = await page.content();
    for (const paragraph of demo(sixth).paragraphs.slice(1)) expect(dom).toContain(plainFragment(paragraph));
    expect(squash(await page.locator('.meter-banner').innerText())).toBe(
      'You have 4 of 5 free articles left this month.',
    );

    expect(problems).toEqual([]);
  });
});
