import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { multipart } from '../support/epaper.js';
import { signedInStaff, type StaffBrowser } from '../support/staff-browser.js';
import { dialects } from '../support/databases.js';

const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

const articleForm = (overrides: Record<string, string> = {}) => ({
  headline: 'Council approves the river plan',
  standfirst: 'A vote after two years of debate.',
  slug: '',
  section: 'politics',
  byline: 'A. Reporter',
  access: 'metered',
  agency: '',
  publishAt: '',
  body: '<p>The council voted on Monday.</p><p>Work starts in spring.</p>',
  intent: 'save',
  ...overrides,
});

/** The id in a redirect to the editor, `/admin/articles/:id?done=…`. */
const editedId = (location: string | undefined) =>
  /^\/admin\/articles\/(art_[0-9A-Za-z]+)\?done=/.exec(location ?? '')?.[1];

const previewOf = (body: string) => /<article class="article-body">([\s\S]*?)<\/article>/.exec(body)?.[1];

describe.each(dialects)('the newsroom’s article pages on $name', (dialect) => {
  let t: TestApp;
  let editor: StaffBrowser;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    editor = await signedInStaff(t, 'editor');
  });
  afterAll(() => t.close());

  it('saves a draft from the form and lists it among the drafts', async () => {
    const created = await editor.post('/admin/articles', articleForm({ headline: 'A draft about bridges' }));
    expect(created.statusCode).toBe(303);
    const id = editedId(created.headers.location);
    expect(id).toBeDefined();
    const article = await t.services.content.find(id!);
    expect(article).toMatchObject({
      status: 'draft',
      headline: 'A draft about bridges',
      byline: 'A. Reporter',
    });
    const page = await editor.get(created.headers.location!);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Draft saved.');
    expect(page.body).toContain('A draft about bridges');
    const drafts = await editor.get('/admin/articles?status=draft&q=bridges');
    expect(drafts.body).toContain(`/admin/articles/${id}`);
    expect((await editor.get('/admin/articles?status=published&q=bridges')).body).not.toContain(
      `/admin/articles/${id}`,
    );
  });

  it('previews the body as readers get it: no script and no event attribute, in the preview or stored', async () => {
    const dirty =
      '<p>Safe words.</p><script>alert(1)</script><p><img src="/x.png" onerror="alert(2)">More</p><a href="javascript:alert(3)">link</a>';
    const preview = await editor.post('/admin/articles', articleForm({ body: dirty, intent: 'preview' }));
    expect(preview.statusCode).toBe(200);
    const shown = previewOf(preview.body);
    expect(shown).toContain('Safe words.');
    expect(shown).not.toMatch(/<script|onerror|javascript:/i);
    // What was typed is still in the form, escaped, and nothing was saved.
    expect(preview.body).toContain('&lt;script>alert(1)&lt;/script>');
    expect(await t.services.content.list({ q: 'council approves', limit: 10 })).toEqual([]);

    const saved = await editor.post(
      '/admin/articles',
      articleForm({ body: dirty, headline: 'Cleaned on save' }),
    );
    const stored = await t.services.content.find(editedId(saved.headers.location)!);
    expect(stored?.bodyHtml).toContain('Safe words.');
    expect(stored?.bodyHtml).not.toMatch(/<script|onerror|javascript:/i);
  });

  it('keeps what the editor typed when a save is refused, and names the problem', async () => {
    const refused = await editor.post(
      '/admin/articles',
      articleForm({ headline: '', body: '<p>Words worth keeping.</p>', slug: 'Not A Slug' }),
    );
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('role="alert"');
    expect(refused.body).toContain('Headline: give the article a headline');
    expect(refused.body).toContain('Slug: use lowercase words');
    expect(refused.body).toContain('&lt;p>Words worth keeping.&lt;/p>');
    const badTime = await editor.post('/admin/articles', articleForm({ publishAt: 'next tuesday' }));
    expect(badTime.statusCode).toBe(422);
    expect(badTime.body).toContain('Publish time: expected a date and a time');
    const unknownSection = await editor.post('/admin/articles', articleForm({ section: 'no-such-section' }));
    expect(unknownSection.statusCode).toBe(422);
    expect(unknownSection.body).toContain('There is no section &quot;no-such-section&quot;.');
    expect(unknownSection.body).toContain('Council approves the river plan');
  });

  it('publishes a draft, then unpublishes it: it leaves the site and stays in the newsroom', async () => {
    const created = await editor.post('/admin/articles', articleForm({ headline: 'Ferry fares fall' }));
    const id = editedId(created.headers.location)!;
    const published = await editor.post(
      `/admin/articles/${id}`,
      articleForm({ headline: 'Ferry fares fall', intent: 'publish' }),
    );
    expect(published.statusCode).toBe(303);
    expect(published.headers.location).toBe(`/admin/articles/${id}?done=published`);
    const article = (await t.services.content.find(id))!;
    expect(article.status).toBe('published');
    expect(article.publishedAt).toBe(t.clock.now().toISOString());
    expect((await t.app.inject({ url: `/article/${article.slug}` })).statusCode).toBe(200);

    const editorPage = await editor.get(`/admin/articles/${id}`);
    expect(editorPage.body).toContain('Save changes');
    expect(editorPage.body).toContain(`/admin/articles/${id}/unpublish`);
    const unpublished = await editor.post(`/admin/articles/${id}/unpublish`);
    expect(unpublished.headers.location).toBe(`/admin/articles/${id}?done=unpublished`);
    expect((await t.services.content.find(id))?.status).toBe('unpublished');
    expect((await t.app.inject({ url: `/article/${article.slug}` })).statusCode).toBe(404);
    expect((await editor.get('/admin/articles?status=unpublished')).body).toContain(`/admin/articles/${id}`);
  });

  it('schedules an article at a publish time typed in the publication’s time zone', async () => {
    // 09:30 in Asia/Kolkata (UTC+05:30) is 04:00 UTC; the clock stands at 2026-11-15T06:00Z.
    const scheduled = await editor.post(
      '/admin/articles',
      articleForm({ headline: 'Budget day coverage', publishAt: '2026-11-20T09:30', intent: 'publish' }),
    );
    expect(scheduled.statusCode).toBe(303);
    expect(scheduled.headers.location).toMatch(/\?done=scheduled$/);
    const article = (await t.services.content.find(editedId(scheduled.headers.location)!))!;
    expect(article.status).toBe('published');
    expect(article.publishedAt).toBe('2026-11-20T04:00:00.000Z');
    expect((await t.app.inject({ url: `/article/${article.slug}` })).statusCode).toBe(404);
    const page = await editor.get(`/admin/articles/${article.id}`);
    expect(page.body).toContain('value="2026-11-20T09:30"');
    expect(page.body).toContain('status-scheduled');
    expect((await editor.get('/admin/articles?status=scheduled')).body).toContain(article.id);
  });

  it('saves changes to a published article without moving its publish time', async () => {
    const created = await editor.post(
      '/admin/articles',
      articleForm({ headline: 'Rain expected', intent: 'publish' }),
    );
    const id = editedId(created.headers.location)!;
    const before = (await t.services.content.find(id))!;
    const form = await editor.get(`/admin/articles/${id}`);
    const shownTime = /name="publishAt" type="datetime-local" value="([^"]*)"/.exec(form.body)?.[1];
    expect(shownTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
    const saved = await editor.post(
      `/admin/articles/${id}`,
      articleForm({ headline: 'Heavy rain expected', slug: before.slug, publishAt: shownTime! }),
    );
    expect(saved.headers.location).toBe(`/admin/articles/${id}?done=saved`);
    const after = (await t.services.content.find(id))!;
    expect(after).toMatchObject({
      headline: 'Heavy rain expected',
      status: 'published',
      publishedAt: before.publishedAt,
    });
  });

  it('uploads an image from the editor and shows its snippet, keeping the form', async () => {
    const uploaded = await editor.postMultipart(
      '/admin/articles',
      multipart(articleForm({ headline: 'With a picture', intent: 'upload' }), {
        field: 'image',
        filename: 'dot.png',
        type: 'application/octet-stream',
        content: png,
      }),
    );
    expect(uploaded.statusCode).toBe(200);
    const path = /\/media\/images\/[0-9a-f]{32}\.png/.exec(uploaded.body)?.[0];
    expect(path).toBeDefined();
    expect(uploaded.body).toContain(`&lt;figure>&lt;img src=&quot;${path}&quot;`);
    expect(uploaded.body).toContain('value="With a picture"');
    expect((await t.app.inject({ url: path! })).statusCode).toBe(200);
    const notImage = await editor.postMultipart(
      '/admin/articles',
      multipart(articleForm({ intent: 'upload' }), {
        field: 'image',
        filename: 'evil.svg',
        type: 'application/octet-stream',
        content: Buffer.from('<svg onload="alert(1)"/>'),
      }),
    );
    expect(notImage.statusCode).toBe(422);
    expect(notImage.body).toContain('Image: expected a JPEG, PNG, WebP or GIF image.');
    // The whole editor form, sent multipart as the browser does, saves too.
    const saved = await editor.postMultipart(
      '/admin/articles',
      multipart(articleForm({ headline: 'Sent as multipart' })),
    );
    expect(saved.statusCode).toBe(303);
    expect((await t.services.content.find(editedId(saved.headers.location)!))?.headline).toBe(
      'Sent as multipart',
    );
  });

  it('deletes only after the confirmation page', async () => {
    const created = await editor.post('/admin/articles', articleForm({ headline: 'Delete me' }));
    const id = editedId(created.headers.location)!;
    const ask = await editor.get(`/admin/articles/${id}/delete`);
    expect(ask.body).toContain('Delete for good');
    const stray = await editor.post(`/admin/articles/${id}/delete`);
    expect(stray.headers.location).toBe(`/admin/articles/${id}/delete`);
    expect(await t.services.content.find(id)).toBeDefined();
    const gone = await editor.post(`/admin/articles/${id}/delete`, { confirm: 'yes' });
    expect(gone.headers.location).toBe('/admin/articles?done=deleted');
    expect(await t.services.content.find(id)).toBeUndefined();
    expect((await editor.get(`/admin/articles/${id}`)).statusCode).toBe(404);
    // Only the deletion is on the record: the stray post changed nothing.
    const audit = await t.app.inject({ url: '/api/admin/v1/audit-log', headers: t.admin });
    const actions = audit
      .json()
      .entries.filter((e: { target: string }) => e.target === id)
      .map((e: { action: string }) => e.action);
    expect(actions.filter((a: string) => a.includes('delete'))).toEqual(['article.delete']);
  });

  it('pages through the list, newest first', async () => {
    for (let i = 0; i < 32; i++)
      await t.services.content.create({
        headline: `Paged story ${i}`,
        body: '<p>Text.</p>',
        section: 'world',
        access: 'free',
        publishedAt: new Date(Date.UTC(2026, 9, 1, 0, i)).toISOString(),
      });
    const first = await editor.get('/admin/articles?section=world&q=paged');
    expect(first.body).toContain('Paged story 31');
    expect(first.body).not.toContain('Paged story 1<');
    expect(first.body.indexOf('Paged story 31')).toBeLessThan(first.body.indexOf('Paged story 30'));
    expect(first.body).toContain('page=2');
    const second = await editor.get('/admin/articles?section=world&q=paged&page=2');
    expect(second.body).toContain('Paged story 0<');
    expect(second.body).not.toContain('Paged story 31');
    // A filter mistyped in the address bar is no filter, not an error.
    expect((await editor.get('/admin/articles?status=nonsense&page=-3')).statusCode).toBe(200);
  });

  it('refuses a marketer (403), and sends a visitor to sign in', async () => {
    const marketer = await signedInStaff(t, 'marketer');
    expect((await marketer.get('/admin/articles')).statusCode).toBe(403);
    expect((await marketer.get('/admin/articles/new')).statusCode).toBe(403);
    expect((await marketer.post('/admin/articles', articleForm())).statusCode).toBe(403);
    const visitor = await t.app.inject({ url: '/admin/articles' });
    expect(visitor.statusCode).toBe(303);
    expect(visitor.headers.location).toBe('/admin/login?next=%2Fadmin%2Farticles');
    const home = await editor.get('/admin');
    expect(home.body).toContain('href="/admin/articles"');
  });
});

const feed = `<?xml version="1.0"?><rss version="2.0"><channel><title>Agency</title>
<item><title>Monsoon arrives early</title><guid>wire-1</guid><description>&lt;p&gt;Rain reached Kerala.&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;</description><pubDate>Tue, 10 Nov 2026 10:00:00 GMT</pubDate></item>
<item><title>Markets rally</title><guid>wire-2</guid><description>&lt;p&gt;Sensex up.&lt;/p&gt;</description></item>
<item><title></title><guid>wire-3</guid><description>&lt;p&gt;No title.&lt;/p&gt;</description></item>
</channel></rss>`;

describe.each(dialects)('the newsroom’s sections, front page and wire pages on $name', (dialect) => {
  let t: TestApp;
  let editor: StaffBrowser;

  beforeAll(async () => {
    // A fresh install without the demo: no sections at all.
    t = await buildTestApp(dialect, { noSections: true });
    editor = await signedInStaff(t, 'editor');
  });
  afterAll(() => t.close());

  it('creates a section and publishes an article entirely through the pages', async () => {
    expect((await editor.get('/admin/articles/new')).body).toContain('There are no sections yet');
    const created = await editor.post('/admin/sections', {
      name: 'City News',
      slug: '',
      position: '',
      requires: '',
    });
    expect(created.statusCode).toBe(303);
    expect(created.headers.location).toBe('/admin/sections?done=created');
    expect((await editor.get('/admin/sections?done=created')).body).toContain('value="city-news"');
    const article = await editor.post(
      '/admin/articles',
      articleForm({ headline: 'First story', section: 'city-news', intent: 'publish' }),
    );
    expect(article.headers.location).toMatch(/\?done=published$/);
    const stored = (await t.services.content.find(editedId(article.headers.location)!))!;
    const page = await t.app.inject({ url: `/article/${stored.slug}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('First story');
  });

  it('renames, re-slugs, moves a section and makes it require a benefit; refusals keep the page', async () => {
    await editor.post('/admin/sections', { name: 'Markets', slug: 'markets', position: '0', requires: '' });
    expect((await t.services.content.sections()).map((s) => s.slug)).toEqual(['markets', 'city-news']);
    const saved = await editor.post('/admin/sections/markets', {
      name: 'Markets & Money',
      slug: 'money',
      position: '1',
      requires: 'market-analysis',
    });
    expect(saved.headers.location).toBe('/admin/sections?done=saved');
    expect(await t.services.content.sections()).toMatchObject([
      { slug: 'city-news' },
      { slug: 'money', name: 'Markets & Money', requiredBenefit: 'market-analysis' },
    ]);
    const taken = await editor.post('/admin/sections', {
      name: 'Again',
      slug: 'money',
      position: '',
      requires: '',
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.body).toContain('The section slug &quot;money&quot; is taken.');
    expect(taken.body).toContain('value="Again"');
    const badBenefit = await editor.post('/admin/sections/money', {
      name: 'Money',
      slug: 'money',
      position: '1',
      requires: 'free-lunch',
    });
    expect(badBenefit.statusCode).toBe(422);
    expect(badBenefit.body).toContain('requires: expected one of');
    const cleared = await editor.post('/admin/sections/money', {
      name: 'Money',
      slug: 'money',
      position: '1',
      requires: '',
    });
    expect(cleared.statusCode).toBe(303);
    expect((await t.services.content.sections())[1]?.requiredBenefit).toBeNull();
  });

  it('pins and unpins the lead story', async () => {
    const story = await t.services.content.create({
      headline: 'The pinned lead',
      body: '<p>Lead.</p>',
      section: 'city-news',
      access: 'free',
      publishedAt: '2026-11-01T00:00:00.000Z',
    });
    const pinned = await editor.post('/admin/front-page', { lead: story.id });
    expect(pinned.headers.location).toBe('/admin/front-page?done=pinned');
    expect(await t.services.content.frontPage()).toEqual({ leadArticleId: story.id });
    expect((await editor.get('/admin/front-page')).body).toContain('Pinned: <a href');
    expect((await editor.post('/admin/front-page', { lead: 'no-such-article' })).statusCode).toBe(422);
    const unpinned = await editor.post('/admin/front-page/unpin');
    expect(unpinned.headers.location).toBe('/admin/front-page?done=unpinned');
    expect(await t.services.content.frontPage()).toEqual({ leadArticleId: null });
  });

  it('imports an uploaded feed file through the page and shows what happened', async () => {
    const fields = { agency: 'Press Trust', section: 'city-news', access: 'metered', publish: 'true' };
    const file = {
      field: 'file',
      filename: 'feed.xml',
      type: 'application/octet-stream',
      content: Buffer.from(feed),
    };
    const first = await editor.postMultipart('/admin/wire/file', multipart(fields, file));
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('Imported 2, skipped 0 already imported, 1 failed.');
    expect(first.body).toContain('the item has no title');
    const again = await editor.postMultipart('/admin/wire/file', multipart(fields, file));
    expect(again.body).toContain('Imported 0, skipped 2 already imported, 1 failed.');
    const imported = await t.services.content.list({ q: 'monsoon', limit: 5 });
    expect(imported).toMatchObject([{ syndicated: { agency: 'Press Trust' }, status: 'published' }]);
    expect((await t.services.content.find(imported[0]!.id))?.bodyHtml).not.toContain('<script');
    const noAgency = await editor.postMultipart(
      '/admin/wire/file',
      multipart({ ...fields, agency: '' }, file),
    );
    expect(noAgency.statusCode).toBe(422);
    expect(noAgency.body).toContain('agency: name the agency');
    const notFeed = await editor.postMultipart(
      '/admin/wire/file',
      multipart(fields, {
        ...file,
        content: Buffer.from('<html>nope</html>'),
      }),
    );
    expect(notFeed.statusCode).toBe(422);
    expect(notFeed.body).toContain('not an RSS 2.0 or Atom feed');
    // A feed address that is not allowed is refused with the reason, the form kept.
    const local = await editor.post('/admin/wire/feed', { url: 'http://127.0.0.1/feed.xml', ...fields });
    expect(local.statusCode).toBe(422);
    expect(local.body).toContain('value="Press Trust"');
  });

  it('refuses a marketer on every newsroom page', async () => {
    const marketer = await signedInStaff(t, 'marketer');
    for (const url of ['/admin/sections', '/admin/front-page', '/admin/wire'])
      expect((await marketer.get(url)).statusCode, url).toBe(403);
    expect((await marketer.post('/admin/sections', { name: 'Sneaky' })).statusCode).toBe(403);
    expect((await marketer.post('/admin/wire/feed', { url: 'http://example.com' })).statusCode).toBe(403);
    const nav = (await editor.get('/admin')).body;
    for (const href of ['/admin/sections', '/admin/front-page', '/admin/wire'])
      expect(nav).toContain(`href="${href}"`);
  });
});
