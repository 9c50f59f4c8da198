import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyFormat } from '../../src/modules/content/domain.js';
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
    expect(row.body_format).toBe(bodyFormat);
    // The body itself keeps every paragraph, now as siblings.
    expect(row.body_html).toContain('zqxwallm third');
  });

  it('are left alone once prepared: a second run does nothing', async () => {
    expect(await t.services.content.upgradeStoredBodies()).toEqual({ upgraded: 0, failed: [], indexed: 0 });
  });

  it('leaves a safe older teaser to the background job, which prepares it again for longer teasers', async () => {
    const created = await t.services.content.create({
      headline: 'Stored one format ago',
      standfirst: 'Standfirst.',
      section: 'politics',
      access: 'premium',
      body: '<p>Para one.</p><p>Para two.</p><p>Para three.</p>',
      publishedAt: '2026-11-01T04:30:00.000Z',
    });
    // What the previous format stored: the first paragraph alone.
    await t.database.db
      .updateTable('articles')
      .set({ teaser_html: '<p>Para one.</p>', body_format: 2 })
      .where('id', '=', created.id)
      .execute();
    const edited = await t.services.content.create({
      headline: 'Saved by this version',
      standfirst: 'Standfirst.',
      section: 'politics',
      access: 'premium',
      body: '<p>Edited one.</p><p>Edited two.</p>',
      publishedAt: '2026-11-01T04:30:00.000Z',
    });
    t.services.caches.articles.clear();
    await t.app.inject({
      method: 'PATCH',
      url: '/api/admin/v1/settings',
      headers: t.admin,
      payload: { paywall: { teaserParagraphs: 3 } },
    });
    const teaser = async (slug: string) =>
      (await aReader(t.app).get(`/api/v1/articles/${slug}`)).json().article.teaser as string;

    const said: string[] = [];
    await upgradeStoredData(t.services, (line) => said.push(line));
    expect(said).toEqual([
      '1 stored article bodies will be prepared again in the background (longer teasers).',
    ]);
    // Not prepared before serving: the old teaser is within any setting.
    expect(await teaser(created.slug)).toBe('<p>Para one.</p>');
    // Starting again queues no second job.
    await upgradeStoredData(t.services, () => undefined);
    const jobs = await t.database.db
      .selectFrom('jobs')
      .select(['id'])
      .where('kind', '=', 'content:prepare-bodies')
      .execute();
    expect(jobs).toHaveLength(1);

    expect(await t.services.worker.runDue({ kinds: ['content:prepare-bodies'] })).toMatchObject({ done: 1 });
    t.services.caches.articles.clear();
    expect(await teaser(created.slug)).toBe('<p>Para one.</p>\n<p>Para two.</p>\n<p>Para three.</p>');
    expect(await teaser(edited.slug)).toBe('<p>Edited one.</p>\n<p>Edited two.</p>');
    expect(await t.services.content.outdatedBodies()).toBe(0);
    await t.app.inject({
      method: 'PATCH',
      url: '/api/admin/v1/settings',
      headers: t.admin,
      payload: { paywall: { teaserParagraphs: 1 } },
    });
  });
});
