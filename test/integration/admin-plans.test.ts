import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money } from '../../src/kernel/money.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';

interface AdminPrice {
  id: string;
  amount: number;
  currency: string;
  current: boolean;
  createdAt: string;
  supersededAt: string | null;
}
interface AdminPlan {
  id: string;
  slug: string;
  name: string;
  interval: { unit: string; count: number };
  trialDays: number;
  benefits: string[];
  active: boolean;
  position: number;
  prices: { id: string; amount: number; currency: string }[];
  priceHistory: AdminPrice[];
}

describe.each(dialects)('admin API for plans on $name', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(() => t.close());

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: t.admin,
      ...(payload !== undefined && { payload: payload as object }),
    });
  const publicPlans = async () =>
    (await t.app.inject('/api/v1/plans')).json().plans as {
      id: string;
      price: { amount: number; currency: string };
    }[];
  let n = 0;
  const aPlan = (overrides: Record<string, unknown> = {}) => ({
    slug: `test-plan-${++n}`,
    name: `Test plan ${n}`,
    interval: { unit: 'month', count: 1 },
    benefits: ['premium-stories', 'epaper'],
    prices: [{ amount: 29_900, currency: 'INR' }],
    ...overrides,
  });
  const created = async (overrides: Record<string, unknown> = {}) => {
    const response = await call('POST', '/api/admin/v1/plans', aPlan(overrides));
    expect(response.statusCode, response.body).toBe(201);
    return response.json().plan as AdminPlan;
  };

  it('refuses every plan call without an admin key', async () => {
    for (const [method, url] of [
      ['GET', '/api/admin/v1/plans'],
      ['GET', '/api/admin/v1/plans/pln_x'],
      ['POST', '/api/admin/v1/plans'],
      ['PATCH', '/api/admin/v1/plans/pln_x'],
      ['POST', '/api/admin/v1/plans/pln_x/prices'],
      ['PUT', '/api/admin/v1/plans/order'],
    ] as const) {
      const response = await t.app.inject({ method, url, payload: method === 'GET' ? undefined : aPlan() });
      expect(response.statusCode, `${method} ${url}`).toBe(401);
      expect(response.json()).toMatchObject({ error: { code: 'unauthorized' } });
    }
    expect((await t.services.plans.listAll()).length).toBe(3);
  });

  it('lists every plan with its prices and their history', async () => {
    const response = await call('GET', '/api/admin/v1/plans');
    expect(response.statusCode).toBe(200);
    const plans = response.json().plans as AdminPlan[];
    expect(plans.map((p) => [p.slug, p.position, p.active])).toEqual([
      ['smart-quarterly', 0, true],
      ['smart-essential', 1, true],
      ['super-saver', 2, true],
    ]);
    const [quarterly] = plans;
    expect(quarterly!.interval).toEqual({ unit: 'month', count: 3 });
    expect(quarterly!.prices).toEqual([
      { id: expect.stringMatching(/^prc_/), amount: 90_000, currency: 'INR' },
    ]);
    expect(quarterly!.priceHistory).toEqual([
      {
        id: quarterly!.prices[0]!.id,
        amount: 90_000,
        currency: 'INR',
        current: true,
        createdAt: '2026-11-15T06:00:00.000Z',
        supersededAt: null,
      },
    ]);
  });

  it('creates a plan in several currencies, INR first, and offers it to readers', async () => {
    const response = await call(
      'POST',
      '/api/admin/v1/plans',
      aPlan({
        slug: undefined,
        name: 'Digital Monthly',
        trialDays: 7,
        prices: [
          { amount: 29_900, currency: 'INR' },
          { amount: 499, currency: 'USD' },
        ],
      }),
    );
    expect(response.statusCode).toBe(201);
    const plan = response.json().plan as AdminPlan;
    expect(response.headers.location).toBe(`/api/admin/v1/plans/${plan.id}`);
    expect(plan).toMatchObject({
      slug: 'digital-monthly',
      name: 'Digital Monthly',
      interval: { unit: 'month', count: 1 },
      trialDays: 7,
      benefits: ['premium-stories', 'epaper'],
      active: true,
      position: 3,
    });
    expect(plan.prices.map((p) => [p.currency, p.amount])).toEqual([
      ['INR', 29_900],
      ['USD', 499],
    ]);
    expect((await publicPlans()).find((p) => p.id === plan.id)?.price).toEqual({
      amount: 29_900,
      currency: 'INR',
    });
    expect((await call('GET', `/api/admin/v1/plans/${plan.id}`)).json().plan).toEqual(plan);
  });

  it('refuses invalid plans with a 4xx whose message names the problem', async () => {
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [
        { benefits: ['premium-stories', 'free-lunch'] },
        422,
        /benefits\.1: expected one of premium-stories, /,
      ],
      [{ benefits: ['epaper', 'epaper'] }, 422, /expected each benefit once/],
      [{ benefits: [] }, 422, /at least one benefit/],
      [
        {
          prices: [
            { amount: 29_900, currency: 'INR' },
            { amount: 30_000, currency: 'INR' },
          ],
        },
        422,
        /one price per currency; INR is given twice/,
      ],
      [
        {
          prices: [
            { amount: 499, currency: 'USD' },
            { amount: 29_900, currency: 'INR' },
          ],
        },
        422,
        /INR price must come first/,
      ],
      [{ prices: [] }, 422, /at least one price/],
      // A plan's name is a mail's subject and a line of the invoice.
      [{ name: 'Smart\nQuarterly' }, 422, /name: must be one line/],
      [{ prices: [{ amount: 0, currency: 'INR' }] }, 422, /prices\.0\.amount: expected an amount above zero/],
      [{ prices: [{ amount: 299.5, currency: 'INR' }] }, 422, /whole number of minor units/],
      [{ prices: [{ amount: 2 ** 53, currency: 'INR' }] }, 422, /prices\.0\.amount/],
      [{ prices: [{ amount: 100, currency: 'XYZ' }] }, 422, /supported ISO 4217 currency/],
      [{ interval: { unit: 'week', count: 1 } }, 422, /interval\.unit/],
      [{ interval: { unit: 'month', count: 0 } }, 422, /interval\.count/],
      [{ slug: 'Not A Slug' }, 422, /lowercase words joined by hyphens/],
      [{ slug: 'smart-quarterly' }, 409, /slug "smart-quarterly" exists already/],
      [{ slug: undefined, name: 'Super Saver' }, 409, /slug "super-saver" exists already/],
      [{ name: '' }, 422, /name/],
      [{ colour: 'red' }, 422, /colour/],
    ];
    const before = (await t.services.plans.listAll()).length;
    for (const [overrides, status, message] of cases) {
      const response = await call('POST', '/api/admin/v1/plans', aPlan(overrides));
      expect(response.statusCode, JSON.stringify(overrides)).toBe(status);
      expect(response.json().error.message, JSON.stringify(overrides)).toMatch(message);
    }
    expect((await t.services.plans.listAll()).length).toBe(before);
  });

  it('changes a plan, and retires it from the paywall without losing it', async () => {
    const plan = await created();
    const response = await call('PATCH', `/api/admin/v1/plans/${plan.id}`, {
      name: 'Renamed',
      trialDays: 14,
      benefits: ['archives'],
      position: 9,
      // The term sent back unchanged is accepted.
      interval: plan.interval,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().plan).toMatchObject({
      name: 'Renamed',
      trialDays: 14,
      benefits: ['archives'],
      position: 9,
      active: true,
    });
    expect((await publicPlans()).map((p) => p.id)).toContain(plan.id);

    expect(
      (await call('PATCH', `/api/admin/v1/plans/${plan.id}`, { active: false })).json().plan.active,
    ).toBe(false);
    expect((await publicPlans()).map((p) => p.id)).not.toContain(plan.id);
    expect(await t.services.plans.get(plan.id)).toMatchObject({
      id: plan.id,
      active: false,
      name: 'Renamed',
    });
    const listed = (await call('GET', '/api/admin/v1/plans')).json().plans as AdminPlan[];
    expect(listed.find((p) => p.id === plan.id)?.active).toBe(false);
  });

  it('refuses to change a term, a slug or prices through PATCH, saying what to do instead', async () => {
    const plan = await created();
    const term = await call('PATCH', `/api/admin/v1/plans/${plan.id}`, {
      interval: { unit: 'year', count: 1 },
    });
    expect(term.statusCode).toBe(422);
    expect(term.json().error.message).toMatch(
      /term cannot be changed \(this one is 1 month\).*Create a new plan/,
    );

    const prices = await call('PATCH', `/api/admin/v1/plans/${plan.id}`, {
      prices: [{ amount: 1, currency: 'INR' }],
    });
    expect(prices.statusCode).toBe(422);
    expect(prices.json().error.message).toMatch(/POST \/api\/admin\/v1\/plans\/\{id\}\/prices/);

    const slug = await call('PATCH', `/api/admin/v1/plans/${plan.id}`, { slug: 'other' });
    expect(slug.statusCode).toBe(422);
    expect(slug.json().error.message).toMatch(/slug cannot be changed/);

    expect((await t.services.plans.get(plan.id))?.term).toEqual({ unit: 'month', count: 1 });
    expect((await call('PATCH', '/api/admin/v1/plans/pln_nosuch', { name: 'x' })).statusCode).toBe(404);
    expect((await call('GET', '/api/admin/v1/plans/pln_nosuch')).statusCode).toBe(404);
  });

  it('makes a new price version that supersedes the old one, which stays retrievable', async () => {
    const plan = await created({
      prices: [
        { amount: 29_900, currency: 'INR' },
        { amount: 499, currency: 'USD' },
      ],
    });
    const oldInr = plan.prices[0]!;
    t.clock.set('2026-11-16T06:00:00.000Z');
    try {
      const response = await call('POST', `/api/admin/v1/plans/${plan.id}/prices`, {
        amount: 34_900,
        currency: 'INR',
      });
      expect(response.statusCode).toBe(201);
      const { price, plan: after } = response.json() as { price: AdminPrice; plan: AdminPlan };
      expect(price).toEqual({
        id: expect.stringMatching(/^prc_/),
        amount: 34_900,
        currency: 'INR',
        current: true,
        createdAt: '2026-11-16T06:00:00.000Z',
        supersededAt: null,
      });
      // INR stays first although the USD price is older.
      expect(after.prices).toEqual([
        { id: price.id, amount: 34_900, currency: 'INR' },
        { id: plan.prices[1]!.id, amount: 499, currency: 'USD' },
      ]);
      expect(after.priceHistory.map((p) => [p.currency, p.amount, p.current, p.supersededAt])).toEqual([
        ['INR', 34_900, true, null],
        ['INR', 29_900, false, '2026-11-16T06:00:00.000Z'],
        ['USD', 499, true, null],
      ]);

      // Subscribers on the old version keep it: it is still there by id.
      expect(await t.services.plans.price(oldInr.id)).toMatchObject({
        id: oldInr.id,
        planId: plan.id,
        amount: money(29_900, 'INR'),
        supersededAt: '2026-11-16T06:00:00.000Z',
      });
      expect(await t.services.plans.price(price.id)).toMatchObject({
        amount: money(34_900, 'INR'),
        supersededAt: null,
      });
      expect(await t.services.plans.price('prc_nosuch')).toBeUndefined();

      // Readers see the new price at once (the plans cache is cleared, though the clock stands still).
      expect((await publicPlans()).find((p) => p.id === plan.id)?.price).toEqual({
        amount: 34_900,
        currency: 'INR',
      });
      const active = (await t.services.plans.listActive()).find((p) => p.id === plan.id);
      expect(active?.prices.map((p) => p.id)).toEqual([price.id, plan.prices[1]!.id]);

      // A price in a new currency supersedes nothing.
      const euro = await call('POST', `/api/admin/v1/plans/${plan.id}/prices`, {
        amount: 450,
        currency: 'EUR',
      });
      expect(euro.statusCode).toBe(201);
      expect((euro.json().plan as AdminPlan).prices.map((p) => p.currency)).toEqual(['INR', 'EUR', 'USD']);
    } finally {
      t.clock.set('2026-11-15T06:00:00.000Z');
    }
  });

  it('refuses a price version that changes nothing, or is invalid, or is for no plan', async () => {
    const plan = await created();
    const same = await call('POST', `/api/admin/v1/plans/${plan.id}/prices`, {
      amount: 29_900,
      currency: 'INR',
    });
    expect(same.statusCode).toBe(409);
    expect(same.json().error.message).toMatch(/INR price is ₹299 already/);
    for (const body of [{ amount: -5, currency: 'INR' }, { amount: 100, currency: 'ABC' }, { amount: 100 }]) {
      expect((await call('POST', `/api/admin/v1/plans/${plan.id}/prices`, body)).statusCode).toBe(422);
    }
    expect(
      (await call('POST', '/api/admin/v1/plans/pln_nosuch/prices', { amount: 100, currency: 'INR' }))
        .statusCode,
    ).toBe(404);
    expect((await t.services.plans.getWithHistory(plan.id))?.priceHistory).toHaveLength(1);
  });

  it('leaves exactly one current price when price changes race', async () => {
    const plan = await created();
    const results = await Promise.allSettled(
      [31_000, 32_000, 33_000, 34_000, 35_000].map((amount) =>
        t.services.plans.addPrice(plan.id, money(amount, 'INR')),
      ),
    );
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    const history = (await t.services.plans.getWithHistory(plan.id))!.priceHistory;
    expect(history).toHaveLength(6);
    expect(history.filter((p) => p.supersededAt === null)).toHaveLength(1);
    expect((await t.services.plans.get(plan.id))!.prices).toHaveLength(1);
  });

  it('reorders every plan at once, as the paywall and /subscribe show them, refusing an incomplete order', async () => {
    const all = (await call('GET', '/api/admin/v1/plans')).json().plans as AdminPlan[];
    const reversed = [...all].reverse().map((plan) => plan.id);
    const response = await call('PUT', '/api/admin/v1/plans/order', { planIds: reversed });
    expect(response.statusCode, response.body).toBe(200);
    const ordered = response.json().plans as AdminPlan[];
    expect(ordered.map((plan) => plan.id)).toEqual(reversed);
    expect(ordered.map((plan) => plan.position)).toEqual(reversed.map((_, i) => i));
    const offered = (await publicPlans()).map((plan) => plan.id);
    expect(offered).toEqual(reversed.filter((id) => ordered.find((plan) => plan.id === id)!.active));

    for (const [planIds, message] of [
      [reversed.slice(1), /missing \(list every plan, retired ones too\): /],
      [[...reversed, reversed[0]], /given more than once/],
      [[...reversed, 'pln_nosuch'], /no such plan: pln_nosuch/],
      [[], /every plan id/],
    ] as const) {
      const refused = await call('PUT', '/api/admin/v1/plans/order', { planIds });
      expect(refused.statusCode, JSON.stringify(planIds)).toBe(422);
      expect(refused.json().error.message).toMatch(message);
    }
    expect((await call('GET', '/api/admin/v1/plans')).json().plans.map((p: AdminPlan) => p.id)).toEqual(
      reversed,
    );
  });

  it('previews the plans of /subscribe for draft plans without saving them', async () => {
    const before = (await t.services.plans.listAll()).length;
    const draft = await call('POST', '/api/admin/v1/previews/subscribe', {
      plans: [
        aPlan({ name: 'Weekend Pass', prices: [{ amount: 19_900, currency: 'INR' }], benefits: ['epaper'] }),
        aPlan({ name: 'Hidden', active: false }),
      ],
    });
    expect(draft.statusCode, draft.body).toBe(200);
    const html = draft.json().html as string;
    expect(html).toContain('Weekend Pass');
    expect(html).toContain('₹199');
    expect(html).toContain('data-benefit="epaper"');
    expect(html).not.toContain('Hidden');
    expect((await t.services.plans.listAll()).length).toBe(before);

    const offered = await call('POST', '/api/admin/v1/previews/subscribe', {});
    expect(offered.statusCode).toBe(200);
    for (const plan of await t.services.plans.listActive()) expect(offered.json().html).toContain(plan.name);

    const bad = await call('POST', '/api/admin/v1/previews/subscribe', {
      plans: [
        aPlan({
          prices: [
            { amount: 100, currency: 'USD' },
            { amount: 100, currency: 'INR' },
          ],
        }),
      ],
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.message).toMatch(/plans\.0\.prices: The INR price must come first/);
  });
});
