import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';

interface State {
  state: string;
  granted: boolean;
  reason: string;
  paywallHtml: string | null;
  bannerHtml: string | null;
  meter: { limit: number; used: number; remaining: number };
  offers: string[];
}

describe.each(dialects)('the paywall copy preview on $name', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(() => t.close());

  const preview = (payload: object) =>
    t.app.inject({ method: 'POST', url: '/api/admin/v1/previews/paywall', headers: t.admin, payload });
  const byState = (states: State[]) => Object.fromEntries(states.map((s) => [s.state, s]));

  it('renders the stored copy for a sample reader in each state', async () => {
    const response = await preview({});
    expect(response.statusCode, response.body).toBe(200);
    const states = response.json().states as State[];
    expect(states.map((s) => [s.state, s.granted, s.reason])).toEqual([
      ['metered', true, 'metered'],
      ['limit_reached', false, 'limit_reached'],
      ['premium', false, 'premium'],
      ['vertical', false, 'vertical'],
      ['archive', false, 'archive'],
      ['subscriber', true, 'subscriber'],
    ]);
    const s = byState(states);
    expect(s.metered!.bannerHtml).toBe('You have 3 of 5 free articles left this month.');
    expect(s.metered!.paywallHtml).toBeNull();
    expect(s.limit_reached!.paywallHtml).toContain("You've reached your limit of 5 free articles");
    expect(s.premium!.paywallHtml).toContain('This is a premium story');
    expect(s.vertical!.paywallHtml).toContain('Market analysis and investment insights');
    expect(s.archive!.paywallHtml).toContain('This story is from our archive.');
    expect(s.subscriber).toMatchObject({ paywallHtml: null, bannerHtml: null });
    expect(s.premium!.offers.length).toBeGreaterThan(0);
  });

  it('renders draft copy and a draft limit without saving either', async () => {
    const response = await preview({
      freeLimit: 3,
      template: '<p>{{ free_limit }} free stories are all, {{ publication_name }}.</p>',
      bannerTemplate: '{{ remaining }} left of {{ free_limit }}',
      premiumTemplate: '<p>Premium: {{ article_title }}</p>',
    });
    expect(response.statusCode, response.body).toBe(200);
    const s = byState(response.json().states as State[]);
    expect(s.metered!.bannerHtml).toBe('1 left of 3');
    expect(s.limit_reached!.paywallHtml).toBe('<p>3 free stories are all, The Daily Ledger.</p>');
    expect(s.limit_reached!.meter).toEqual({ limit: 3, used: 3, remaining: 0 });
    expect(s.premium!.paywallHtml).toBe('<p>Premium: Inside the bank merger that nearly failed</p>');
    const settings = (await t.app.inject({ url: '/api/admin/v1/settings', headers: t.admin })).json()
      .settings;
    expect(settings.meter.freeLimit).toBe(5);
    expect(settings.paywall.template).toContain("You've reached your limit");
  });

  it('previews what is stored for the fields a draft leaves out', async () => {
    const patched = await t.app.inject({
      method: 'PATCH',
      url: '/api/admin/v1/settings',
      headers: t.admin,
      payload: { paywall: { benefitTemplate: '<p>Needs {{ required_benefits }}</p>' } },
    });
    expect(patched.statusCode).toBe(200);
    const s = byState((await preview({ freeLimit: 2 })).json().states as State[]);
    expect(s.vertical!.paywallHtml).toBe('<p>Needs Market analysis and investment insights</p>');
    expect(s.archive!.paywallHtml).toBe('<p>Needs Archives</p>');
  });

  it('refuses an invalid draft as a settings change would, naming the problem', async () => {
    const cases: [object, string, RegExp][] = [
      [
        { template: 'Hello {{ freelimit }}' },
        'invalid_template',
        /paywall\.template: invalid template: unknown variable freelimit/,
      ],
      [{ bannerTemplate: '<script>x()</script>' }, 'invalid_template', /meter\.bannerTemplate: .*<script>/],
      [{ premiumTemplate: '{% if %}' }, 'invalid_template', /paywall\.premiumTemplate/],
      [{ freeLimit: -1 }, 'validation_failed', /meter\.freeLimit/],
      [{ freeLimit: 'five' }, 'validation_failed', /freeLimit/],
      [{ colour: 'red' }, 'validation_failed', /colour/],
    ];
    for (const [payload, code, message] of cases) {
      const response = await preview(payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(422);
      expect(response.json().error.code, JSON.stringify(payload)).toBe(code);
      expect(response.json().error.message).toMatch(message);
    }
  });

  it('is refused without an admin key', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/admin/v1/previews/paywall',
      payload: {},
    });
    expect(response.statusCode).toBe(401);
  });
});
