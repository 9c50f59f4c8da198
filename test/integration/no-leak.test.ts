import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anArticle, buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { aReader } from '../support/reader.js';

// Every hidden paragraph carries this marker; no response to a refused reader may contain it.
const MARKER = 'zqxhiddenmarker';
const body = `<p>The teaser paragraph anyone may read.</p><p>${MARKER} first hidden paragraph.</p><h2>${MARKER} subhead</h2><p>${MARKER} last hidden paragraph.</p>`;
const googlebot = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

function jsonLdOf(html: string): Record<string, unknown> {
  const match = /<script type="application\/ld\+json">(.*?)<\/script>/s.exec(html);
  if (!match?.[1]) throw new Error('no JSON-LD in page');
  return JSON.parse(match[1]) as Record<string, unknown>;
}

describe.each(dialects)('no leaks past the wall on $name', (dialect) => {
  let t: TestApp;
  let premium: { id: string; slug: string };
  let metered: { id: string; slug: string };
  let vertical: { id: string; slug: string };
  let archived: { id: string; slug: string };
  let needsBenefit: { id: string; slug: string };

  beforeAll(async () => {
    t = await buildTestApp(dialect, { env: { CRAWLER_CIDRS: '66.249.64.0/19' } });
    await t.app.inject({
      method: 'PATCH',
      url: '/api/admin/v1/settings',
      headers: t.admin,
      payload: { meter: { freeLimit: 0 } },
    });
    premium = await t.services.content.create(
      anArticle({ access: 'premium', headline: 'Premium leak probe', body }),
    );
    metered = await t.services.content.create(
      anArticle({ access: 'metered', headline: 'Metered leak probe', body }),
    );
    // A premium vertical's story, and a story older than the archive's free window.
    await t.app.inject({
      method: 'PATCH',
      url: '/api/admin/v1/sections/markets',
      headers: t.admin,
      payload: { requiredBenefit: 'market-analysis' },
    });
    vertical = await t.services.content.create(
      anArticle({ access: 'metered', section: 'markets', headline: 'Vertical leak probe', body }),
    );
    archived = await t.services.content.create(
      anArticle({
        access: 'metered',
        headline: 'Archived leak probe',
        body,
        publishedAt: '2001-04-09T08:00:00.000Z',
      }),
    );
    // A story that itself needs a named benefit, made as an editor makes it.
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/admin/v1/articles',
      headers: t.admin,
      payload: {
        ...anArticle({ access: 'metered', headline: 'Benefit leak probe', body }),
        requires: 'epaper',
      },
    });
    expect(created.statusCode).toBe(201);
    needsBenefit = (created.json() as { article: { id: string; slug: string } }).article;
  });
  afterAll(() => t.close());

  const probes = () => [premium, metered, vertical, archived, needsBenefit];

  it('keeps hidden paragraphs out of the article page, its meta tags and its JSON-LD', async () => {
    for (const article of probes()) {
      const page = await aReader(t.app).get(`/article/${article.slug}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('id="paywall"');
      expect(page.body).toContain('The teaser paragraph anyone may read.');
      expect(page.body).not.toContain(MARKER);
      const ld = jsonLdOf(page.body);
      expect(ld).toMatchObject({
        '@type': 'NewsArticle',
        isAccessibleForFree: false,
        hasPart: { '@type': 'WebPageElement', isAccessibleForFree: false, cssSelector: '.paywalled-content' },
      });
      expect(ld).not.toHaveProperty('articleBody');
      expect(page.body).toMatch(/<meta name="description" content="Standfirst of test article \d+\."\/>/);
    }
  });

  it('keeps them out of the print view', async () => {
    for (const article of probes()) {
      const page = await aReader(t.app).get(`/article/${article.slug}/print`);
      expect(page.statusCode).toBe(200);
      expect(page.body).not.toContain(MARKER);
      expect(page.body).toContain('The teaser paragraph anyone may read.');
    }
  });

  it('keeps them out of the JSON API, by id and by slug', async () => {
    for (const article of probes()) {
      for (const key of [article.id, article.slug]) {
        const response = await aReader(t.app).get(`/api/v1/articles/${key}`);
        expect(response.statusCode).toBe(200);
        expect(response.json().access.granted).toBe(false);
        expect(response.json().article.body).toBeUndefined();
        expect(response.body).not.toContain(MARKER);
      }
    }
    expect((await t.app.inject('/api/v1/articles?limit=100')).body).not.toContain(MARKER);
  });

  it('keeps them out of feeds, sitemaps, search results and listings', async () => {
    for (const url of [
      '/feed.xml',
      '/feed.xml?section=politics',
      '/sitemap.xml',
      '/sitemap-2026.xml',
      '/',
      '/section/politics',
      '/archive/2026',
      '/archive/2026/11',
      '/archive/2001',
      '/archive/2001/04',
      '/sitemap-2001.xml',
      '/feed.xml?section=markets',
      '/premium',
      '/archive?q=leak+probe',
      '/api/v1/articles?q=leak+probe',
      '/api/v1/articles?section=markets',
      '/robots.txt',
    ]) {
      const response = await t.app.inject(url);
      expect(response.statusCode, url).toBe(200);
      expect(response.body, url).not.toContain(MARKER);
    }
    // Search matches only what anyone may read, so it cannot be used to probe hidden text.
    for (const url of [
      `/search?q=${MARKER}`,
      `/archive?q=${MARKER}`,
      `/archive?q=${MARKER}&section=markets`,
      `/api/v1/articles?q=${MARKER}`,
      `/api/v1/articles?q=${MARKER}&from=2001-01-01&to=2001-12-31`,
    ]) {
      const response = await t.app.inject(url);
      expect(response.statusCode, url).toBe(200);
      expect(response.body, url).not.toContain('leak probe');
    }
    expect((await t.app.inject('/search?q=teaser+paragraph')).body).toContain('leak probe');
    // A search that finds the walled stories quotes only what anyone may read.
    const found = await t.app.inject('/api/v1/articles?q=teaser+paragraph&limit=100');
    const hits = (found.json() as { articles: { slug: string; snippet: string }[] }).articles;
    expect(hits.map((hit) => hit.slug)).toEqual(expect.arrayContaining(probes().map((p) => p.slug)));
    for (const hit of hits) expect(hit.snippet).toContain('<mark>teaser</mark> <mark>paragraph</mark>');
  });

  it('shows no more than the longest teaser allows: five paragraphs, never a sixth nor a list', async () => {
    const longTeaser =
      '<p>Teaser one.</p><p>Teaser two.</p><ul><li>' +
      MARKER +
      ' list item</li></ul><p>Teaser three.</p><p>Teaser four.<br>Teaser five.</p><p>' +
      MARKER +
      ' sixth paragraph.</p>';
    const article = await t.services.content.create(
      anArticle({ access: 'premium', headline: 'Long teaser probe', body: longTeaser }),
    );
    const set = (teaserParagraphs: number) =>
      t.app.inject({
        method: 'PATCH',
        url: '/api/admin/v1/settings',
        headers: t.admin,
        payload: { paywall: { teaserParagraphs } },
      });
    expect((await set(5)).statusCode).toBe(200);
    try {
      const page = await aReader(t.app).get(`/article/${article.slug}`);
      expect(page.body).toContain('Teaser five.');
      const api = await aReader(t.app).get(`/api/v1/articles/${article.slug}`);
      expect(api.json().article.teaser).toContain('Teaser five.');
      for (const response of [
        page,
        api,
        await aReader(t.app).get(`/article/${article.slug}/print`),
        await aReader(t.app).get(`/api/v1/articles/${article.id}`),
        await t.app.inject('/feed.xml'),
        await t.app.inject('/api/v1/articles?q=long+teaser+probe'),
        await t.app.inject('/archive?q=long+teaser+probe'),
      ])
        expect(response.body).not.toContain(MARKER);
      // Search holds the first paragraph only: a later teaser paragraph finds nothing.
      expect((await t.app.inject('/api/v1/articles?q=teaser+four')).body).not.toContain('Long teaser probe');
    } finally {
      expect((await set(1)).statusCode).toBe(200);
    }
    expect((await aReader(t.app).get(`/article/${article.slug}`)).body).not.toContain('Teaser two.');
  });

  it('treats a Googlebot user agent from an unverified address as an ordinary reader', async () => {
    for (const article of probes()) {
      const page = await aReader(t.app, { 'user-agent': googlebot }).get(`/article/${article.slug}`);
      expect(page.body).toContain('id="paywall"');
      expect(page.body).not.toContain(MARKER);
      const api = await aReader(t.app, { 'user-agent': googlebot }).get(`/api/v1/articles/${article.slug}`);
      expect(api.json().access).toMatchObject({ granted: false });
    }
  });

  it('does not trust X-Forwarded-For unless told to trust a proxy', async () => {
    const page = await aReader(t.app, { 'user-agent': googlebot, 'x-forwarded-for': '66.249.66.1' }).get(
      `/article/${premium.slug}`,
    );
    expect(page.body).not.toContain(MARKER);
  });

  it('believes X-Forwarded-For only from a trusted proxy, reading it from the proxy end', async () => {
    const proxied = await buildTestApp(dialect, {
      env: { CRAWLER_CIDRS: '66.249.64.0/19', TRUST_PROXY: '127.0.0.1' },
    });
    try {
      const article = await proxied.services.content.create(anArticle({ access: 'premium', body }));
      // The client put a crawler address first; the proxy (127.0.0.1) appended the real one.
      const spoofed = await aReader(proxied.app, {
        'user-agent': googlebot,
        'x-forwarded-for': '66.249.66.1, 203.0.113.5',
      }).get(`/article/${article.slug}`);
      expect(spoofed.body).not.toContain(MARKER);
      const crawler = await aReader(proxied.app, {
        'user-agent': googlebot,
        'x-forwarded-for': '66.249.66.1',
      }).get(`/article/${article.slug}`);
      expect(crawler.body).toContain(MARKER);
    } finally {
      await proxied.close();
    }
  });

  it('gives a verified crawler the full text, marked up as paywalled content', async () => {
    const crawlerApp = await buildTestApp(dialect, { env: { CRAWLER_CIDRS: '127.0.0.1/32' } });
    try {
      const article = await crawlerApp.services.content.create(anArticle({ access: 'premium', body }));
      const page = await aReader(crawlerApp.app, { 'user-agent': googlebot }).get(`/article/${article.slug}`);
      expect(page.body).toContain(`${MARKER} last hidden paragraph.`);
      expect(page.body).toContain('class="article-text paywalled-content"');
      expect(jsonLdOf(page.body)).toMatchObject({
        isAccessibleForFree: false,
        hasPart: { cssSelector: '.paywalled-content' },
      });
      // The same address without a crawler user agent is a reader.
      const reader = await aReader(crawlerApp.app).get(`/article/${article.slug}`);
      expect(reader.body).not.toContain(MARKER);
    } finally {
      await crawlerApp.close();
    }
  });

  it('keeps the admin API, which returns whole bodies, closed without a key', async () => {
    for (const headers of [{}, { authorization: 'Bearer mh_admin_forged' }, { authorization: 'Basic abc' }]) {
      const response = await t.app.inject({ url: `/api/admin/v1/articles/${premium.id}`, headers });
      expect(response.statusCode).toBe(401);
      expect(response.body).not.toContain(MARKER);
    }
  });

  it('escapes a headline that carries markup everywhere it appears', async () => {
    const article = await t.services.content.create(
      anArticle({ access: 'free', headline: '<script>alert(1)</script> Headline', body }),
    );
    const page = await aReader(t.app).get(`/article/${article.slug}`);
    expect(page.body).not.toContain('<script>alert(1)</script>');
    expect(jsonLdOf(page.body).headline).toBe('<script>alert(1)</script> Headline');
  });
});
