import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money } from '../../src/kernel/money.js';
import { aSubscriber } from '../support/billing.js';
import { anArticle, buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { aReader } from '../support/reader.js';

// Premium stories (/premium), premium verticals (a section that needs a benefit) and the
// archive's age rule, entitled and not, on the page and through the JSON API.

const HIDDEN = 'zqxverticalhidden';
const body = `<p>The opening anyone may read.</p><p>${HIDDEN} the rest of the story.</p>`;
const at = '2026-11-15T06:00:00.000Z';
const hoursAgo = (hours: number) => new Date(Date.parse(at) - hours * 3_600_000).toISOString();

describe.each(dialects)('subscriber benefits for reading on $name', (dialect) => {
  let t: TestApp;
  let storiesOnly: Awaited<ReturnType<typeof aSubscriber>>;
  let marketsOnly: Awaited<ReturnType<typeof aSubscriber>>;
  let everything: Awaited<ReturnType<typeof aSubscriber>>;

  const patch = (url: string, payload: unknown) =>
    t.app.inject({ method: 'PATCH', url, headers: t.admin, payload: payload as Record<string, unknown> });

  beforeAll(async () => {
    t = await buildTestApp(dialect, { at });
    for (const [slug, name, benefits] of [
      ['stories-only', 'Stories Only', ['premium-stories']],
      ['markets-only', 'Markets Only', ['market-analysis']],
    ] as const) {
      await t.services.plans.create({
        slug,
        name,
        term: { unit: 'month', count: 1 },
        prices: [money(10_000, 'INR')],
        benefits: [...benefits],
      });
    }
    storiesOnly = await aSubscriber(t, { plan: 'stories-only' });
    marketsOnly = await aSubscriber(t, { plan: 'markets-only' });
    everything = await aSubscriber(t, { plan: 'smart-essential' });
  });
  afterAll(() => t.close());

  describe('premium stories', () => {
    let today: { slug: string };
    let yesterday: { slug: string };
    let lastWeek: { slug: string };
    let meteredToday: { slug: string };

    beforeAll(async () => {
      today = await t.services.content.create(
        anArticle({ access: 'premium', headline: 'Premium from this morning', publishedAt: hoursAgo(2) }),
      );
      yesterday = await t.services.content.create(
        anArticle({ access: 'premium', headline: 'Premium from the day before', publishedAt: hoursAgo(30) }),
      );
      lastWeek = await t.services.content.create(
        anArticle({ access: 'premium', headline: 'Premium from last week', publishedAt: hoursAgo(24 * 7) }),
      );
      meteredToday = await t.services.content.create(
        anArticle({ access: 'metered', headline: 'Metered from this morning', publishedAt: hoursAgo(1) }),
      );
      await t.services.content.create(
        anArticle({
          access: 'premium',
          headline: 'Premium scheduled for tomorrow',
          publishedAt: hoursAgo(-20),
        }),
      );
    });

    it('/premium lists the last 24 hours first, then older premium stories, each marked Premium', async () => {
      const page = await aReader(t.app).get('/premium');
      expect(page.statusCode).toBe(200);
      const [latest, earlier] = page.body.split('id="premium-earlier"');
      expect(latest).toContain(`/article/${today.slug}`);
      expect(latest).not.toContain(`/article/${yesterday.slug}`);
      expect(earlier).toContain(`/article/${yesterday.slug}`);
      expect(earlier).toContain(`/article/${lastWeek.slug}`);
      expect(earlier!.indexOf(yesterday.slug)).toBeLessThan(earlier!.indexOf(lastWeek.slug));
      expect(page.body).not.toContain(meteredToday.slug);
      expect(page.body).not.toContain('Premium scheduled for tomorrow');
      const cards = page.body.match(/<article class="card">[\s\S]*?<\/article>/g) ?? [];
      expect(cards.length).toBe(3);
      for (const card of cards) expect(card).toContain('class="badge badge-premium"');
    });

    it('pages older premium stories with before=', async () => {
      const page = await aReader(t.app).get(`/premium?before=${encodeURIComponent(hoursAgo(24 * 2))}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).not.toContain('id="premium-latest"');
      expect(page.body).toContain(lastWeek.slug);
      expect(page.body).not.toContain(yesterday.slug);
      expect((await aReader(t.app).get('/premium?before=yesterday')).statusCode).toBe(422);
    });

    it('marks premium stories in section listings, the front page and search results', async () => {
      for (const url of ['/', '/section/politics', '/archive?q=premium+morning', '/archive/2026/11']) {
        const page = await aReader(t.app).get(url);
        expect(page.statusCode, url).toBe(200);
        const card = new RegExp(
          `<article class="card[^"]*">((?!</article>)[\\s\\S])*${today.slug}[\\s\\S]*?</article>`,
        );
        expect(card.exec(page.body)?.[0], url).toContain('badge-premium');
      }
    });

    it('opens them in full only to readers with premium-stories', async () => {
      const walled = await aReader(t.app).get(`/article/${today.slug}`);
      expect(walled.body).toContain('data-reason="premium"');
      const read = await storiesOnly.browser.get(`/api/v1/articles/${today.slug}`);
      expect(read.json().access).toMatchObject({ granted: true, reason: 'subscriber' });
      const refused = await marketsOnly.browser.get(`/api/v1/articles/${today.slug}`);
      expect(refused.json().access).toMatchObject({
        granted: false,
        reason: 'premium',
        requires: [{ benefit: 'premium-stories', title: 'Exclusive premium stories online' }],
      });
      expect(refused.json().access.plans.map((p: { name: string }) => p.name)).not.toContain('Markets Only');
    });
  });

  describe('a premium vertical', () => {
    let metered: { id: string; slug: string };
    let premium: { id: string; slug: string };
    let sample: { id: string; slug: string };

    beforeAll(async () => {
      const changed = await patch('/api/admin/v1/sections/markets', { requiredBenefit: 'market-analysis' });
      expect(changed.statusCode, changed.body).toBe(200);
      metered = await t.services.content.create(
        anArticle({ section: 'markets', access: 'metered', headline: 'Vertical metered analysis', body }),
      );
      premium = await t.services.content.create(
        anArticle({ section: 'markets', access: 'premium', headline: 'Vertical premium analysis', body }),
      );
      sample = await t.services.content.create(
        anArticle({ section: 'markets', access: 'free', headline: 'Vertical free sample', body }),
      );
    });

    it('is set through the admin API, which refuses unknown benefits and sections', async () => {
      const listed = await t.app.inject({ url: '/api/admin/v1/sections', headers: t.admin });
      expect(listed.json().sections).toContainEqual(
        expect.objectContaining({ slug: 'markets', requiredBenefit: 'market-analysis' }),
      );
      expect(listed.json().sections).toContainEqual(
        expect.objectContaining({ slug: 'politics', requiredBenefit: null }),
      );
      const unknownBenefit = await patch('/api/admin/v1/sections/markets', { requiredBenefit: 'gold' });
      expect(unknownBenefit.statusCode).toBe(422);
      expect(unknownBenefit.json().error.code).toBe('validation_failed');
      expect(unknownBenefit.json().error.message).toContain('market-analysis');
      expect(
        (await patch('/api/admin/v1/sections/markets', { requiredBenefit: 'gold', x: 1 })).statusCode,
      ).toBe(422);
      expect((await patch('/api/admin/v1/sections/nowhere', { requiredBenefit: null })).statusCode).toBe(404);
      expect(
        (await t.app.inject({ method: 'PATCH', url: '/api/admin/v1/sections/markets', payload: {} }))
          .statusCode,
      ).toBe(401);
    });

    it('walls its metered and premium stories for readers without the benefit, saying what is needed and which plans include it', async () => {
      for (const article of [metered, premium]) {
        for (const reader of [aReader(t.app), storiesOnly.browser]) {
          const page = await reader.get(`/article/${article.slug}`);
          expect(page.statusCode).toBe(200);
          expect(page.body).toContain('data-reason="vertical"');
          expect(page.body).toContain('Market analysis and investment insights');
          expect(page.body).toMatch(
            /included in Smart Quarterly, Smart Essential, Super Saver and Markets Only/,
          );
          expect(page.body).not.toContain(HIDDEN);
          // The plan cards offered are the ones that unlock the story.
          expect(page.body).toContain('Markets Only');
          expect(page.body).not.toContain('Stories Only');

          const api = await reader.get(`/api/v1/articles/${article.id}`);
          expect(api.body).not.toContain(HIDDEN);
          expect(api.json().article.body).toBeUndefined();
          expect(api.json().access).toMatchObject({
            granted: false,
            reason: 'vertical',
            requires: [{ benefit: 'market-analysis', title: 'Market analysis and investment insights' }],
          });
          expect(api.json().access.plans.map((p: { name: string }) => p.name)).toEqual([
            'Smart Quarterly',
            'Smart Essential',
            'Super Saver',
            'Markets Only',
          ]);
        }
      }
    });

    it('does not open on the meter, which it leaves untouched', async () => {
      const reader = aReader(t.app);
      await reader.get(`/article/${metered.slug}`);
      expect((await reader.get('/api/v1/meter')).json().meter.used).toBe(0);
    });

    it('opens in full to readers with its benefit, on the page and through the API', async () => {
      for (const subscriber of [marketsOnly, everything]) {
        for (const article of [metered, premium]) {
          const page = await subscriber.browser.get(`/article/${article.slug}`);
          expect(page.body).toContain(HIDDEN);
          expect(page.body).not.toContain('id="paywall"');
          const api = await subscriber.browser.get(`/api/v1/articles/${article.slug}`);
          expect(api.json().access).toMatchObject({ granted: true, reason: 'subscriber' });
          expect(api.json().article.body).toContain(HIDDEN);
        }
      }
    });

    it('keeps a free story of the vertical free: the sample an editor gives away', async () => {
      const page = await aReader(t.app).get(`/article/${sample.slug}`);
      expect(page.body).toContain(HIDDEN);
      expect(page.body).toContain('"isAccessibleForFree":true');
    });

    it('is an ordinary section again once its requirement is removed', async () => {
      expect((await patch('/api/admin/v1/sections/markets', { requiredBenefit: null })).statusCode).toBe(200);
      const api = await storiesOnly.browser.get(`/api/v1/articles/${premium.slug}`);
      expect(api.json().access).toMatchObject({ granted: true, reason: 'subscriber' });
      expect(
        (await patch('/api/admin/v1/sections/markets', { requiredBenefit: 'market-analysis' })).statusCode,
      ).toBe(200);
    });
  });

  describe('the archive', () => {
    let old: { id: string; slug: string };
    let oldFree: { slug: string };

    beforeAll(async () => {
      old = await t.services.content.create(
        anArticle({
          access: 'metered',
          headline: 'Archive probe from 2001',
          body,
          publishedAt: '2001-04-09T08:00:00.000Z',
        }),
      );
      oldFree = await t.services.content.create(
        anArticle({
          access: 'free',
          headline: 'Free archive story',
          body,
          publishedAt: '2001-04-10T08:00:00.000Z',
        }),
      );
    });

    it('needs archives for a story older than the window (30 days by default)', async () => {
      for (const reader of [aReader(t.app), storiesOnly.browser]) {
        const page = await reader.get(`/article/${old.slug}`);
        expect(page.body).toContain('data-reason="archive"');
        expect(page.body).toContain('This story is from our archive.');
        expect(page.body).not.toContain(HIDDEN);
        const api = await reader.get(`/api/v1/articles/${old.id}`);
        expect(api.json().access).toMatchObject({
          granted: false,
          reason: 'archive',
          requires: [{ benefit: 'archives', title: 'Archives' }],
        });
        expect(api.body).not.toContain(HIDDEN);
      }
      const subscriber = await everything.browser.get(`/api/v1/articles/${old.id}`);
      expect(subscriber.json().article.body).toContain(HIDDEN);
      expect((await aReader(t.app).get(`/article/${oldFree.slug}`)).body).toContain(HIDDEN);
    });

    it('follows archives.freeDays, changed through the settings API and checked there', async () => {
      const settings = await t.app.inject({ url: '/api/admin/v1/settings', headers: t.admin });
      expect(settings.json().settings.archives).toEqual({ freeDays: 30 });
      for (const freeDays of [-1, 1.5, 'thirty', 100_000]) {
        const bad = await patch('/api/admin/v1/settings', { archives: { freeDays } });
        expect(bad.statusCode, String(freeDays)).toBe(422);
        expect(bad.json().error.code).toBe('validation_failed');
      }
      expect((await patch('/api/admin/v1/settings', { archives: { freeDays: 36_500 } })).statusCode).toBe(
        200,
      );
      const reader = aReader(t.app);
      const read = await reader.get(`/api/v1/articles/${old.id}`);
      expect(read.json().access).toMatchObject({ granted: true, reason: 'metered' });
      expect((await patch('/api/admin/v1/settings', { archives: { freeDays: 30 } })).statusCode).toBe(200);
      const again = await aReader(t.app).get(`/api/v1/articles/${old.id}`);
      expect(again.json().access).toMatchObject({ granted: false, reason: 'archive' });
    });

    it('browses by year and by month', async () => {
      const archive = await aReader(t.app).get('/archive');
      expect(archive.body).toContain('href="/archive/2001"');
      const year = await aReader(t.app).get('/archive/2001');
      expect(year.body).toContain('href="/archive/2001/04"');
      expect(year.body).toContain(old.slug);
      const month = await aReader(t.app).get('/archive/2001/04');
      expect(month.body).toContain('Archive: April 2001');
      expect(month.body).toContain(old.slug);
      expect((await aReader(t.app).get('/archive/2001/05')).body).not.toContain(old.slug);
      expect((await aReader(t.app).get('/archive/2001/13')).statusCode).toBe(422);
    });
  });
});
