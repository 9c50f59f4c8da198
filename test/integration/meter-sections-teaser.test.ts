import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anArticle, buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { aReader } from '../support/reader.js';
import { signedInStaff, type StaffBrowser } from '../support/staff-browser.js';

const fourParagraphs =
  '<p>Para one of four.</p><p>Para two of four.</p><h2>A subhead</h2><p>Para three of four.</p><p>Para four of four.</p>';

describe.each(dialects)('which sections count, and the teaser length, on $name', (dialect) => {
  let t: TestApp;
  let marketer: StaffBrowser;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    marketer = await signedInStaff(t, 'marketer');
  });
  afterAll(() => t.close());

  const patch = (payload: Record<string, unknown>) =>
    t.app.inject({ method: 'PATCH', url: '/api/admin/v1/settings', headers: t.admin, payload });
  const settings = async () =>
    (await t.app.inject({ url: '/api/admin/v1/settings', headers: t.admin })).json().settings;

  it('refuses slugs that name no section, naming them, and lengths out of range', async () => {
    const unknown = await patch({ meter: { uncountedSections: ['politics', 'nosuch', 'also-not'] } });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.message).toMatch(/meter\.uncountedSections: no section nosuch, also-not/);
    const badSlug = await patch({ meter: { uncountedSections: ['Not A Slug'] } });
    expect(badSlug.statusCode).toBe(422);
    for (const teaserParagraphs of [0, 6, 2.5, 'two']) {
      const refused = await patch({ paywall: { teaserParagraphs } });
      expect(refused.statusCode, String(teaserParagraphs)).toBe(422);
      expect(refused.json().error.message).toContain('paywall.teaserParagraphs');
    }
    // Nothing was saved.
    expect((await settings()).meter.uncountedSections).toEqual([]);
    expect((await settings()).paywall.teaserParagraphs).toBe(1);
  });

  it('reads a metered article of an uncounted section free, on the page and in the API, using no read', async () => {
    const saved = await patch({ meter: { freeLimit: 1, uncountedSections: ['politics'] } });
    expect(saved.statusCode).toBe(200);
    expect((await settings()).meter).toMatchObject({ freeLimit: 1, uncountedSections: ['politics'] });
    const uncounted = await t.services.content.create(anArticle({ section: 'politics' }));
    const counted = await t.services.content.create(anArticle({ section: 'world' }));
    const another = await t.services.content.create(anArticle({ section: 'world' }));
    const reader = aReader(t.app);

    const page = await reader.get(`/article/${uncounted.slug}`);
    expect(page.body).not.toContain('id="paywall"');
    expect(page.body).not.toContain('meter-banner');
    expect(page.body).toContain('Third paragraph');
    const api = (await reader.get(`/api/v1/articles/${uncounted.slug}`)).json();
    expect(api.access).toMatchObject({ granted: true, reason: 'free', meter: { used: 0 } });
    expect(api.article.body).toContain('Third paragraph');
    expect((await reader.get('/api/v1/meter')).json().meter.used).toBe(0);

    // A counted section uses the meter, and once it is used up the uncounted one stays open.
    expect((await reader.get(`/api/v1/articles/${counted.slug}`)).json().access).toMatchObject({
      granted: true,
      reason: 'metered',
      meter: { used: 1 },
    });
    expect((await reader.get(`/api/v1/articles/${another.slug}`)).json().access).toMatchObject({
      granted: false,
      reason: 'limit_reached',
    });
    expect((await reader.get(`/article/${another.slug}`)).body).toContain('id="paywall"');
    const again = await reader.get(`/article/${uncounted.slug}`);
    expect(again.body).not.toContain('id="paywall"');
    expect((await reader.get(`/api/v1/articles/${uncounted.slug}`)).json().access.reason).toBe('free');

    // The change takes effect at once, cached pages and all: counting politics again walls it.
    expect((await patch({ meter: { uncountedSections: [] } })).statusCode).toBe(200);
    const walled = await reader.get(`/article/${uncounted.slug}`);
    expect(walled.body).toContain('id="paywall"');
    expect((await reader.get(`/api/v1/articles/${uncounted.slug}`)).json().access).toMatchObject({
      granted: false,
      reason: 'limit_reached',
    });
    // Premium stays premium in an uncounted section.
    await patch({ meter: { uncountedSections: ['politics'] } });
    const premium = await t.services.content.create(anArticle({ section: 'politics', access: 'premium' }));
    expect((await reader.get(`/api/v1/articles/${premium.slug}`)).json().access).toMatchObject({
      granted: false,
      reason: 'premium',
    });
    await patch({ meter: { freeLimit: 5, uncountedSections: [] } });
  });

  it('shows the teaser as long as the setting allows, on the walled page and in the API', async () => {
    const article = await t.services.content.create(
      anArticle({ access: 'premium', body: fourParagraphs, headline: 'Teaser length probe' }),
    );
    const walled = async () => {
      const reader = aReader(t.app);
      const page = (await reader.get(`/article/${article.slug}`)).body;
      const api = (await reader.get(`/api/v1/articles/${article.slug}`)).json();
      const print = (await reader.get(`/article/${article.slug}/print`)).body;
      expect(api.access.granted).toBe(false);
      expect(api.article.body).toBeUndefined();
      return { page, teaser: api.article.teaser as string, print };
    };
    const before = await walled();
    expect(before.teaser).toBe('<p>Para one of four.</p>');
    expect(before.page).toContain('Para one of four.');
    expect(before.page).not.toContain('Para two of four.');

    expect((await patch({ paywall: { teaserParagraphs: 3 } })).statusCode).toBe(200);
    const longer = await walled();
    expect(longer.teaser).toBe(
      '<p>Para one of four.</p>\n<p>Para two of four.</p>\n<p>Para three of four.</p>',
    );
    for (const shown of [longer.page, longer.print]) {
      expect(shown).toContain('Para three of four.');
      expect(shown).not.toContain('Para four of four.');
      expect(shown).not.toContain('A subhead');
    }
    // Search matches and quotes the first paragraph only, whatever the length.
    const found = (await t.app.inject('/api/v1/articles?q=para+three')).json().articles;
    expect(found.map((a: { slug: string }) => a.slug)).not.toContain(article.slug);

    expect((await patch({ paywall: { teaserParagraphs: 1 } })).statusCode).toBe(200);
    const shorter = await walled();
    expect(shorter.teaser).toBe('<p>Para one of four.</p>');
    expect(shorter.page).not.toContain('Para two of four.');
  });

  it('the admin page sets the counted sections and the teaser length, and previews the length', async () => {
    const page = await marketer.get('/admin/paywall');
    expect(page.body).toContain('name="teaserParagraphs"');
    expect(page.body).toMatch(/name="countedSections" value="politics" checked/);
    const form = async (changes: Record<string, string | readonly string[]>) => {
      const { meter, paywall } = await settings();
      return {
        freeLimit: String(meter.freeLimit),
        bannerTemplate: meter.bannerTemplate,
        template: paywall.template,
        premiumTemplate: paywall.premiumTemplate,
        benefitTemplate: paywall.benefitTemplate,
        teaserParagraphs: String(paywall.teaserParagraphs),
        listedSections: ['politics', 'world'],
        countedSections: ['politics', 'world'],
        ...changes,
      };
    };

    const preview = await marketer.post('/admin/paywall/preview', await form({ teaserParagraphs: '3' }));
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain('The third paragraph.');
    expect(preview.body).not.toContain('The fourth paragraph.');

    const refused = await marketer.post('/admin/paywall', {
      ...(await form({ teaserParagraphs: '9', countedSections: ['world'] })),
      intent: 'save',
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('Not saved');
    expect(refused.body).toContain('paywall.teaserParagraphs');
    expect(refused.body).toContain('value="9"');
    // The boxes as they were ticked: politics unticked.
    expect(refused.body).toMatch(/name="countedSections" value="politics"\/>/);
    expect(refused.body).toMatch(/name="countedSections" value="world" checked/);
    const words = await marketer.post('/admin/paywall', {
      ...(await form({ teaserParagraphs: 'two' })),
      intent: 'save',
    });
    expect(words.statusCode).toBe(422);
    expect(words.body).toContain('expected a whole number of paragraphs');

    const saved = await marketer.post('/admin/paywall', {
      ...(await form({ teaserParagraphs: '2', countedSections: ['world'] })),
      intent: 'save',
    });
    expect(saved.statusCode).toBe(303);
    const after = await settings();
    expect(after.meter.uncountedSections).toEqual(['politics']);
    expect(after.paywall.teaserParagraphs).toBe(2);
    expect((await marketer.get('/admin/paywall')).body).toMatch(/name="countedSections" value="politics"\/>/);

    // Nothing ticked: no listed section counts.
    await marketer.post('/admin/paywall', {
      ...(await form({ countedSections: [] })),
      intent: 'save',
    });
    expect((await settings()).meter.uncountedSections).toEqual(['politics', 'world']);
    await patch({ meter: { uncountedSections: [] }, paywall: { teaserParagraphs: 1 } });
  });
});
