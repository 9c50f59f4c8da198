import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutTeaser } from '../../src/modules/content/domain.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { multipart } from '../support/epaper.js';
import { signedInStaff, type StaffBrowser } from '../support/staff-browser.js';
import { dialects } from '../support/databases.js';

/** The site's own origin, as a signed-out browser on it would send. */
const origin = 'http://127.0.0.1:3000';

const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

const markdownBody = [
  'The ferry fares fall by **a third** from Monday, the *port trust* said.',
  '',
  '## Who gains',
  '',
  '- commuters',
  '- traders',
  '',
  'Read [the order](https://example.com/order).',
].join('\n');

const articleForm = (overrides: Record<string, string> = {}) => ({
  headline: 'Ferry fares fall',
  standfirst: 'The port trust cuts prices.',
  slug: '',
  section: 'politics',
  byline: 'A. Reporter',
  access: 'free',
  agency: '',
  publishAt: '',
  format: 'markdown',
  body: markdownBody,
  intent: 'publish',
  ...overrides,
});

const editedId = (location: string | undefined) =>
  /^\/admin\/articles\/(art_[0-9A-Za-z]+)\?done=/.exec(location ?? '')?.[1];

/** The editor's textarea, as the page holds it (escaped). */
const textareaOf = (page: string) => /<textarea id="body"[^>]*>([\s\S]*?)<\/textarea>/.exec(page)?.[1];
const unescape = (text: string | undefined) =>
  text
    ?.replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
const checkedFormat = (page: string) =>
  /<input type="radio" name="format" value="(\w+)" checked/.exec(page)?.[1];

/** What must never reach a reader, whatever the editor typed. */
const dangerous = /<script|onerror|onclick|javascript:|<iframe/i;

describe.each(dialects)(
  'articles written in Markdown, through the editor page and the API, on $name',
  (dialect) => {
    let t: TestApp;
    let editor: StaffBrowser;

    beforeAll(async () => {
      t = await buildTestApp(dialect);
      editor = await signedInStaff(t, 'editor');
    });
    afterAll(() => t.close());

    const auditEntries = async () =>
      (
        (await t.app.inject({ url: '/api/admin/v1/audit-log', headers: t.admin })).json() as {
          entries: unknown[];
        }
      ).entries;

    const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
      t.app.inject({ method, url, headers: t.admin, ...(payload && { payload }) });

    it('a new article offers Markdown first, with the cheat-sheet and the live preview script', async () => {
      const page = await editor.get('/admin/articles/new');
      expect(page.statusCode).toBe(200);
      expect(checkedFormat(page.body)).toBe('markdown');
      expect(page.body).toContain('<label for="body">Body</label>');
      expect(page.body).toContain('Markdown help');
      expect(page.body).toContain('data-preview="/admin/articles/preview"');
      expect(page.body).toContain('<script src="/assets/admin-editor.js" defer');
      expect((await t.app.inject({ url: '/assets/admin-editor.js' })).statusCode).toBe(200);
    });

    it('publishes Markdown from the page: the editor reopens with the source, readers get the HTML', async () => {
      const created = await editor.post('/admin/articles', articleForm());
      expect(created.statusCode, created.body).toBe(303);
      const id = editedId(created.headers.location)!;
      const stored = await t.services.content.find(id);
      expect(stored?.bodyMarkdown).toBe(markdownBody);
      expect(stored?.bodyHtml).toContain('<h2>Who gains</h2>');
      // Stored at the longest teaser; readers get it cut to the setting (one paragraph by default).
      expect(cutTeaser(stored?.teaserHtml ?? '', 1)).toBe(
        '<p>The ferry fares fall by <strong>a third</strong> from Monday, the <em>port trust</em> said.</p>',
      );

      const reopened = await editor.get(`/admin/articles/${id}`);
      expect(checkedFormat(reopened.body)).toBe('markdown');
      expect(unescape(textareaOf(reopened.body))).toBe(markdownBody);

      const reader = await t.app.inject({ url: `/article/${stored!.slug}` });
      expect(reader.statusCode).toBe(200);
      expect(reader.body).toContain('<h2>Who gains</h2>');
      expect(reader.body).toContain('<li>traders</li>');
      expect(reader.body).toContain('<strong>a third</strong>');
      expect(reader.body).not.toContain('## Who gains');

      // Edited in Markdown: the new source is kept, the served body follows it.
      const edited = `${markdownBody}\n\n> “A fair price at last,” said a trader.`;
      const saved = await editor.post(`/admin/articles/${id}`, articleForm({ body: edited, intent: 'save' }));
      expect(saved.statusCode, saved.body).toBe(303);
      expect(unescape(textareaOf((await editor.get(`/admin/articles/${id}`)).body))).toBe(edited);
      const again = await t.app.inject({ url: `/article/${stored!.slug}` });
      expect(again.body).toContain('<blockquote>');
      expect(again.body).toContain('A fair price at last');
    });

    it('keeps what a reader gets clean: raw HTML, script links and event handlers in Markdown are removed', async () => {
      const dirty = [
        'Safe lead words <script>alert(1)</script> with [a link](javascript:alert(2)).',
        '',
        '<img src="/x.png" onerror="alert(3)">',
        '',
        '<div onclick="steal()">Boxed words</div>',
        '',
        '<iframe src="https://evil.example"></iframe>',
      ].join('\n');
      const created = await editor.post(
        '/admin/articles',
        articleForm({ headline: 'Dirty markdown', body: dirty }),
      );
      expect(created.statusCode, created.body).toBe(303);
      const stored = await t.services.content.find(editedId(created.headers.location)!);
      // The source is kept as written, for the editor; only the cleaned HTML is served.
      expect(stored?.bodyMarkdown).toBe(dirty);
      expect(stored?.bodyHtml).not.toMatch(dangerous);
      const reader = await t.app.inject({ url: `/article/${stored!.slug}` });
      expect(reader.statusCode).toBe(200);
      expect(reader.body).toContain('Safe lead words');
      expect(reader.body).toContain('Boxed words');
      const main = /<main[\s\S]*<\/main>/.exec(reader.body)?.[0] ?? '';
      expect(main).not.toMatch(dangerous);
    });

    it('an article written in HTML reopens in HTML and stays HTML when saved', async () => {
      const created = await api('POST', '/api/admin/v1/articles', {
        headline: 'Sent as HTML',
        body: '<p>The *stars* stay stars.</p>',
        section: 'politics',
        access: 'free',
      });
      expect(created.statusCode).toBe(201);
      const { article } = created.json() as { article: { id: string; bodyMarkdown: string | null } };
      expect(article.bodyMarkdown).toBeNull();
      const page = await editor.get(`/admin/articles/${article.id}`);
      expect(checkedFormat(page.body)).toBe('html');
      expect(unescape(textareaOf(page.body))).toBe('<p>The *stars* stay stars.</p>');
      const saved = await editor.post(
        `/admin/articles/${article.id}`,
        articleForm({
          headline: 'Sent as HTML',
          format: 'html',
          body: '<p>The *stars* stay stars.</p>',
          intent: 'save',
        }),
      );
      expect(saved.statusCode, saved.body).toBe(303);
      const stored = await t.services.content.find(article.id);
      expect(stored?.bodyMarkdown).toBeNull();
      expect(stored?.bodyHtml).toBe('<p>The *stars* stay stars.</p>');
    });

    it('refuses a format it does not know, and a body with nothing left once cleaned, keeping the form', async () => {
      const unknown = await editor.post(
        '/admin/articles',
        articleForm({ format: 'rtf', headline: 'Bad format' }),
      );
      expect(unknown.statusCode).toBe(422);
      expect(unknown.body).toContain('Body written in: choose Markdown or HTML');
      expect(unknown.body).toContain('value="Bad format"');
      const empty = await editor.post(
        '/admin/articles',
        articleForm({ headline: 'Only a script', body: '<script>alert(1)</script>' }),
      );
      expect(empty.statusCode).toBe(422);
      expect(await t.services.content.list({ q: 'only a script', limit: 5 })).toEqual([]);
    });

    it('the preview shows the teaser as long as the paywall shows it now', async () => {
      const twoParagraphs = 'First of the teaser.\n\nSecond of the teaser.\n\nThird, behind the wall.';
      const set = (teaserParagraphs: number) =>
        t.app.inject({
          method: 'PATCH',
          url: '/api/admin/v1/settings',
          headers: t.admin,
          payload: { paywall: { teaserParagraphs } },
        });
      expect((await set(2)).statusCode).toBe(200);
      const longer = await editor.post('/admin/articles/preview', {
        format: 'markdown',
        body: twoParagraphs,
      });
      const longerTeaser = /<div class="article-body teaser">([\s\S]*?)<\/div>/.exec(longer.body)?.[1];
      expect(longerTeaser).toContain('Second of the teaser.');
      expect(longerTeaser).not.toContain('Third');
      expect((await set(1)).statusCode).toBe(200);
    });

    it('the preview endpoint answers the cleaned body and teaser, writes no audit entry and refuses other sites', async () => {
      const before = await auditEntries();
      const preview = await editor.post('/admin/articles/preview', {
        format: 'markdown',
        body: `${markdownBody}\n\n<script>alert(1)</script><img src=x onerror=alert(2)>`,
      });
      expect(preview.statusCode, preview.body).toBe(200);
      expect(preview.headers['content-type']).toMatch(/^text\/html/);
      expect(preview.body).toMatch(/^<section id="article-preview"/);
      expect(preview.body).toContain('<h2>Who gains</h2>');
      expect(preview.body).toContain('<strong>a third</strong>');
      expect(preview.body).not.toMatch(dangerous);
      // The teaser: the first paragraph only.
      const teaser = /<div class="article-body teaser">([\s\S]*?)<\/div>/.exec(preview.body)?.[1];
      expect(teaser).toContain('a third');
      expect(teaser).not.toContain('Who gains');
      const html = await editor.post('/admin/articles/preview', {
        format: 'html',
        body: '<p>**not bold**</p>',
      });
      expect(html.body).toContain('<p>**not bold**</p>');

      const empty = await editor.post('/admin/articles/preview', {
        format: 'markdown',
        body: '<script>x</script>',
      });
      expect(empty.statusCode).toBe(422);
      expect(empty.body).toContain('no text left once it is cleaned');
      const badFormat = await editor.post('/admin/articles/preview', { format: 'rtf', body: 'Words.' });
      expect(badFormat.statusCode).toBe(422);
      const tooLong = await editor.post('/admin/articles/preview', {
        format: 'markdown',
        body: 'a'.repeat(500_001),
      });
      expect(tooLong.statusCode).toBeGreaterThanOrEqual(400);
      expect(tooLong.statusCode).toBeLessThan(500);

      // The no-script Preview button: the same, within the whole page.
      const page = await editor.post('/admin/articles', articleForm({ intent: 'preview' }));
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<h2>Who gains</h2>');
      expect(await t.services.content.list({ q: 'ferry fares', limit: 10 })).toHaveLength(1);

      expect(await auditEntries()).toEqual(before);
      // A save is written down: the log above would have shown a change.
      await editor.post('/admin/articles', articleForm({ headline: 'Audited save', intent: 'save' }));
      expect(await auditEntries()).not.toEqual(before);

      const crossSite = await editor.post(
        '/admin/articles/preview',
        { format: 'markdown', body: 'Words.' },
        'https://evil.example',
      );
      expect(crossSite.statusCode).toBe(403);
      const signedOut = await t.app.inject({
        method: 'POST',
        url: '/admin/articles/preview',
        headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'format=markdown&body=Words.',
      });
      expect([302, 303, 401]).toContain(signedOut.statusCode);
      expect(signedOut.body).not.toContain('article-preview');
    });

    it('an uploaded image goes into a Markdown body as ![alt](url), where the cursor was', async () => {
      const body = 'First paragraph.\n\nSecond paragraph.';
      const uploaded = await editor.postMultipart(
        '/admin/articles',
        multipart(
          articleForm({
            headline: 'With a picture',
            intent: 'upload',
            body,
            imageAlt: 'A crane [at] dawn',
            cursor: '16',
          }),
          { field: 'image', filename: 'dot.png', type: 'application/octet-stream', content: png },
        ),
      );
      expect(uploaded.statusCode, uploaded.body).toBe(200);
      const path = /\/media\/images\/[0-9a-f]{32}\.png/.exec(uploaded.body)?.[0];
      expect(path).toBeDefined();
      const snippet = `![A crane \\[at\\] dawn](${path})`;
      expect(unescape(textareaOf(uploaded.body))).toBe(`First paragraph.\n\n${snippet}\n\nSecond paragraph.`);
      expect(checkedFormat(uploaded.body)).toBe('markdown');
      // Without a cursor (no script), at the end; in an HTML body, as a figure.
      const atEnd = await editor.postMultipart(
        '/admin/articles',
        multipart(articleForm({ intent: 'upload', format: 'html', body: '<p>Words.</p>' }), {
          field: 'image',
          filename: 'dot.png',
          type: 'application/octet-stream',
          content: png,
        }),
      );
      expect(unescape(textareaOf(atEnd.body))).toBe(
        `<p>Words.</p>\n\n<figure><img src="${path}" alt=""><figcaption></figcaption></figure>`,
      );
      // Saved, the Markdown image is a figure that may open the teaser.
      const saved = await editor.post(
        '/admin/articles',
        articleForm({
          headline: 'Picture first',
          body: `![A crane](${path} "The port at dawn")\n\nLead words.`,
        }),
      );
      const stored = await t.services.content.find(editedId(saved.headers.location)!);
      expect(stored?.teaserHtml).toBe(
        `<figure><img src="${path}" alt="A crane"><figcaption>The port at dawn</figcaption></figure>\n<p>Lead words.</p>`,
      );
    });

    it('the admin API takes bodyMarkdown instead of body: exactly one of them', async () => {
      const base = { headline: 'Written for the API', section: 'politics', access: 'free' };
      const created = await api('POST', '/api/admin/v1/articles', { ...base, bodyMarkdown: markdownBody });
      expect(created.statusCode, created.body).toBe(201);
      const { article } = created.json() as { article: { id: string; body: string; bodyMarkdown: string } };
      expect(article.bodyMarkdown).toBe(markdownBody);
      expect(article.body).toContain('<h2>Who gains</h2>');
      expect(article.body).not.toContain('##');

      const both = await api('POST', '/api/admin/v1/articles', {
        ...base,
        body: '<p>x</p>',
        bodyMarkdown: 'x',
      });
      expect(both.statusCode).toBe(422);
      expect(both.json()).toMatchObject({
        error: { code: 'validation_failed', message: expect.stringContaining('not both') },
      });
      expect((await api('POST', '/api/admin/v1/articles', base)).statusCode).toBe(422);
      expect(
        (await api('POST', '/api/admin/v1/articles', { ...base, bodyMarkdown: '<script>alert(1)</script>' }))
          .statusCode,
      ).toBe(422);
      expect((await api('POST', '/api/admin/v1/articles', { ...base, bodyMarkdown: 42 })).statusCode).toBe(
        422,
      );

      // A change of headline keeps the Markdown; a body in HTML replaces it; Markdown again.
      const url = `/api/admin/v1/articles/${article.id}`;
      const renamed = await api('PATCH', url, { headline: 'Renamed' });
      expect((renamed.json() as { article: { bodyMarkdown: string } }).article.bodyMarkdown).toBe(
        markdownBody,
      );
      const asHtml = await api('PATCH', url, { body: '<p>Now HTML.</p>' });
      expect(asHtml.json()).toMatchObject({ article: { body: '<p>Now HTML.</p>', bodyMarkdown: null } });
      const asMarkdown = await api('PATCH', url, { bodyMarkdown: 'Now *Markdown*.' });
      expect(asMarkdown.json()).toMatchObject({
        article: { body: '<p>Now <em>Markdown</em>.</p>', bodyMarkdown: 'Now *Markdown*.' },
      });
      expect((await api('PATCH', url, { body: '<p>a</p>', bodyMarkdown: 'a' })).statusCode).toBe(422);
      const fetched = await api('GET', url);
      expect(fetched.json()).toMatchObject({ article: { bodyMarkdown: 'Now *Markdown*.' } });

      // The OpenAPI document names the alternative.
      const docs = (await t.app.inject('/api/docs/json')).json() as {
        paths: Record<string, { post?: { requestBody?: { content: Record<string, { schema: unknown }> } } }>;
      };
      const schema = JSON.stringify(docs.paths['/api/admin/v1/articles']?.post?.requestBody);
      expect(schema).toContain('bodyMarkdown');
    });

    it('an older preparation of a Markdown body is redone from the Markdown, not from the stored HTML', async () => {
      const created = await api('POST', '/api/admin/v1/articles', {
        headline: 'Prepared long ago',
        section: 'politics',
        access: 'free',
        bodyMarkdown: 'Lead in *Markdown*.\n\nMore.',
      });
      const { id } = (created.json() as { article: { id: string } }).article;
      await t.database.db
        .updateTable('articles')
        .set({ body_html: '<p>stale</p>', teaser_html: '<p>stale</p>', body_format: 1 })
        .where('id', '=', id)
        .execute();
      expect(await t.services.content.upgradeStoredBodies()).toMatchObject({ upgraded: 1, failed: [] });
      const stored = await t.services.content.find(id);
      expect(stored).toMatchObject({
        bodyHtml: '<p>Lead in <em>Markdown</em>.</p>\n<p>More.</p>',
        // The teaser as stored, at its longest: both paragraphs.
        teaserHtml: '<p>Lead in <em>Markdown</em>.</p>\n<p>More.</p>',
        bodyMarkdown: 'Lead in *Markdown*.\n\nMore.',
      });
    });
  },
);
