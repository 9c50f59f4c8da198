import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anArticle, buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { aReader } from '../support/reader.js';
import { signedInStaff, type StaffBrowser } from '../support/staff-browser.js';

/** The text of an HTML fragment, tags dropped, so assertions read as a reader would. */
const textOf = (html: string) => html.replace(/<[^>]+>/g, '');

describe.each(dialects)('the paywall admin page on $name', (dialect) => {
  let t: TestApp;
  let marketer: StaffBrowser;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    marketer = await signedInStaff(t, 'marketer');
  });
  afterAll(() => t.close());

  /** The form as the page fills it (the stored copy), with `changes`. */
  async function copyForm(changes: Record<string, string> = {}) {
    const { settings } = (await t.app.inject({ url: '/api/admin/v1/settings', headers: t.admin })).json();
    return {
      freeLimit: String(settings.meter.freeLimit),
      bannerTemplate: settings.meter.bannerTemplate,
      template: settings.paywall.template,
      premiumTemplate: settings.paywall.premiumTemplate,
      benefitTemplate: settings.paywall.benefitTemplate,
      ...changes,
    };
  }

  it('shows the meter, the copy and a preview for a sample reader in each state', async () => {
    const page = await marketer.get('/admin/paywall');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('name="freeLimit"');
    expect(page.body).toContain('name="premiumTemplate"');
    expect(page.body).toContain('href="/admin/paywall"');
    for (const state of ['metered', 'limit_reached', 'premium', 'vertical', 'archive', 'subscriber'])
      expect(page.body).toContain(`data-state="${state}"`);
    expect(textOf(page.body)).toContain("You've reached your limit of 5 free articles this month.");
  });

  it('lowers the free limit to 3 through the form, and an anonymous reader then has 3', async () => {
    const saved = await marketer.post('/admin/paywall', {
      ...(await copyForm({ freeLimit: '3' })),
      intent: 'save',
    });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe('/admin/paywall?saved=1');
    expect((await marketer.get('/admin/paywall?saved=1')).body).toContain('Saved.');
    const meter = await t.app.inject({ url: '/api/v1/meter' });
    expect(meter.json().meter.limit).toBe(3);
  });

  it('sets the archive window through the form: a story older than it needs archives', async () => {
    const page = await marketer.get('/admin/paywall');
    expect(page.body).toContain('name="archiveFreeDays"');
    expect(page.body).toMatch(/id="archiveFreeDays"[^>]*value="30"/);
    const old = await t.services.content.create(
      anArticle({ publishedAt: new Date(t.clock.now().getTime() - 10 * 86_400_000).toISOString() }),
    );
    const before = await t.app.inject({ url: `/api/v1/articles/${old.slug}` });
    expect(before.json().access).toMatchObject({ granted: true });

    const refused = await marketer.post('/admin/paywall', {
      ...(await copyForm({ archiveFreeDays: 'a week' })),
      intent: 'save',
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('archives.freeDays: expected a whole number of days');
    expect(refused.body).toMatch(/id="archiveFreeDays"[^>]*value="a week"/);

    const saved = await marketer.post('/admin/paywall', {
      ...(await copyForm({ archiveFreeDays: '7' })),
      intent: 'save',
    });
    expect(saved.statusCode).toBe(303);
    const { settings } = (await t.app.inject({ url: '/api/admin/v1/settings', headers: t.admin })).json();
    expect(settings.archives.freeDays).toBe(7);
    const after = await t.app.inject({ url: `/api/v1/articles/${old.slug}` });
    expect(after.json().access).toMatchObject({ granted: false, reason: 'archive' });
    // A form without the field (an older page) leaves the window as it is.
    await marketer.post('/admin/paywall', { ...(await copyForm()), intent: 'save' });
    const still = (await t.app.inject({ url: '/api/admin/v1/settings', headers: t.admin })).json();
    expect(still.settings.archives.freeDays).toBe(7);
    await marketer.post('/admin/paywall', { ...(await copyForm({ archiveFreeDays: '30' })), intent: 'save' });
  });

  it('previews unsaved copy without saving it, then saves it onto the reader paywall', async () => {
    const article = await t.services.content.create(anArticle({ access: 'premium' }));
    const premiumTemplate = '<p>Only for members of {{ publication_name }}, &lt;friend&gt;.</p>';
    const form = await copyForm({ premiumTemplate });
    const preview = await marketer.post('/admin/paywall', { ...form, intent: 'preview' });
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain('not saved yet');
    expect(textOf(preview.body)).toMatch(/Only for members of .+, &lt;friend&gt;\./);
    // The form keeps the draft, escaped as text.
    expect(preview.body).toContain('Only for members of {{ publication_name }}, &amp;lt;friend&amp;gt;.');
    const before = await aReader(t.app).get(`/article/${article.slug}`);
    expect(before.body).not.toContain('Only for members');

    // The live preview's fragment: the same rendering, without the page around it.
    const live = await marketer.post('/admin/paywall/preview', form);
    expect(live.statusCode).toBe(200);
    expect(live.body.startsWith('<div id="paywall-preview"')).toBe(true);
    expect(textOf(live.body)).toMatch(/Only for members of .+, &lt;friend&gt;\./);

    expect((await marketer.post('/admin/paywall', { ...form, intent: 'save' })).statusCode).toBe(303);
    const after = await aReader(t.app).get(`/article/${article.slug}`);
    expect(textOf(after.body)).toMatch(/Only for members of .+, &lt;friend&gt;\./);
  });

  it('refuses an invalid template with the reason, keeping what was typed and the saved copy', async () => {
    const template = '<p>You have read {{ free_limt }} articles.</p>';
    const refused = await marketer.post('/admin/paywall', {
      ...(await copyForm({ template })),
      intent: 'save',
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('Not saved');
    expect(refused.body).toMatch(/paywall\.template: invalid template: .*free_limt/);
    expect(refused.body).toContain('&lt;p>You have read {{ free_limt }} articles.&lt;/p>');
    expect((await copyForm()).template).toContain("You've reached your limit");

    const preview = await marketer.post('/admin/paywall', {
      ...(await copyForm({ template })),
      intent: 'preview',
    });
    expect(preview.statusCode).toBe(422);
    expect(preview.body).toContain('Cannot preview this copy');

    const script = await marketer.post('/admin/paywall', {
      ...(await copyForm({ bannerTemplate: '<script>alert(1)</script>' })),
      intent: 'save',
    });
    expect(script.statusCode).toBe(422);
    expect(script.body).toMatch(/meter\.bannerTemplate: .*&lt;script>/);
    expect(script.body).not.toContain('<script>alert(1)');

    const limit = await marketer.post('/admin/paywall', {
      ...(await copyForm({ freeLimit: 'many' })),
      intent: 'save',
    });
    expect(limit.statusCode).toBe(422);
    expect(limit.body).toContain('expected a whole number');
    expect(limit.body).toContain('value="many"');
  });

  it('refuses an editor', async () => {
    const editor = await signedInStaff(t, 'editor');
    expect((await editor.get('/admin/paywall')).statusCode).toBe(403);
    const form = await copyForm({ freeLimit: '1' });
    expect((await editor.post('/admin/paywall', { ...form, intent: 'save' })).statusCode).toBe(403);
    expect((await copyForm()).freeLimit).toBe('3');
    expect((await editor.get('/admin')).body).not.toContain('href="/admin/paywall"');
  });
});
