import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benefitKeys } from '../../src/modules/plans/index.js';
import { demoPlans } from '../../src/seed/demo.js';
import { demoAdSlotHtml, seedDemoAdSlot } from '../../src/seed/demo-benefits.js';
import { aSubscriber } from '../support/billing.js';
import { aBrowser, type Browser } from '../support/browser.js';
import { anArticle, buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';

const adOrigin = 'https://ads.example-network.test';
const inline = "window.adSlotMarker = 'inline-ad-script-7731';";
/** An ad tag as ad servers write them: an element, an external script and an inline one. */
const slotHtml =
  `<div id="div-gpt-ad-7731" class="publisher-ad-7731">ad-markup-7731</div>` +
  `<script async src="${adOrigin}/tag/js/gpt.js"></script>` +
  `<script>${inline}</script>`;

/** Every trace the slot could leave in a page's bytes. */
const traces = [
  'ad-slot',
  'ad-markup-7731',
  'div-gpt-ad-7731',
  adOrigin,
  'inline-ad-script-7731',
  'Advertisement',
];

describe.each(dialects)('the ad slot and ad-free reading on $name', (dialect) => {
  let t: TestApp;
  let slug: string;
  let anonymous: Browser;
  let adFree: Browser;
  let premiumOnly: Browser;

  const patchAds = (ads: Record<string, unknown>) =>
    t.app.inject({ method: 'PATCH', url: '/api/admin/v1/settings', headers: t.admin, payload: { ads } });

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    slug = (await t.services.content.create(anArticle({ access: 'free', section: 'markets' }))).slug;
    // A plan with premium stories but not ad-free: its subscribers still see the slot.
    await t.services.plans.create({
      ...demoPlans[0]!,
      slug: 'premium-only',
      name: 'Premium Only',
      benefits: ['premium-stories'],
    });
    expect(benefitKeys).toContain('ad-free');
    anonymous = aBrowser(t.app);
    adFree = (await aSubscriber(t)).browser; // the reference plans include every benefit
    premiumOnly = (await aSubscriber(t, { plan: 'premium-only' })).browser;
    const saved = await patchAds({ slotHtml, scriptSources: [adOrigin] });
    expect(saved.statusCode, saved.body).toBe(200);
  });
  afterAll(() => t.close());

  const pages = () => ['/', '/section/markets', `/article/${slug}`];

  it('shows the slot, as written, to a reader without ad-free, and lets its scripts run on that page', async () => {
    for (const reader of [anonymous, premiumOnly]) {
      for (const url of pages()) {
        const page = await reader.get(url);
        expect(page.statusCode, url).toBe(200);
        expect(page.body, url).toContain(slotHtml);
        expect(page.body.split('class="ad-slot"'), url).toHaveLength(2); // one slot a page
        const policy = String(page.headers['content-security-policy']);
        const hash = createHash('sha256').update(inline).digest('base64');
        expect(policy, url).toMatch(
          new RegExp(`script-src 'self' ${adOrigin} 'sha256-${hash.replace(/[+/]/g, '\\$&')}'`),
        );
        expect(policy, url).toContain(`frame-src 'self' ${adOrigin}`);
        expect(policy, url).not.toContain('unsafe-inline');
      }
    }
    // Pages that are not reading (the account) carry no slot and the strict policy.
    const account = await premiumOnly.get('/account');
    expect(account.body).not.toContain('ad-slot');
    expect(String(account.headers['content-security-policy'])).not.toContain(adOrigin);
  });

  it('sends a reader with ad-free pages with no slot, no ad markup and no ad script at all', async () => {
    const strict = String((await anonymous.get('/account')).headers['content-security-policy']);
    for (const url of pages()) {
      const page = await adFree.get(url);
      expect(page.statusCode, url).toBe(200);
      for (const trace of traces) expect(page.body, `${url}: ${trace}`).not.toContain(trace);
      expect(page.headers['content-security-policy'], url).toBe(strict);
      expect(page.body, url).toContain('</html>'); // the whole page, and still without it
    }
  });

  it('never serves the cached ad-free article page to a reader who sees ads, nor the other way round', async () => {
    const cache = t.services.caches.articlePages;
    const get = cache.get.bind(cache);
    let renders = 0;
    cache.get = (key, load) =>
      get(key, async () => {
        renders++;
        return load();
      });
    try {
      const article = await t.services.content.create(anArticle({ access: 'free' }));
      const url = `/article/${article.slug}`;
      const withAds = async (reader: Browser) => (await reader.get(url)).body.includes(slotHtml);
      const noTrace = async (reader: Browser) => {
        const body = (await reader.get(url)).body;
        return traces.every((trace) => !body.includes(trace));
      };
      expect(await noTrace(adFree)).toBe(true);
      expect(await noTrace(adFree)).toBe(true);
      const afterAdFree = renders;
      expect(await withAds(anonymous)).toBe(true);
      expect(await withAds(anonymous)).toBe(true);
      expect(await withAds(premiumOnly)).toBe(true);
      expect(await noTrace(adFree)).toBe(true);
      expect(await withAds(anonymous)).toBe(true);
      // The pages were served from the cache (a reread renders nothing), and still apart.
      expect(afterAdFree).toBe(1);
      expect(renders).toBeLessThanOrEqual(3);
    } finally {
      cache.get = get;
    }
  });

  it('validates the slot: size, and scripts only from the listed https origins', async () => {
    const big = await patchAds({ slotHtml: 'x'.repeat(16 * 1024 + 1) });
    expect(big.statusCode).toBe(422);
    expect(big.json().error.message).toMatch(/ads\.slotHtml: expected at most 16384 bytes/);
    const unlisted = await patchAds({ slotHtml: '<script src="https://other.example/ad.js"></script>' });
    expect(unlisted.statusCode).toBe(422);
    expect(unlisted.json().error.message).toMatch(/https:\/\/other\.example is not allowed/);
    const relative = await patchAds({ slotHtml: '<script src="/ad.js"></script>' });
    expect(relative.statusCode).toBe(422);
    const plain = await patchAds({ scriptSources: ['http://insecure.example'] });
    expect(plain.statusCode).toBe(422);
    const path = await patchAds({ scriptSources: [`${adOrigin}/tag`] });
    expect(path.statusCode).toBe(422);
    // Nothing of the refused changes was saved.
    const stored = await t.app.inject({ url: '/api/admin/v1/settings', headers: t.admin });
    expect(stored.json().settings.ads).toEqual({ slotHtml, scriptSources: [adOrigin] });
  });

  it('shows no slot to anyone once the publisher clears it; the demo seeds a house ad', async () => {
    expect((await patchAds({ slotHtml: '' })).statusCode).toBe(200);
    const page = await anonymous.get('/');
    expect(page.body).not.toContain('ad-slot');
    // Cleared on purpose: the demo seed does not put its slot back.
    expect(await seedDemoAdSlot(t.services)).toBe(false);

    const fresh = await buildTestApp(dialect);
    try {
      expect(await seedDemoAdSlot(fresh.services)).toBe(true);
      expect((await aBrowser(fresh.app).get('/')).body).toContain(demoAdSlotHtml);
      const subscriber = await aSubscriber(fresh);
      expect((await subscriber.browser.get('/')).body).not.toContain('ad-slot');
    } finally {
      await fresh.close();
    }
  });
});
