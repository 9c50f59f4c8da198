import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anArticle, buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { aReader } from '../support/reader.js';

// Full-text search of the archive (FTS5 on SQLite, tsvector on PostgreSQL): ranked, with
// snippets from headline, standfirst and teaser only, filters, and an index kept in step.

const BODY_ONLY = 'zqxbodyonlyword';

interface Hit {
  id: string;
  slug: string;
  url: string;
  headline: string;
  standfirst: string;
  section: string;
  access: string;
  syndicated: unknown;
  publishedAt: string;
  snippet: string;
}

describe.each(dialects)('archive search on $name', (dialect) => {
  let t: TestApp;
  let headlineHit: { id: string; slug: string };
  let teaserHit: { id: string; slug: string };
  let marketsHit: { id: string; slug: string };

  const api = async (query: string): Promise<Hit[]> => {
    const response = await t.app.inject(`/api/v1/articles?${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return (response.json() as { articles: Hit[] }).articles;
  };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    headlineHit = await t.services.content.create(
      anArticle({
        headline: 'Monsoon rains lift the kharif harvest',
        standfirst: 'Sowing is ahead of last year in most states.',
        access: 'premium',
        body: `<p>Farmers in Vidarbha report the best season in years.</p><p>${BODY_ONLY} appears only here, past the teaser.</p>`,
        publishedAt: '2004-07-20T06:00:00.000Z',
      }),
    );
    teaserHit = await t.services.content.create(
      anArticle({
        headline: 'Reservoir levels in the south',
        standfirst: 'Water boards plan for a dry winter.',
        body: '<p>Officials said a weak monsoon had left reservoirs half full.</p><p>More detail follows.</p>',
        publishedAt: '2009-08-03T06:00:00.000Z',
      }),
    );
    marketsHit = await t.services.content.create(
      anArticle({
        headline: 'Fertiliser shares rise on monsoon hopes',
        section: 'markets',
        body: '<p>Dealers bought <b>fertiliser</b> makers &amp; seed companies.</p><p>Rest.</p>',
        publishedAt: '2012-06-11T06:00:00.000Z',
      }),
    );
    await t.services.content.create(
      anArticle({
        headline: 'Monsoon forecast to be published tomorrow',
        publishedAt: '2026-11-16T06:00:00.000Z',
      }),
    );
  });
  afterAll(() => t.close());

  it('ranks headline matches above teaser matches, with highlighted snippets', async () => {
    const hits = await api('q=monsoon');
    expect(
      hits
        .slice(0, 2)
        .map((h) => h.slug)
        .sort(),
    ).toEqual([headlineHit.slug, marketsHit.slug].sort());
    expect(hits[2]!.slug).toBe(teaserHit.slug);
    expect(hits.find((h) => h.slug === headlineHit.slug)!.snippet).toMatch(/<mark>Monsoon<\/mark>/);
    expect(hits[2]!.snippet).toContain('weak <mark>monsoon</mark> had left');
    // The existing fields are all there, and never a body.
    expect(Object.keys(hits[0]!).sort()).toEqual(
      [
        'access',
        'byline',
        'headline',
        'id',
        'publishedAt',
        'requires',
        'section',
        'slug',
        'snippet',
        'standfirst',
        'syndicated',
        'url',
      ].sort(),
    );
  });

  it('matches word forms (rain finds rains) and needs every word', async () => {
    expect((await api('q=rain')).map((h) => h.slug)).toEqual([headlineHit.slug]);
    expect((await api('q=monsoon+reservoirs')).map((h) => h.slug)).toEqual([teaserHit.slug]);
    expect(await api('q=monsoon+nowhereword')).toEqual([]);
  });

  it('never matches or quotes text beyond the teaser', async () => {
    expect(await api(`q=${BODY_ONLY}`)).toEqual([]);
    const page = await aReader(t.app).get(`/archive?q=${BODY_ONLY}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('No stories match.');
    expect(page.body).not.toContain(headlineHit.slug);
    // A hit's snippet comes from its teaser, never from what follows.
    const [vidarbha] = await api('q=vidarbha');
    expect(vidarbha!.snippet).toContain('<mark>Vidarbha</mark>');
    expect(vidarbha!.snippet).not.toContain(BODY_ONLY);
  });

  it('filters by section and by date range, both days included', async () => {
    expect((await api('q=monsoon&section=markets')).map((h) => h.slug)).toEqual([marketsHit.slug]);
    expect(await api('q=monsoon&section=nowhere')).toEqual([]);
    expect((await api('q=monsoon&from=2004-07-20&to=2009-08-03')).map((h) => h.slug)).toEqual([
      headlineHit.slug,
      teaserHit.slug,
    ]);
    expect((await api('q=monsoon&from=2004-07-21')).map((h) => h.slug)).toEqual([
      marketsHit.slug,
      teaserHit.slug,
    ]);
    expect((await api('q=monsoon&to=2004-07-19')).map((h) => h.slug)).toEqual([]);
    expect((await api(`q=monsoon&before=${encodeURIComponent('2009-08-03T06:00:00.000Z')}`)).length).toBe(1);
    const ranked = (await api('q=monsoon')).map((h) => h.slug);
    expect((await api('q=monsoon&limit=1&offset=1')).map((h) => h.slug)).toEqual([ranked[1]]);
    expect((await api('q=monsoon&limit=2&offset=2')).map((h) => h.slug)).toEqual([teaserHit.slug]);
  });

  it('refuses bad filters with a clear 4xx', async () => {
    for (const query of [
      'q=x&from=2010-01-01&to=2009-01-01',
      'q=x&from=yesterday',
      'q=x&offset=-1',
      'q=x&limit=0',
    ]) {
      const response = await t.app.inject(`/api/v1/articles?${query}`);
      expect(response.statusCode, query).toBe(422);
      expect(response.json().error.code).toBe('validation_failed');
    }
    expect((await aReader(t.app).get('/archive?q=x&from=2010-01-01&to=2009-01-01')).statusCode).toBe(422);
  });

  it('treats query syntax as plain words', async () => {
    for (const q of ['monsoon OR "', 'NEAR(monsoon', "monsoon' --", '*', 'monsoon AND', '-monsoon', ':']) {
      const response = await t.app.inject(`/api/v1/articles?q=${encodeURIComponent(q)}`);
      expect(response.statusCode, q).toBe(200);
    }
    expect((await api(`q=${encodeURIComponent('"monsoon" (rains')}`)).map((h) => h.slug)).toEqual([
      headlineHit.slug,
    ]);
  });

  it('shows results on /archive with the filters kept and the text escaped', async () => {
    const page = await aReader(t.app).get('/archive?q=seed&section=markets&from=&to=');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Archive search: seed');
    expect(page.body).toContain(`/article/${marketsHit.slug}`);
    expect(page.body).toContain('makers &amp; <mark>seed</mark> companies');
    expect(page.body).toMatch(/<option value="markets" selected(="")?>/);
    expect((await aReader(t.app).get('/search?q=fertiliser')).body).toContain(marketsHit.slug);
  });

  it('keeps the index in step with edits and deletions', async () => {
    const article = await t.services.content.create(
      anArticle({ headline: 'Zqxoldheadline about tea auctions', publishedAt: '2015-01-05T06:00:00.000Z' }),
    );
    expect((await api('q=zqxoldheadline')).map((h) => h.slug)).toEqual([article.slug]);
    const edited = await t.app.inject({
      method: 'PATCH',
      url: `/api/admin/v1/articles/${article.id}`,
      headers: t.admin,
      payload: { headline: 'Zqxnewheadline about tea auctions', section: 'world' },
    });
    expect(edited.statusCode).toBe(200);
    expect(await api('q=zqxoldheadline')).toEqual([]);
    expect((await api('q=zqxnewheadline&section=world')).map((h) => h.slug)).toEqual([article.slug]);
    const bodyEdit = await t.app.inject({
      method: 'PATCH',
      url: `/api/admin/v1/articles/${article.id}`,
      headers: t.admin,
      payload: { body: '<p>Zqxnewteaser opens the story now.</p><p>Then more.</p>' },
    });
    expect(bodyEdit.statusCode).toBe(200);
    expect((await api('q=zqxnewteaser')).map((h) => h.slug)).toEqual([article.slug]);
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/api/admin/v1/articles/${article.id}`,
      headers: t.admin,
    });
    expect(deleted.statusCode).toBe(204);
    expect(await api('q=zqxnewheadline')).toEqual([]);
    expect(await api('q=zqxnewteaser')).toEqual([]);
  });

  it('finds nothing that is not published yet', async () => {
    expect((await api('q=forecast')).map((h) => h.slug)).toEqual([]);
  });

  it('indexes articles saved before the index existed, at the next start', async () => {
    const article = await t.services.content.create(
      anArticle({ headline: 'Zqxunindexed cotton prices', publishedAt: '2016-01-05T06:00:00.000Z' }),
    );
    await t.database.db.deleteFrom('article_search_docs').where('article_id', '=', article.id).execute();
    expect(await api('q=zqxunindexed')).toEqual([]);
    expect(await t.services.content.upgradeStoredBodies()).toEqual({ upgraded: 0, failed: [], indexed: 1 });
    expect((await api('q=zqxunindexed')).map((h) => h.slug)).toEqual([article.slug]);
  });
});
