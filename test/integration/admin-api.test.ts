import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { aReader } from '../support/reader.js';

describe.each(dialects)('admin API on $name', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(() => t.close());

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: t.admin,
      ...(payload !== undefined && { payload: payload as object }),
    });

  it('refuses every admin call without a valid key', async () => {
    const { paths } = (await t.app.inject('/api/docs/json')).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const calls = Object.entries(paths)
      .filter(([path]) => path.startsWith('/api/admin/'))
      .flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => [method.toUpperCase(), path.replace('{id}', 'x')] as const),
      );
    expect(calls.length).toBeGreaterThanOrEqual(7);
    for (const [method, url] of calls) {
      for (const authorization of [
        undefined,
        'Bearer mh_admin_forgedforgedforgedforgedforgedforgedforgedf',
        'Basic abc',
      ]) {
        const response = await t.app.inject({
          method: method as 'GET',
          url,
          headers: authorization ? { authorization } : {},
          payload: method === 'GET' || method === 'DELETE' ? undefined : { meter: { freeLimit: 1000 } },
        });
        expect(response.statusCode, `${method} ${url}`).toBe(401);
        expect(response.json()).toMatchObject({ error: { code: 'unauthorized' } });
      }
    }
    expect((await call('GET', '/api/admin/v1/settings')).json().settings.meter.freeLimit).toBe(5);
  });

  it('refuses a revoked key at once', async () => {
    const { id, key } = await t.services.apiKeys.create('short-lived', 'admin');
    const headers = { authorization: `Bearer ${key}` };
    expect((await t.app.inject({ url: '/api/admin/v1/settings', headers })).statusCode).toBe(200);
    expect(await t.services.apiKeys.revoke(id)).toBe(true);
    expect((await t.app.inject({ url: '/api/admin/v1/settings', headers })).statusCode).toBe(401);
  });

  it('creates, reads, updates, lists and deletes an article', async () => {
    const created = await call('POST', '/api/admin/v1/articles', {
      headline: 'Rupee firms as exporters sell dollars',
      standfirst: 'The currency ends at a three-week high.',
      body: '<p>First.</p><p>Second.</p><script>bad()</script>',
      section: 'markets',
      access: 'metered',
      syndicated: { agency: 'Asia Wire Service' },
    });
    expect(created.statusCode).toBe(201);
    const article = created.json().article;
    expect(article).toMatchObject({
      slug: 'rupee-firms-as-exporters-sell-dollars',
      url: 'http://127.0.0.1:3000/article/rupee-firms-as-exporters-sell-dollars',
      section: 'markets',
      access: 'metered',
      syndicated: { agency: 'Asia Wire Service' },
      status: 'published',
      publishedAt: '2026-11-15T06:00:00.000Z',
    });
    expect(article.id).toMatch(/^art_[0-9a-z]{26}$/);
    expect(article.body).toBe('<p>First.</p>\n<p>Second.</p>');
    expect((await aReader(t.app).get(`/article/${article.slug}`)).statusCode).toBe(200);

    const updated = await call('PATCH', `/api/admin/v1/articles/${article.id}`, {
      access: 'premium',
      headline: 'Rupee firms further',
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json().article).toMatchObject({
      access: 'premium',
      headline: 'Rupee firms further',
      slug: article.slug,
    });

    const listed = await call('GET', '/api/admin/v1/articles?section=markets');
    expect(listed.json().articles.map((a: { id: string }) => a.id)).toContain(article.id);

    expect((await call('DELETE', `/api/admin/v1/articles/${article.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/api/admin/v1/articles/${article.id}`)).statusCode).toBe(404);
    expect((await call('DELETE', `/api/admin/v1/articles/${article.id}`)).statusCode).toBe(404);
  });

  it('schedules an article with a future publishedAt', async () => {
    const created = await call('POST', '/api/admin/v1/articles', {
      headline: 'Embargoed results',
      body: '<p>Numbers.</p>',
      section: 'markets',
      access: 'free',
      publishedAt: '2026-11-16T09:00:00+05:30',
    });
    expect(created.json().article).toMatchObject({
      status: 'scheduled',
      publishedAt: '2026-11-16T03:30:00.000Z',
    });
    expect((await aReader(t.app).get(`/article/${created.json().article.slug}`)).statusCode).toBe(404);
  });

  it('gives a taken slug a suffix, and refuses a taken explicit slug', async () => {
    const input = { headline: 'Same headline', body: '<p>x</p>', section: 'world', access: 'free' };
    const first = (await call('POST', '/api/admin/v1/articles', input)).json().article;
    const second = (await call('POST', '/api/admin/v1/articles', input)).json().article;
    expect(second.slug).toBe(`${first.slug}-2`);
    const clash = await call('POST', '/api/admin/v1/articles', { ...input, slug: first.slug });
    expect(clash.statusCode).toBe(409);
  });

  it('gives parallel creations of one headline distinct slugs instead of failing', async () => {
    const input = { headline: 'Racing headline', body: '<p>x</p>', section: 'world', access: 'free' };
    const responses = await Promise.all(
      Array.from({ length: 4 }, () => call('POST', '/api/admin/v1/articles', input)),
    );
    expect(responses.map((r) => r.statusCode)).toEqual([201, 201, 201, 201]);
    expect(new Set(responses.map((r) => r.json().article.slug)).size).toBe(4);
  });

  it('refuses bad articles with a 4xx that says what is wrong, and saves nothing', async () => {
    const before = await t.services.content.count();
    const cases: [unknown, number, RegExp][] = [
      [{ headline: 'x', body: '<p>x</p>', section: 'world', access: 'gold' }, 422, /access/],
      [{ headline: 'x', body: '<p>x</p>', section: 'sport', access: 'free' }, 422, /no section "sport"/],
      [{ headline: '', body: '<p>x</p>', section: 'world', access: 'free' }, 422, /headline/],
      [{ headline: 'x', body: '<script>only()</script>', section: 'world', access: 'free' }, 422, /no text/],
      [
        { headline: 'x', body: '<p>x</p>', section: 'world', access: 'free', publishedAt: 'yesterday' },
        422,
        /publishedAt/,
      ],
      [{ headline: 'x', body: '<p>x</p>', section: 'world', access: 'free', colour: 'red' }, 422, /colour/],
    ];
    for (const [payload, status, message] of cases) {
      const response = await call('POST', '/api/admin/v1/articles', payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(status);
      expect(response.json().error.message).toMatch(message);
    }
    const malformed = await t.app.inject({
      method: 'POST',
      url: '/api/admin/v1/articles',
      headers: { ...t.admin, 'content-type': 'application/json' },
      payload: '{"headline": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(await t.services.content.count()).toBe(before);
  });

  it('changes the meter limit', async () => {
    const response = await call('PATCH', '/api/admin/v1/settings', { meter: { freeLimit: 3 } });
    expect(response.statusCode).toBe(200);
    expect(response.json().settings.meter.freeLimit).toBe(3);
    expect((await aReader(t.app).get('/api/v1/meter')).json().meter).toMatchObject({
      limit: 3,
      remaining: 3,
    });
    await call('PATCH', '/api/admin/v1/settings', { meter: { freeLimit: 5 } });
  });

  it('refuses an invalid paywall template with a 422 naming the problem, keeping the old one', async () => {
    const cases: [string, RegExp][] = [
      ['Limit: {{ free_limt }}', /unknown variable free_limt/],
      ['{{ free_limit | shout }}', /unknown filter: shout/],
      ['{% if used %}open', /not closed/],
    ];
    for (const [template, message] of cases) {
      const response = await call('PATCH', '/api/admin/v1/settings', { paywall: { template } });
      expect(response.statusCode).toBe(422);
      expect(response.json().error).toMatchObject({ code: 'invalid_template' });
      expect(response.json().error.message).toMatch(message);
      expect(response.json().error.message).toMatch(/^paywall\.template: /);
    }
    const settings = (await call('GET', '/api/admin/v1/settings')).json().settings;
    expect(settings.paywall.template).toContain("You've reached your limit");
  });

  it('uses a new paywall template at once', async () => {
    const template =
      '<p>{{ publication_name }} gives {{ free_limit }} stories a month; you have read {{ used }}.</p>';
    expect(
      (await call('PATCH', '/api/admin/v1/settings', { paywall: { template }, meter: { freeLimit: 1 } }))
        .statusCode,
    ).toBe(200);
    const [a, b] = await Promise.all([
      t.services.content.create({
        headline: 'Template probe one',
        body: '<p>a</p><p>b</p>',
        section: 'world',
        access: 'metered',
        publishedAt: '2026-11-01T00:00:00Z',
      }),
      t.services.content.create({
        headline: 'Template probe two',
        body: '<p>a</p><p>b</p>',
        section: 'world',
        access: 'metered',
        publishedAt: '2026-11-01T00:00:00Z',
      }),
    ]);
    const reader = aReader(t.app);
    await reader.get(`/article/${a.slug}`);
    const page = await reader.get(`/article/${b.slug}`);
    expect(page.body).toContain('The Daily Ledger gives 1 stories a month; you have read 1.');
    await call('PATCH', '/api/admin/v1/settings', { meter: { freeLimit: 5 } });
  });

  it('merges a change into settings an older version stored: keeps valid fields, drops retired ones', async () => {
    const store = (value: unknown) =>
      t.database.db
        .updateTable('settings')
        .set({ value: JSON.stringify(value) })
        .where('key', '=', 'meter')
        .execute();
    await store({ freeLimit: 4, bannerTemplate: 'Read {{ remaining }} more.', retiredOption: true });
    const kept = await call('PATCH', '/api/admin/v1/settings', { meter: { freeLimit: 6 } });
    expect(kept.statusCode).toBe(200);
    expect(kept.json().settings.meter).toEqual({
      freeLimit: 6,
      bannerTemplate: 'Read {{ remaining }} more.',
      // A field this version added takes its default.
      uncountedSections: [],
    });
    // A stored value that is now invalid is named, not silently replaced by a default.
    await store({ freeLimit: 4, bannerTemplate: 'Read {{ remaning }} more.' });
    const refused = await call('PATCH', '/api/admin/v1/settings', { meter: { freeLimit: 6 } });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.message).toMatch(
      /meter\.bannerTemplate: invalid template: unknown variable remaning/,
    );
    await store({});
    await call('PATCH', '/api/admin/v1/settings', { meter: { freeLimit: 5 } });
  });

  it('refuses unknown settings sections and bad values', async () => {
    expect((await call('PATCH', '/api/admin/v1/settings', { nosuch: {} })).statusCode).toBe(422);
    expect((await call('PATCH', '/api/admin/v1/settings', { meter: { freeLimit: -1 } })).statusCode).toBe(
      422,
    );
    expect(
      (await call('PATCH', '/api/admin/v1/settings', { publication: { timeZone: 'Mars/Olympus' } }))
        .statusCode,
    ).toBe(422);
    // The name is the sender's name of every mail, and a line of every page's header.
    expect(
      (
        await call('PATCH', '/api/admin/v1/settings', {
          publication: { name: 'The Ledger\r\nBcc: x@example.com' },
        })
      ).statusCode,
    ).toBe(422);
  });

  it('renames the publication', async () => {
    expect(
      (await call('PATCH', '/api/admin/v1/settings', { publication: { name: 'The Evening Ledger' } }))
        .statusCode,
    ).toBe(200);
    expect((await aReader(t.app).get('/')).body).toContain(
      '<a class="masthead-name" href="/">The Evening Ledger</a>',
    );
    await call('PATCH', '/api/admin/v1/settings', { publication: { name: 'The Daily Ledger' } });
  });
});
