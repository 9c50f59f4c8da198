import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upgradeStoredData } from '../../src/server.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { aReader } from '../support/reader.js';

// What the earlier preparation stored for `<p>Lead on <strong>Tuesday<p>zqxwallm…`: the
// unclosed tag nested every later paragraph inside the first, and the teaser took it whole.
const oldTeaser =
  '<p>Markets opened higher on <strong>Tuesday<p>zqxwallm second</p><p>zqxwallm third</p></strong></p>';
const oldBody = oldTeaser;

describe.each(dialects)('articles stored by an older body preparation, on $name', (dialect) => {
  let t: TestApp;
  let slug: string;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/admin/v1/articles',
      headers: t.admin,
      payload: {
        headline: 'Stored long ago',
        section: 'markets',
        access: 'premium',
        body: '<p>Placeholder.</p>',
      },
    });
    slug = (created.json() as { article: { slug: string } }).article.slug;
    // The row as the previous version left it (what migration 0009 marks format 1).
    await t.database.db
      .updateTable('articles')
      .set({
        teaser_html: oldTeaser,
        body_html: oldBody,
        search_text: 'stored long ago markets opened higher on tuesday zqxwallm second zqxwallm third',
        body_format: 1,
      })
      .where('slug', '=', slug)
      .execute();
    t.services.caches.articles.clear();
  });
  afterAll(() => t.close());

  const walledPage = async () => (await aReader(t.app).get(`/article/${slug}`)).body;

  it('are prepared again before serving, so their teaser no longer shows hidden paragraphs', async () => {
    expect(await walledPage()).toContain('zqxwallm');
    const said: string[] = [];
    await upgradeStoredData(t.services, (line) => said.push(line));
    expect(said).toEqual(['Prepared 1 stored article bodies again (teasers and search text).']);
    const page = await walledPage();
    expect(page).toContain('Markets opened higher on');
    expect(page).not.toContain('zqxwallm');
    const search = await t.app.inject({ method: 'GET', url: '/api/v1/articles?q=zqxwallm' });
    expect((search.json() as { articles: unknown[] }).articles).toEqual([]);
    const row = await t.database.db
      .selectFrom('articles')
      .select(['body_format', 'body_html'])
      .where('slug', '=', slug)
      .executeTakeFirstOrThrow();
    expect(row.body_format).toBe(2);
    // The body itself keeps every paragraph, now as siblings.
    expect(row.body_html).toContain('zqxwallm third');
  });

  it('are left alone once prepared: a second run does nothing', async () => {
    expect(await t.services.content.upgradeStoredBodies()).toEqual({ upgraded: 0, failed: [], indexed: 0 });
  });
});
