import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money } from '../../src/kernel/money.js';
import { aSubscriber } from '../support/billing.js';
import { anArticle, buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { aReader } from '../support/reader.js';

// An article that names a benefit of its own (`requires`): set through the admin API and the
// editor page, refused to readers without it (the meter and premium-stories do not open it),
// read by readers whose plan includes it; with a premium vertical's benefit, both are needed.

const HIDDEN = 'zqxbenefithidden';
const body = `<p>The opening anyone may read.</p><p>${HIDDEN} the rest of the story.</p>`;
const at = '2026-11-15T06:00:00.000Z';
const origin = 'http://127.0.0.1:3000';

type Created = { id: string; slug: string; access: string; requires: string | null };

describe.each(dialects)('an article that requires a benefit on $name', (dialect) => {
  let t: TestApp;
  let storiesOnly: Awaited<ReturnType<typeof aSubscriber>>;
  let epaperOnly: Awaited<ReturnType<typeof aSubscriber>>;
  let epaperAndMarkets: Awaited<ReturnType<typeof aSubscriber>>;
  let article: Created;

  const send = (method: 'POST' | 'PATCH' | 'GET', url: string, payload?: Record<string, unknown>) =>
    t.app.inject({ method, url, headers: t.admin, ...(payload && { payload }) });

  beforeAll(async () => {
    t = await buildTestApp(dialect, { at });
    for (const [slug, name, benefits] of [
      ['stories-only', 'Stories Only', ['premium-stories']],
      ['epaper-only', 'Epaper Only', ['epaper']],
      ['epaper-markets', 'Epaper and Markets', ['epaper', 'market-analysis']],
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
    epaperOnly = await aSubscriber(t, { plan: 'epaper-only' });
    epaperAndMarkets = await aSubscriber(t, { plan: 'epaper-markets' });
    const created = await send('POST', '/api/admin/v1/articles', {
      headline: 'Today in the e-paper',
      section: 'politics',
      body,
      publishedAt: '2026-11-14T06:00:00.000Z',
      requires: 'epaper',
    });
    expect(created.statusCode, created.body).toBe(201);
    article = (created.json() as { article: Created }).article;
  });
  afterAll(() => t.close());

  it('is created through the admin API with requires, premium when no access is given', async () => {
    expect(article).toMatchObject({ access: 'premium', requires: 'epaper' });
    const read = await send('GET', `/api/admin/v1/articles/${article.id}`);
    expect(read.json().article).toMatchObject({ access: 'premium', requires: 'epaper' });
    expect(read.json().article.body).toContain(HIDDEN);
    const listed = (await send('GET', '/api/admin/v1/articles?limit=200')).json() as { articles: Created[] };
    expect(listed.articles.find((a) => a.id === article.id)?.requires).toBe('epaper');
    const metered = await send('POST', '/api/admin/v1/articles', {
      ...anArticle({ access: 'metered', body }),
      requires: 'epaper',
    });
    expect(metered.json().article).toMatchObject({ access: 'metered', requires: 'epaper' });
    const plain = await send('POST', '/api/admin/v1/articles', { ...anArticle({ body }) });
    expect(plain.json().article.requires).toBeNull();
  });

  it('refuses an unknown benefit, and no access without requires, with a 4xx', async () => {
    const unknown = await send('POST', '/api/admin/v1/articles', { ...anArticle(), requires: 'gold' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.code).toBe('validation_failed');
    expect(unknown.json().error.message).toContain('epaper');
    const withoutAccess: Record<string, unknown> = { ...anArticle() };
    delete withoutAccess.access;
    for (const payload of [withoutAccess, { ...withoutAccess, requires: null }]) {
      const refused = await send('POST', '/api/admin/v1/articles', payload);
      expect(refused.statusCode).toBe(422);
      expect(refused.json().error.code).toBe('validation_failed');
    }
    for (const requires of ['gold', 7, '']) {
      const patched = await send('PATCH', `/api/admin/v1/articles/${article.id}`, { requires });
      expect(patched.statusCode, String(requires)).toBe(422);
    }
    const still = await send('GET', `/api/admin/v1/articles/${article.id}`);
    expect(still.json().article.requires).toBe('epaper');
  });

  it('walls it for readers without the benefit, subscribers to stories included, naming it and the plans with it', async () => {
    for (const reader of [aReader(t.app), storiesOnly.browser]) {
      const page = await reader.get(`/article/${article.slug}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('data-reason="vertical"');
      expect(page.body).toContain('This story is part of E-paper.');
      expect(page.body).toMatch(/To read it you need E-paper, included in [^.]*Epaper Only/);
      expect(page.body).not.toContain(HIDDEN);
      expect(page.body).not.toContain('Stories Only</');

      const api = await reader.get(`/api/v1/articles/${article.id}`);
      expect(api.body).not.toContain(HIDDEN);
      expect(api.json().article.body).toBeUndefined();
      expect(api.json().article).toMatchObject({ access: 'premium', requires: 'epaper' });
      expect(api.json().access).toMatchObject({
        granted: false,
        reason: 'vertical',
        requires: [{ benefit: 'epaper', title: 'E-paper' }],
      });
      const plans = api.json().access.plans.map((p: { name: string }) => p.name);
      expect(plans).toEqual(expect.arrayContaining(['Epaper Only', 'Epaper and Markets']));
      expect(plans).not.toContain('Stories Only');
    }
    const listed = (await t.app.inject('/api/v1/articles?section=politics&limit=100')).json() as {
      articles: Created[];
    };
    expect(listed.articles.find((a) => a.id === article.id)).toMatchObject({
      access: 'premium',
      requires: 'epaper',
    });
  });

  it('does not open on the meter, even a metered one with reads left, and counts nothing', async () => {
    const metered = await t.services.content.create(
      anArticle({
        access: 'metered',
        requiredBenefit: 'epaper',
        body,
        publishedAt: '2026-11-14T07:00:00.000Z',
      }),
    );
    const reader = aReader(t.app);
    const page = await reader.get(`/article/${metered.slug}`);
    expect(page.body).toContain('data-reason="vertical"');
    expect(page.body).not.toContain(HIDDEN);
    expect((await reader.get('/api/v1/meter')).json().meter.used).toBe(0);
  });

  it('opens in full to a reader whose plan includes it', async () => {
    for (const subscriber of [epaperOnly, epaperAndMarkets]) {
      const page = await subscriber.browser.get(`/article/${article.slug}`);
      expect(page.body).toContain(HIDDEN);
      expect(page.body).not.toContain('id="paywall"');
      const api = await subscriber.browser.get(`/api/v1/articles/${article.slug}`);
      expect(api.json().access).toMatchObject({ granted: true, reason: 'subscriber' });
      expect(api.json().article.body).toContain(HIDDEN);
    }
  });

  it("needs the section's benefit as well in a premium vertical, naming every one missing", async () => {
    expect(
      (await send('PATCH', '/api/admin/v1/sections/markets', { requires: 'market-analysis' })).statusCode,
    ).toBe(200);
    const both = (
      await send('POST', '/api/admin/v1/articles', {
        ...anArticle({ section: 'markets', access: 'metered', body }),
        requires: 'epaper',
      })
    ).json().article as Created;
    const anonymous = (await aReader(t.app).get(`/api/v1/articles/${both.id}`)).json();
    expect(anonymous.access).toMatchObject({
      granted: false,
      reason: 'vertical',
      requires: [
        { benefit: 'market-analysis', title: 'Market analysis and investment insights' },
        { benefit: 'epaper', title: 'E-paper' },
      ],
    });
    expect(anonymous.access.plans.map((p: { name: string }) => p.name)).toContain('Epaper and Markets');
    expect(anonymous.access.plans.map((p: { name: string }) => p.name)).not.toContain('Epaper Only');
    const page = await aReader(t.app).get(`/article/${both.slug}`);
    expect(page.body).toContain('Market analysis and investment insights and E-paper');
    expect(page.body).not.toContain(HIDDEN);
    const epaper = (await epaperOnly.browser.get(`/api/v1/articles/${both.id}`)).json();
    expect(epaper.access).toMatchObject({
      granted: false,
      reason: 'vertical',
      requires: [{ benefit: 'market-analysis' }],
    });
    expect(epaper.article.body).toBeUndefined();
    const read = (await epaperAndMarkets.browser.get(`/api/v1/articles/${both.id}`)).json();
    expect(read.access).toMatchObject({ granted: true, reason: 'subscriber' });
    expect(read.article.body).toContain(HIDDEN);
  });

  it('is an ordinary premium article again once requires is null, and every change is in the audit log', async () => {
    const cleared = await send('PATCH', `/api/admin/v1/articles/${article.id}`, { requires: null });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json().article).toMatchObject({ access: 'premium', requires: null });
    const read = (await storiesOnly.browser.get(`/api/v1/articles/${article.slug}`)).json();
    expect(read.access).toMatchObject({ granted: true, reason: 'subscriber' });
    const refused = (await epaperOnly.browser.get(`/api/v1/articles/${article.slug}`)).json();
    expect(refused.access).toMatchObject({ granted: false, reason: 'premium' });

    const audit = (await send('GET', '/api/admin/v1/audit-log?action=article.')).json() as {
      entries: { action: string; target: string; before: unknown; after: unknown }[];
    };
    const mine = audit.entries.filter((e) => e.target === article.id);
    expect(mine).toContainEqual(
      expect.objectContaining({
        action: 'article.create',
        after: expect.objectContaining({ requires: 'epaper' }),
      }),
    );
    expect(mine).toContainEqual(
      expect.objectContaining({
        action: 'article.update',
        before: expect.objectContaining({ requires: 'epaper' }),
        after: expect.objectContaining({ requires: null }),
      }),
    );
    // A refused change writes nothing.
    expect(mine.filter((e) => e.action === 'article.update')).toHaveLength(1);
  });

  it('is chosen on the editor page, shown in the article list, and checked against the catalogue', async () => {
    const email = `editor-${Math.random().toString(36).slice(2)}@news.example`;
    const password = 'editor password that is long';
    await t.services.staff.create({ email, password, role: 'editor', name: 'Editor' });
    let cookie = '';
    const page = async (method: 'GET' | 'POST', url: string, fields?: Record<string, string>) => {
      const response = await t.app.inject({
        method,
        url,
        headers: {
          cookie,
          origin,
          ...(fields && { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        ...(fields && { payload: new URLSearchParams(fields).toString() }),
      });
      const set = response.cookies.find((c) => c.name === 'mh_staff');
      if (set) cookie = `mh_staff=${set.value}`;
      return response;
    };
    expect((await page('POST', '/admin/login', { email, password })).statusCode).toBe(303);

    const blank = await page('GET', '/admin/articles/new');
    expect(blank.body).toContain('<select id="requires" name="requires">');
    expect(blank.body).toContain('<option value="epaper">epaper</option>');

    const form = {
      headline: 'Saturday e-paper special',
      standfirst: '',
      slug: '',
      section: 'politics',
      byline: '',
      access: 'premium',
      requires: 'epaper',
      agency: '',
      publishAt: '',
      body,
      intent: 'publish',
    };
    const bad = await page('POST', '/admin/articles', { ...form, requires: 'gold' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Needs a benefit: choose one of');
    expect(bad.body).toContain('value="Saturday e-paper special"');

    const saved = await page('POST', '/admin/articles', form);
    expect(saved.statusCode).toBe(303);
    const location = String(saved.headers.location).split('?')[0]!;
    const editor = await page('GET', location);
    expect(editor.body).toContain('<option value="epaper" selected>epaper</option>');
    const stored = await t.services.content.find(location.split('/').at(-1)!);
    expect(stored).toMatchObject({ access: 'premium', requiredBenefit: 'epaper' });

    const list = await page('GET', '/admin/articles?q=saturday');
    expect(list.body).toContain('needs epaper');

    const walled = (await aReader(t.app).get(`/api/v1/articles/${stored!.slug}`)).json();
    expect(walled.access).toMatchObject({ granted: false, reason: 'vertical' });

    // Back to none from the page.
    const edited = await page('POST', location, { ...form, requires: '', intent: 'save' });
    expect(edited.statusCode).toBe(303);
    expect((await t.services.content.find(stored!.id))?.requiredBenefit).toBeNull();
  });
});
