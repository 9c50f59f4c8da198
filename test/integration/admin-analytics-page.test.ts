import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSubscriber } from '../support/billing.js';
import { aBrowser } from '../support/browser.js';
import { anArticle, buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { signedInStaff, type StaffBrowser } from '../support/staff-browser.js';

const day = '2026-11-15';

/** The text of one figure's card on the page. */
const figure = (body: string, name: string) =>
  new RegExp(`data-figure="${name}"><h2>[^<]*</h2><p class="figure">([^<]*)</p>`).exec(body)?.[1];

// The owner's analytics page: the figures of a range, its tables' CSV links and the chart.
describe.each(dialects)('the analytics admin page on $name', (dialect) => {
  let t: TestApp;
  let owner: StaffBrowser;
  let marketer: StaffBrowser;

  beforeAll(async () => {
    t = await buildTestApp(dialect, { at: `${day}T06:00:00.000Z` });
    owner = await signedInStaff(t, 'owner');
    marketer = await signedInStaff(t, 'marketer');
  });
  afterAll(() => t.close());

  it('shows the last 30 days by default, with the figures, the tables and the chart', async () => {
    const article = await t.services.content.create(anArticle({ access: 'premium' }));
    const page = await aBrowser(t.app, { remoteAddress: '198.51.100.20' }).get(`/article/${article.slug}`);
    expect(page.body).toContain('id="paywall"');
    await aSubscriber(t);

    const shown = await owner.get('/admin/analytics');
    expect(shown.statusCode, shown.body.slice(0, 300)).toBe(200);
    expect(shown.headers['cache-control']).toBe('no-store');
    const range = 'from=2026-10-17&amp;to=2026-11-15';
    expect(shown.body).toContain('name="from" type="date" value="2026-10-17"');
    expect(shown.body).toContain('name="to" type="date" value="2026-11-15"');
    expect(figure(shown.body, 'paywallImpressions')).toBe('1');
    expect(figure(shown.body, 'newSubscriptions')).toBe('1');
    expect(figure(shown.body, 'activeSubscribers')).toBe('1');
    expect(figure(shown.body, 'mrr')).toMatch(/^₹[\d,]+/);
    expect(figure(shown.body, 'conversionRate')).toMatch(/%$/);
    expect(figure(shown.body, 'refunds')).toBe('0 (₹0)');
    for (const part of ['Revenue by plan', 'Top converting articles', 'Daily'])
      expect(shown.body).toContain(`<h2>${part}</h2>`);
    for (const table of ['revenueByPlan', 'topConvertingArticles', 'daily'])
      expect(shown.body).toContain(`href="/api/admin/v1/analytics.csv?table=${table}&amp;${range}"`);
    expect(shown.body).toContain(`src="/api/admin/v1/analytics/daily.svg?${range}"`);
    expect(shown.body).toContain('href="/admin/analytics" aria-current="page"');

    // The links work with the staff cookie.
    const csv = await owner.get(`/api/admin/v1/analytics.csv?table=daily&from=${day}&to=${day}`);
    expect(csv.statusCode).toBe(200);
    expect(csv.body).toContain(`${day},1,`);
    expect((await owner.get(`/api/admin/v1/analytics/daily.svg?from=${day}&to=${day}`)).statusCode).toBe(200);

    const one = await owner.get(`/admin/analytics?from=${day}&to=${day}`);
    expect(one.statusCode).toBe(200);
    expect(figure(one.body, 'paywallImpressions')).toBe('1');
  });

  it('shows why a bad or reversed range is refused, with a 422', async () => {
    for (const query of [
      'from=2026-11-15&to=2026-11-01',
      'from=yesterday&to=2026-11-15',
      'from=2024-01-01&to=2026-11-15',
    ]) {
      const refused = await owner.get(`/admin/analytics?${query}`);
      expect(refused.statusCode, query).toBe(422);
      expect(refused.body).toContain('class="notice notice-error"');
      expect(refused.body).not.toContain('data-figure=');
    }
  });

  it('refuses a marketer', async () => {
    expect((await marketer.get('/admin/analytics')).statusCode).toBe(403);
    expect((await marketer.get('/admin/staff')).body).not.toContain('href="/admin/analytics"');
  });
});
