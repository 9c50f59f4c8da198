import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anArticle, buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';

const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

function multipart(field: string, filename: string, type: string, bytes: Buffer) {
  const boundary = 'newsroom-test-boundary';
  const payload = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`,
    ),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

describe.each(dialects)('the newsroom on $name', (dialect) => {
  describe('from an empty install', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await buildTestApp(dialect, { noSections: true });
    });
    afterAll(() => t.close());

    it('creates a section and publishes an article through the API alone', async () => {
      expect((await t.app.inject({ url: '/api/admin/v1/sections', headers: t.admin })).json()).toEqual({
        sections: [],
      });
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/admin/v1/sections',
        headers: t.admin,
        payload: { name: 'City News' },
      });
      expect(created.statusCode).toBe(201);
      expect(created.json().section).toMatchObject({
        slug: 'city-news',
        name: 'City News',
        position: 0,
        requires: null,
      });
      const article = await t.app.inject({
        method: 'POST',
        url: '/api/admin/v1/articles',
        headers: t.admin,
        payload: { headline: 'First story', body: '<p>Hello.</p>', section: 'city-news', access: 'free' },
      });
      expect(article.statusCode).toBe(201);
      expect(article.json().article.status).toBe('published');
      const page = await t.app.inject({ url: `/article/${article.json().article.slug}` });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('First story');
    });
  });

  describe('with sections', () => {
    let t: TestApp;
    const post = (url: string, payload?: object) =>
      t.app.inject({ method: 'POST', url, headers: t.admin, ...(payload && { payload }) });
    beforeAll(async () => {
      t = await buildTestApp(dialect);
    });
    afterAll(() => t.close());

    it('refuses a taken section slug with 409 and keeps positions a clean order', async () => {
      expect((await post('/api/admin/v1/sections', { name: 'Politics' })).statusCode).toBe(409);
      const sport = await post('/api/admin/v1/sections', { name: 'Sport', position: 1 });
      expect(sport.json().section.position).toBe(1);
      const moved = await t.app.inject({
        method: 'PATCH',
        url: '/api/admin/v1/sections/sport',
        headers: t.admin,
        payload: { name: 'Sports', slug: 'sports', position: 99, requires: 'market-analysis' },
      });
      expect(moved.statusCode).toBe(200);
      expect(moved.json().section).toMatchObject({
        slug: 'sports',
        name: 'Sports',
        position: 5,
        requires: 'market-analysis',
        requiredBenefit: 'market-analysis',
      });
      const { sections } = (await t.app.inject({ url: '/api/admin/v1/sections', headers: t.admin })).json();
      expect(sections.map((s: { position: number }) => s.position)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(sections.at(-1).slug).toBe('sports');
      // The older field still works.
      const old = await t.app.inject({
        method: 'PATCH',
        url: '/api/admin/v1/sections/sports',
        headers: t.admin,
        payload: { requiredBenefit: null },
      });
      expect(old.json().section.requires).toBeNull();
      const unknown = await t.app.inject({
        method: 'PATCH',
        url: '/api/admin/v1/sections/sports',
        headers: t.admin,
        payload: { requires: 'no-such-benefit' },
      });
      expect(unknown.statusCode).toBe(422);
    });

    it('keeps drafts and taken-down articles from every reader representation', async () => {
      const draft = (
        await post('/api/admin/v1/articles', {
          ...anArticle({ headline: 'Secret draft zebra' }),
          status: 'draft',
        })
      ).json().article;
      expect(draft.status).toBe('draft');
      const drafts = (
        await t.app.inject({ url: '/api/admin/v1/articles?status=draft', headers: t.admin })
      ).json();
      expect(drafts.articles.map((a: { id: string }) => a.id)).toEqual([draft.id]);
      const hidden = async (slug: string, word: string) => {
        expect((await t.app.inject({ url: `/article/${slug}` })).statusCode).toBe(404);
        expect((await t.app.inject({ url: `/api/v1/articles/${slug}` })).statusCode).toBe(404);
        expect((await t.app.inject({ url: '/' })).body).not.toContain(slug);
        expect((await t.app.inject({ url: '/api/v1/articles?limit=50' })).body).not.toContain(slug);
        expect((await t.app.inject({ url: `/api/v1/articles?q=${word}` })).json().articles).toEqual([]);
        for (const url of ['/feed.xml', '/sitemap.xml']) {
          const res = await t.app.inject({ url });
          if (res.statusCode === 200) expect(res.body).not.toContain(slug);
        }
      };
      await hidden(draft.slug, 'zebra');

      const published = (await post(`/api/admin/v1/articles/${draft.id}/publish`)).json().article;
      expect(published.status).toBe('published');
      expect(published.publishedAt).toBe(t.clock.now().toISOString());
      expect((await t.app.inject({ url: `/article/${draft.slug}` })).statusCode).toBe(200);
      expect((await t.app.inject({ url: '/api/v1/articles?q=zebra' })).json().articles).toHaveLength(1);

      const down = (await post(`/api/admin/v1/articles/${draft.id}/unpublish`)).json().article;
      expect(down.status).toBe('unpublished');
      await hidden(draft.slug, 'zebra');
      const listed = (
        await t.app.inject({ url: '/api/admin/v1/articles?status=unpublished', headers: t.admin })
      ).json();
      expect(listed.articles.map((a: { id: string }) => a.id)).toContain(draft.id);
    });

    it('schedules an article with a future publishedAt', async () => {
      const res = await post('/api/admin/v1/articles', {
        ...anArticle({ publishedAt: '2026-12-01T00:00:00.000Z' }),
        status: 'scheduled',
      });
      expect(res.json().article.status).toBe('scheduled');
      expect((await post('/api/admin/v1/articles', { ...anArticle(), status: 'scheduled' })).statusCode).toBe(
        422,
      );
      const scheduled = (
        await t.app.inject({ url: '/api/admin/v1/articles?status=scheduled', headers: t.admin })
      ).json();
      expect(scheduled.articles.map((a: { id: string }) => a.id)).toContain(res.json().article.id);
    });

    it('pins a lead story that the front page shows first, and falls back once it is taken down', async () => {
      const older = (
        await post(
          '/api/admin/v1/articles',
          anArticle({ headline: 'Pinned lead story', publishedAt: '2026-10-01T00:00:00.000Z' }),
        )
      ).json().article;
      await post(
        '/api/admin/v1/articles',
        anArticle({ headline: 'Newest story', publishedAt: '2026-11-14T00:00:00.000Z' }),
      );
      const leadOf = async () =>
        /card-lead[\s\S]*?<h2[^>]*>([\s\S]*?)<\/h2>/.exec((await t.app.inject({ url: '/' })).body)?.[1] ?? '';
      expect(await leadOf()).toContain('Newest story');
      const pinned = await post('/api/admin/v1/front-page', { leadArticleId: older.slug });
      expect(pinned.json()).toEqual({ frontPage: { leadArticleId: older.id } });
      expect(await leadOf()).toContain('Pinned lead story');
      expect((await post('/api/admin/v1/front-page', { leadArticleId: 'no-such-article' })).statusCode).toBe(
        422,
      );
      await post(`/api/admin/v1/articles/${older.id}/unpublish`);
      expect(await leadOf()).toContain('Newest story');
      await post('/api/admin/v1/front-page', { leadArticleId: null });
    });

    it('stores an uploaded image, serves it, and lets a body show it; refuses what is not an image', async () => {
      const upload = await t.app.inject({
        method: 'POST',
        url: '/api/admin/v1/images',
        headers: { ...t.admin, ...multipart('file', 'dot.png', 'image/png', png).headers },
        payload: multipart('file', 'dot.png', 'image/png', png).payload,
      });
      expect(upload.statusCode).toBe(201);
      const { image } = upload.json();
      expect(image).toMatchObject({ type: 'image/png', bytes: png.length });
      const served = await t.app.inject({ url: image.path });
      expect(served.statusCode).toBe(200);
      expect(served.headers['content-type']).toBe('image/png');
      expect(served.rawPayload.equals(png)).toBe(true);

      const article = (
        await post('/api/admin/v1/articles', {
          ...anArticle({ access: 'free' }),
          body: `<p>Look.</p><figure><img src="${image.path}" alt="A dot"></figure><p>More.</p>`,
        })
      ).json().article;
      const full = (
        await t.app.inject({ url: `/api/admin/v1/articles/${article.id}`, headers: t.admin })
      ).json();
      expect(full.article.body).toContain(`<img src="${image.path}" alt="A dot">`);

      const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
      const refused = await t.app.inject({
        method: 'POST',
        url: '/api/admin/v1/images',
        headers: { ...t.admin, ...multipart('file', 'x.png', 'image/png', svg).headers },
        payload: multipart('file', 'x.png', 'image/png', svg).payload,
      });
      expect(refused.statusCode).toBe(422);
      expect((await t.app.inject({ url: '/media/images/../../session-secret' })).statusCode).toBe(404);
    });

    it('never lets script, event handlers or javascript: URLs through a saved body', async () => {
      const nasty = [
        '<p>Hi<script>alert(1)</script></p>',
        '<p><img src=x onerror="alert(1)">text</p>',
        '<p><a href="javascript:alert(1)">click</a></p>',
        '<p><a href="JaVaScRiPt&colon;alert(1)">click</a></p>',
        '<p><a href="  java\tscript:alert(1)">tab</a></p>',
        '<p><svg onload=alert(1)></svg>svg</p>',
        '<p><iframe src="javascript:alert(1)"></iframe>frame</p>',
        '<p style="background:url(javascript:alert(1))" onclick="x()">styled</p>',
        '<p><img src="data:text/html;base64,PHNjcmlwdD4=">data</p>',
        '<p><math><mtext><table><mglyph><style><img src=x onerror=alert(1)>mx</p>',
        '<p><noscript><p title="</noscript><img src=x onerror=alert(1)>">ns</p>',
      ];
      for (const body of nasty) {
        const res = await post('/api/admin/v1/articles', {
          ...anArticle({ access: 'free' }),
          body: `${body}<p>Safe text.</p>`,
        });
        // A body whose text all sits inside something dropped whole is refused as empty: safe too.
        if (res.statusCode === 422) continue;
        expect(res.statusCode, body).toBe(201);
        const stored = (
          await t.app.inject({ url: `/api/admin/v1/articles/${res.json().article.id}`, headers: t.admin })
        ).json().article.body as string;
        expect(stored, body).not.toMatch(/<script|\son\w+=|javascript:|data:text|<svg|<iframe|style=/i);
        const page = await t.app.inject({ url: `/article/${res.json().article.slug}` });
        expect(page.body, body).not.toMatch(/javascript:alert|onerror=|onload=|<script>alert/i);
      }
    });

    it('refuses bad input with a 4xx, never a 500', async () => {
      for (const payload of [
        {},
        { name: '' },
        { name: '!!!' },
        { name: 'X', position: -1 },
        { name: 'X', extra: 1 },
      ]) {
        const res = await post('/api/admin/v1/sections', payload);
        expect(res.statusCode, JSON.stringify(payload)).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, JSON.stringify(payload)).toBeLessThan(500);
      }
      expect((await post('/api/admin/v1/articles/no-such/publish')).statusCode).toBe(404);
      expect((await post('/api/admin/v1/articles/no-such/unpublish')).statusCode).toBe(404);
      expect(
        (await t.app.inject({ url: '/api/admin/v1/articles?status=lost', headers: t.admin })).statusCode,
      ).toBe(422);
      expect(
        (await t.app.inject({ method: 'POST', url: '/api/admin/v1/sections', payload: { name: 'x' } }))
          .statusCode,
      ).toBe(401);
    });
  });
});
