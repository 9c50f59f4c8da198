import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cards, planId } from '../support/billing.js';
import { aBrowser, type Browser } from '../support/browser.js';
import { anArticle, buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';

const password = 'correct horse battery staple';

/**
 * The figures over HTTP, from real page views and real sandbox checkouts: two readers meet
 * the paywall and subscribe (one anonymous until the checkout, one signed in), a third only
 * looks; the API's figures are the ones the definitions give for that.
 */
describe.each(dialects)('analytics figures from real views and checkouts, on $name', (dialect) => {
  let t: TestApp;
  let first: { id: string; slug: string; headline: string };
  let second: { id: string; slug: string; headline: string };
  const day = '2026-11-15';
  let counter = 0;

  async function register(browser: Browser) {
    const registered = await browser.send('POST', '/api/v1/auth/register', {
      email: `analytics${++counter}-${dialect.name}@example.com`,
      password,
      name: 'Asha',
    });
    expect(registered.statusCode, registered.body).toBe(201);
    return registered.json().account.id as string;
  }

  async function subscribe(browser: Browser, plan: string, returnTo: string) {
    const started = await browser.send('POST', '/api/v1/checkout', {
      planId: await planId(t, plan),
      returnTo,
    });
    expect(started.statusCode, started.body).toBe(201);
    const { checkoutId, checkoutUrl } = started.json() as { checkoutId: string; checkoutUrl: string };
    const paid = await browser.send('POST', `${new URL(checkoutUrl).pathname}/pay`, { card: cards.ok });
    expect(paid.json()).toMatchObject({ status: 'paid' });
    const returned = await browser.get(`/api/v1/checkout/${checkoutId}`);
    expect(returned.json().checkout).toMatchObject({ status: 'completed' });
  }

  const figures = async (query = `from=${day}&to=${day}`) =>
    t.app.inject({ url: `/api/admin/v1/analytics?${query}`, headers: t.admin });

  beforeAll(async () => {
    t = await buildTestApp(dialect, { at: `${day}T06:00:00.000Z` });
    first = await t.services.content.create(anArticle({ access: 'premium', headline: 'The first story' }));
    second = await t.services.content.create(anArticle({ access: 'premium', headline: 'The second story' }));

    // An anonymous reader meets the paywall, signs up on the same device and subscribes (yearly).
    const anonymous = aBrowser(t.app, { remoteAddress: '198.51.100.10' });
    const page = await anonymous.get(`/article/${first.slug}`);
    expect(page.body).toContain('id="paywall"');
    await register(anonymous);
    t.clock.set(`${day}T07:00:00.000Z`);
    await subscribe(anonymous, 'smart-essential', `/article/${first.slug}`);

    // A signed-in reader is refused through the JSON API, then subscribes (quarterly).
    const signedIn = aBrowser(t.app, { remoteAddress: '198.51.100.11' });
    await register(signedIn);
    t.clock.set(`${day}T08:00:00.000Z`);
    const refused = await signedIn.get(`/api/v1/articles/${second.id}`);
    expect(refused.json().access.granted).toBe(false);
    t.clock.set(`${day}T09:00:00.000Z`);
    await subscribe(signedIn, 'smart-quarterly', '/account');
    // Now a subscriber: reading is granted, and no impression is recorded.
    expect((await signedIn.get(`/api/v1/articles/${second.id}`)).json().access.granted).toBe(true);

    // A third reader only looks, twice; a HEAD shows nobody a paywall.
    const looker = aBrowser(t.app, { remoteAddress: '198.51.100.12' });
    await looker.get(`/article/${second.slug}`);
    await looker.get(`/article/${second.slug}`);
    await looker.head(`/article/${second.slug}`);

    // Support comps the looker a month of premium stories: counted, but worth nothing in MRR.
    await register(looker);
    const me = (await looker.get('/api/v1/me')).json() as { reader: { id: string } };
    const comp = await t.app.inject({
      method: 'POST',
      url: `/api/admin/v1/readers/${me.reader.id}/comp`,
      headers: t.admin,
      payload: { benefits: ['premium-stories'], days: 30 },
    });
    expect(comp.statusCode, comp.body).toBe(201);

    // Support refunds ₹300 of the quarterly subscriber's ₹900: one refund, netted off its plan.
    const subscriber = (await signedIn.get('/api/v1/me')).json() as { reader: { id: string } };
    const [paid] = await t.services.billing.payments(subscriber.reader.id);
    const refunded = await t.app.inject({
      method: 'POST',
      url: `/api/admin/v1/payments/${paid!.id}/refund`,
      headers: t.admin,
      payload: { amount: 30_000 },
    });
    expect(refunded.statusCode, refunded.body).toBe(201);
  });
  afterAll(() => t?.close());

  it('answers every figure by its definition', async () => {
    const response = await figures();
    expect(response.statusCode, response.body).toBe(200);
    const { figures: f } = response.json();
    expect(f).toMatchObject({
      paywallImpressions: 4,
      checkoutsStarted: 2,
      newSubscriptions: 2,
      // Three people met the paywall: the first reader's device is folded into their account.
      readersAtPaywall: 3,
      activeSubscribers: 2,
      cancellations: 0,
      churnRate: null,
      // ₹2,700 a year → ₹225 a month; ₹900 a quarter → ₹300.
      mrr: { amount: 52_500, currency: 'INR' },
      arr: { amount: 630_000, currency: 'INR' },
      refunds: { count: 1, total: { amount: 30_000, currency: 'INR' } },
      compsGranted: 1,
    });
    expect(f.conversionRate).toBeCloseTo(2 / 3, 10);
    expect(f.topConvertingArticles).toEqual([
      { articleId: first.id, headline: 'The first story', subscriptions: 1 },
      { articleId: second.id, headline: 'The second story', subscriptions: 1 },
    ]);
    const byPlan = new Map(
      (f.revenueByPlan as { planId: string; payments: number; net: { amount: number } }[]).map((r) => [
        r.planId,
        r,
      ]),
    );
    expect(byPlan.get(await planId(t, 'smart-essential'))).toMatchObject({ payments: 1 });
    expect(byPlan.get(await planId(t, 'smart-quarterly'))).toMatchObject({
      payments: 1,
      refunded: { amount: 30_000 },
      net: { amount: 60_000 },
    });
    expect(f.daily).toEqual([{ date: day, paywallImpressions: 4, checkoutsStarted: 2, newSubscriptions: 2 }]);
  });

  it('a checkout start names the article its reader came from', async () => {
    const rows = await t.database.db
      .selectFrom('analytics_events')
      .select(['kind', 'article_id', 'device_id', 'account_id'])
      .where('kind', '=', 'checkout_start')
      .orderBy('at')
      .execute();
    expect(rows.map((r) => r.article_id)).toEqual([first.id, null]);
    expect(rows[0]?.device_id).toMatch(/^rdr_/);
  });

  it('a range before any of it answers zeros', async () => {
    const { figures: f } = (await figures('from=2026-10-01&to=2026-10-31')).json();
    expect(f).toMatchObject({
      paywallImpressions: 0,
      newSubscriptions: 0,
      conversionRate: null,
      activeSubscribers: 0,
    });
    expect(f.daily).toHaveLength(31);
  });

  it('refuses a bad range with a 422, never a 500', async () => {
    for (const query of [
      'from=2026-11-15',
      'from=2026-11-16&to=2026-11-15',
      'from=2026-13-01&to=2026-13-02',
      'from=yesterday&to=today',
      'from=2024-01-01&to=2026-11-15',
    ]) {
      const response = await figures(query);
      expect(response.statusCode, query).toBe(422);
    }
  });

  it('is refused without an admin key', async () => {
    const response = await t.app.inject({ url: `/api/admin/v1/analytics?from=${day}&to=${day}` });
    expect(response.statusCode).toBe(401);
  });

  it('exports each table as CSV', async () => {
    const daily = await t.app.inject({
      url: `/api/admin/v1/analytics.csv?table=daily&from=${day}&to=${day}`,
      headers: t.admin,
    });
    expect(daily.statusCode).toBe(200);
    expect(daily.headers['content-type']).toMatch(/^text\/csv/);
    expect(daily.body).toBe(
      `date,paywall_impressions,checkouts_started,new_subscriptions\r\n${day},4,2,2\r\n`,
    );
    const top = await t.app.inject({
      url: `/api/admin/v1/analytics.csv?table=topConvertingArticles&from=${day}&to=${day}`,
      headers: t.admin,
    });
    expect(top.body).toContain(`${first.id},The first story,1\r\n`);
    const revenue = await t.app.inject({
      url: `/api/admin/v1/analytics.csv?table=revenueByPlan&from=${day}&to=${day}`,
      headers: t.admin,
    });
    expect(revenue.body.split('\r\n')[0]).toBe(
      'plan_id,plan_name,currency,payments,gross_minor,refunded_minor,net_minor',
    );
    expect(revenue.body.trim().split('\r\n')).toHaveLength(3);
    const bad = await t.app.inject({
      url: `/api/admin/v1/analytics.csv?table=everything&from=${day}&to=${day}`,
      headers: t.admin,
    });
    expect(bad.statusCode).toBe(422);
  });

  it('draws the daily series as an accessible SVG chart', async () => {
    const response = await t.app.inject({
      url: `/api/admin/v1/analytics/daily.svg?from=${day}&to=${day}`,
      headers: t.admin,
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(response.body).toContain(`<title>${day}: 4 paywall impressions</title>`);
  });
});
