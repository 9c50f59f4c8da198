import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anArticle, buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { aReader } from '../support/reader.js';

describe.each(dialects)('reading on $name', (dialect) => {
  let t: TestApp;
  const metered: string[] = [];
  let premium: string;
  let free: string;
  let wire: string;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    for (let i = 0; i < 25; i++)
      metered.push((await t.services.content.create(anArticle({ access: 'metered' }))).slug);
    premium = (
      await t.services.content.create(anArticle({ access: 'premium', headline: 'A premium investigation' }))
    ).slug;
    free = (await t.services.content.create(anArticle({ access: 'free' }))).slug;
    wire = (
      await t.services.content.create(
        anArticle({
          access: 'free',
          syndicated: { agency: 'Asia Wire Service' },
          byline: 'Asia Wire Service',
        }),
      )
    ).slug;
  });
  afterAll(() => t.close());

  const paywalled = (html: string) => html.includes('id="paywall"');

  it('lets an anonymous reader read up to the limit, showing what is left, then shows the paywall', async () => {
    const reader = aReader(t.app);
    for (let i = 0; i < 5; i++) {
      const page = await reader.get(`/article/${metered[i]}`);
      expect(page.statusCode).toBe(200);
      expect(paywalled(page.body)).toBe(false);
      expect(page.body).toContain(`Second paragraph`);
      const left = 4 - i;
      expect(page.body).toContain(
        left > 0
          ? `You have ${left} of 5 free articles left this month.`
          : 'This is your last free article this month.',
      );
    }
    const blocked = await reader.get(`/article/${metered[5]}`);
    expect(blocked.statusCode).toBe(200);
    expect(paywalled(blocked.body)).toBe(true);
    expect(blocked.body).toContain("You've reached your limit of 5 free articles this month.");
    expect(blocked.body).toContain('Subscribe now for unlimited access.');
    expect(blocked.body).toContain(
      `Already subscribed? <a href="/login?returnTo=/article/${metered[5]}">Log in</a>`,
    );
    expect(blocked.body).toContain('Opening paragraph'); // the teaser
    expect(blocked.body).not.toContain('Second paragraph');
    for (const text of [
      'Smart Quarterly',
      '₹900',
      '₹300/Month',
      'Smart Essential',
      '₹2,700',
      '₹225/Month',
      'Super Saver',
      '₹3,900',
      '₹162/Month',
    ]) {
      expect(blocked.body).toContain(text);
    }
    expect(blocked.body).toContain('Renews automatically, cancel anytime');
    expect(blocked.body).toContain('Exclusive premium stories online');
  });

  it('lets a reader reread an article already read this month after the limit', async () => {
    const reader = aReader(t.app);
    for (let i = 0; i < 5; i++) await reader.get(`/article/${metered[i]}`);
    expect(paywalled((await reader.get(`/article/${metered[6]}`)).body)).toBe(true);
    const reread = await reader.get(`/article/${metered[2]}`);
    expect(paywalled(reread.body)).toBe(false);
    expect(reread.body).toContain('Second paragraph');
    expect(reread.body).toContain('You have read this article before this month, so it did not count.');
  });

  it('never counts free articles', async () => {
    const reader = aReader(t.app);
    for (let i = 0; i < 8; i++) await reader.get(`/article/${free}`);
    const meter = await reader.get('/api/v1/meter');
    expect(meter.json().meter).toMatchObject({ limit: 5, used: 0, remaining: 5 });
    expect(paywalled((await reader.get(`/article/${free}`)).body)).toBe(false);
  });

  it('does not count a HEAD request (link previews, prefetchers) against the meter', async () => {
    const reader = aReader(t.app);
    await reader.get('/api/v1/meter');
    const head = await t.app.inject({
      method: 'HEAD',
      url: `/article/${metered[20]}`,
      headers: { cookie: reader.cookie },
    });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
    expect((await reader.get('/api/v1/meter')).json().meter.used).toBe(0);
  });

  it('keeps API answers out of shared caches', async () => {
    const response = await aReader(t.app).get(`/api/v1/articles/${free}`);
    expect(response.headers['cache-control']).toBe('private, no-store');
    expect(response.json().article.body).toContain('Second paragraph');
  });

  it('shows premium articles behind a premium paywall, not the limit copy', async () => {
    const reader = aReader(t.app);
    const page = await reader.get(`/article/${premium}`);
    expect(paywalled(page.body)).toBe(true);
    expect(page.body).toContain('data-reason="premium"');
    expect(page.body).toContain('This is a premium story');
    expect(page.body).not.toContain('reached your limit');
    expect((await reader.get('/api/v1/meter')).json().meter.used).toBe(0);
  });

  it('shows the syndication disclaimer with the publication name', async () => {
    const page = await aReader(t.app).get(`/article/${wire}`);
    expect(page.body).toContain(
      'Disclaimer: No The Daily Ledger journalist was involved in creation of this content.',
    );
  });

  it('counts a granted metered read through the API exactly as the page does', async () => {
    const reader = aReader(t.app);
    const first = await reader.get(`/api/v1/articles/${metered[10]}`);
    expect(first.json()).toMatchObject({
      access: { granted: true, reason: 'metered', meter: { used: 1, remaining: 4 } },
    });
    expect(first.json().article.body).toContain('Second paragraph');
    await reader.get(`/article/${metered[11]}`);
    expect((await reader.get('/api/v1/meter')).json().meter).toMatchObject({ used: 2, remaining: 3 });
    for (let i = 12; i < 15; i++) await reader.get(`/api/v1/articles/${metered[i]}`);
    const refused = (await reader.get(`/api/v1/articles/${metered[15]}`)).json();
    expect(refused.access).toMatchObject({
      granted: false,
      reason: 'limit_reached',
      meter: { used: 5, remaining: 0 },
    });
    expect(refused.article.body).toBeUndefined();
  });

  it('grants exactly the limit to 20 parallel requests for 20 different articles by one reader', async () => {
    const reader = aReader(t.app);
    await reader.get('/api/v1/meter'); // receive the reader cookie first
    const pages = await Promise.all(metered.slice(0, 20).map((slug) => reader.get(`/article/${slug}`)));
    expect(pages.filter((page) => !paywalled(page.body))).toHaveLength(5);
    expect((await reader.get('/api/v1/meter')).json().meter.used).toBe(5);
  });

  it('a forged cookie cannot choose a reader id', async () => {
    // A reader who has used up the meter…
    const spent = aReader(t.app);
    for (let i = 0; i < 5; i++) await spent.get(`/article/${metered[i]}`);
    const signed = /mh_reader=([^;]+)/.exec(spent.cookie)![1]!;
    const id = decodeURIComponent(signed).split('.')[0]!;
    // …is claimed by someone sending that id unsigned, or with a made-up signature.
    for (const forged of [id, `${id}.forgedsignature`]) {
      const page = await t.app.inject({
        url: `/article/${metered[7]}`,
        headers: { cookie: `mh_reader=${forged}` },
      });
      expect(paywalled(page.body)).toBe(false); // a fresh reader, not the spent one
      const issued = page.cookies.find((c) => c.name === 'mh_reader')?.value ?? '';
      expect(decodeURIComponent(issued).split('.')[0]).not.toBe(id);
    }
    // The genuine cookie still carries the spent meter.
    expect(paywalled((await spent.get(`/article/${metered[7]}`)).body)).toBe(true);
  });

  it('takes no reader cookie that another secret signed, though this process verified it for its own app', async () => {
    const spent = aReader(t.app);
    for (let i = 0; i < 5; i++) await spent.get(`/article/${metered[i]}`);
    const other = await buildTestApp(dialect, {
      env: { SESSION_SECRET: `${'another-secret-'.repeat(3)}0123` },
    });
    try {
      const slug = (await other.services.content.create(anArticle({ access: 'metered' }))).slug;
      const page = await other.app.inject({ url: `/article/${slug}`, headers: { cookie: spent.cookie } });
      // A fresh reader there: the cookie was refused and a new one issued.
      expect(page.cookies.find((c) => c.name === 'mh_reader')).toBeDefined();
    } finally {
      await other.close();
    }
    expect(paywalled((await spent.get(`/article/${metered[7]}`)).body)).toBe(true);
  });

  it('resets the meter at the start of the next month in the publication time zone', async () => {
    const reader = aReader(t.app);
    for (let i = 0; i < 5; i++) await reader.get(`/article/${metered[i]}`);
    expect((await reader.get('/api/v1/meter')).json().meter).toMatchObject({
      used: 5,
      resetsAt: '2026-11-30T18:30:00.000Z',
    });
    t.clock.set('2026-11-30T18:30:00.000Z');
    try {
      expect((await reader.get('/api/v1/meter')).json().meter).toMatchObject({ used: 0, remaining: 5 });
      expect(paywalled((await reader.get(`/article/${metered[8]}`)).body)).toBe(false);
    } finally {
      t.clock.set('2026-11-15T06:00:00.000Z');
    }
  });

  it('serves plans over the API in minor units', async () => {
    const { plans } = (await t.app.inject('/api/v1/plans')).json();
    expect(
      plans.map((p: { name: string; price: unknown; perMonth: unknown; interval: unknown }) => [
        p.name,
        p.price,
        p.interval,
        p.perMonth,
      ]),
    ).toEqual([
      [
        'Smart Quarterly',
        { amount: 90000, currency: 'INR' },
        { unit: 'month', count: 3 },
        { amount: 30000, currency: 'INR' },
      ],
      [
        'Smart Essential',
        { amount: 270000, currency: 'INR' },
        { unit: 'year', count: 1 },
        { amount: 22500, currency: 'INR' },
      ],
      [
        'Super Saver',
        { amount: 390000, currency: 'INR' },
        { unit: 'year', count: 2 },
        { amount: 16200, currency: 'INR' },
      ],
    ]);
    expect(plans[0].benefits.map((b: { key: string }) => b.key)).toContain('epaper');
  });

  it('pages back by instant, whatever offset "before" is written in', async () => {
    const late = await t.services.content.create(
      anArticle({ publishedAt: '2026-11-10T20:00:00.000Z', headline: 'Published at eight UTC' }),
    );
    // 00:30 on the 11th in India is 19:00 UTC on the 10th: before the article.
    const ist = (await t.app.inject('/api/v1/articles?before=2026-11-11T00:30:00%2B05:30&limit=100')).json();
    expect(ist.articles.map((a: { id: string }) => a.id)).not.toContain(late.id);
    const utc = (await t.app.inject('/api/v1/articles?before=2026-11-10T20:00:01Z&limit=100')).json();
    expect(utc.articles.map((a: { id: string }) => a.id)).toContain(late.id);
  });

  it('lists articles without bodies and filters them', async () => {
    const { articles } = (await t.app.inject('/api/v1/articles?section=politics&limit=3')).json();
    expect(articles).toHaveLength(3);
    expect(Object.keys(articles[0]).sort()).toEqual(
      [
        'access',
        'byline',
        'headline',
        'id',
        'publishedAt',
        'requires',
        'section',
        'slug',
        'standfirst',
        'syndicated',
        'url',
      ].sort(),
    );
  });

  it('answers bad input with a 4xx in the documented error shape', async () => {
    const bad = await t.app.inject('/api/v1/articles?limit=100000');
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ error: { code: 'validation_failed' } });
    const missing = await t.app.inject('/api/v1/articles/no-such-article');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'not_found', message: 'The article was not found.' } });
    expect((await t.app.inject('/article/no-such-article')).statusCode).toBe(404);
    expect((await t.app.inject('/article/%3Cscript%3E')).statusCode).toBe(422);
    expect((await t.app.inject('/archive/notayear')).statusCode).toBe(422);
  });

  it('does not show scheduled articles before their time', async () => {
    const scheduled = await t.services.content.create(
      anArticle({ publishedAt: '2026-12-24T00:00:00.000Z', headline: 'Christmas eve special' }),
    );
    expect((await t.app.inject(`/article/${scheduled.slug}`)).statusCode).toBe(404);
    expect((await t.app.inject('/api/v1/articles?q=christmas')).json().articles).toEqual([]);
  });

  it('serves the front page, sections, archive, search and health', async () => {
    for (const url of [
      '/',
      '/section/politics',
      '/archive',
      '/archive/2026',
      '/search?q=test',
      '/feed.xml',
      '/sitemap.xml',
      '/sitemap-2026.xml',
      '/robots.txt',
    ]) {
      expect((await t.app.inject(url)).statusCode, url).toBe(200);
    }
    expect((await t.app.inject('/section/nope')).statusCode).toBe(404);
    expect((await t.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
  });

  it('sends security headers and keeps pages out of shared caches', async () => {
    const page = await aReader(t.app).get(`/article/${free}`);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['cache-control']).toBe('private, no-cache');
    expect(page.cookies.find((c) => c.name === 'mh_reader')).toMatchObject({
      httpOnly: true,
      sameSite: 'Lax',
      path: '/',
    });
  });

  it('describes the JSON API in an OpenAPI document, without the HTML pages', async () => {
    const document = (await t.app.inject('/api/docs/json')).json();
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/articles',
        '/api/v1/articles/{idOrSlug}',
        '/api/v1/meter',
        '/api/v1/plans',
        '/api/admin/v1/articles',
        '/api/admin/v1/settings',
      ]),
    );
    expect(Object.keys(document.paths).some((path) => path.startsWith('/article/'))).toBe(false);
    expect((await t.app.inject('/api/docs')).statusCode).toBeLessThan(400);
  });
});
