import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSignedInReader, aSubscriber } from '../support/billing.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';

// The support desk's reader search and reader page, over HTTP.
describe.each(dialects)('support desk readers on $name', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp(dialect, { at: '2026-11-15T06:00:00.000Z' });
  });
  afterAll(() => t.close());

  const get = (url: string) => t.app.inject({ url, headers: t.admin });

  it('finds a reader by email, by name and by invoice number, and shows one reader', async () => {
    const reader = await aSubscriber(t);
    const me = (await reader.browser.get('/api/v1/me')).json();
    const id: string = me.reader.id;
    expect(id).toBe(reader.accountId);

    const byEmail = await get(`/api/admin/v1/readers?q=${encodeURIComponent(reader.email.toUpperCase())}`);
    expect(byEmail.statusCode).toBe(200);
    expect(byEmail.json().readers.map((r: { id: string }) => r.id)).toEqual([id]);

    const detail = await get(`/api/admin/v1/readers/${id}`);
    expect(detail.statusCode, detail.body).toBe(200);
    const shown = detail.json().reader;
    expect(shown).toMatchObject({ id, email: reader.email, subscription: { status: 'active' } });
    expect(shown.payments).toHaveLength(1);
    expect(shown.payments[0]).toMatchObject({ id: expect.stringMatching(/^pay_/), status: 'succeeded' });
    expect(shown.payments[0].amount).toMatchObject({ currency: 'INR' });
    expect(shown.payments[0].refunded).toEqual({ amount: 0, currency: 'INR' });
    expect(shown.invoices).toHaveLength(1);
    expect(shown.devices.length).toBeGreaterThanOrEqual(1);
    expect(shown.events.map((e: { kind: string }) => e.kind)).toContain('start');
    expect(shown.meter).toMatchObject({ reads: expect.any(Number) });

    const number: string = shown.invoices[0].number;
    const byInvoice = await get(`/api/admin/v1/readers?q=${encodeURIComponent(number.toLowerCase())}`);
    expect(byInvoice.json().readers.map((r: { id: string }) => r.id)).toContain(id);

    const named = await aSignedInReader(t, 'Zebulon Quartermaine');
    const byName = await get('/api/admin/v1/readers?q=quartermaine');
    expect(byName.json().readers.map((r: { id: string }) => r.id)).toEqual([named.accountId]);
    // What support types matches as typed: `%` and `_` are not wildcards.
    const nobody = await get('/api/admin/v1/readers?q=%25');
    expect(nobody.statusCode).toBe(200);
    expect(nobody.json().readers).toEqual([]);
    const underscored = await aSignedInReader(t, 'Ada_Lovelace');
    await aSignedInReader(t, 'AdaXLovelace');
    const literal = await get('/api/admin/v1/readers?q=ada_l');
    expect(literal.json().readers.map((r: { id: string }) => r.id)).toEqual([underscored.accountId]);
  });

  it('pages the search and refuses bad input and unknown readers clearly', async () => {
    await aSignedInReader(t);
    await aSignedInReader(t);
    const first = await get('/api/admin/v1/readers?q=example.com&limit=1');
    const [one] = first.json().readers;
    expect(first.json().readers).toHaveLength(1);
    const next = await get(`/api/admin/v1/readers?q=example.com&limit=1&before=${one.id}`);
    expect(next.json().readers[0].id < one.id).toBe(true);

    expect((await get('/api/admin/v1/readers')).statusCode).toBe(422);
    expect((await get('/api/admin/v1/readers?q=a&limit=500')).statusCode).toBe(422);
    expect((await get('/api/admin/v1/readers/nonsense')).statusCode).toBe(422);
    const unknown = await get(`/api/admin/v1/readers/acc_${'0'.repeat(26)}`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { code: 'not_found' } });
    expect((await t.app.inject({ url: '/api/admin/v1/readers?q=a' })).statusCode).toBe(401);
  });

  it('comps a reader with named benefits or a plan, at once and for the days given, and records it', async () => {
    const reader = await aSignedInReader(t);
    const me = async () => (await reader.browser.get('/api/v1/me')).json();
    expect((await me()).entitlements).toEqual([]);
    const comp = (body: unknown) =>
      t.app.inject({
        method: 'POST',
        url: `/api/admin/v1/readers/${reader.accountId}/comp`,
        headers: t.admin,
        payload: body as object,
      });

    const granted = await comp({ benefits: ['epaper'], days: 30 });
    expect(granted.statusCode, granted.body).toBe(201);
    expect(granted.json().comp).toMatchObject({
      accountId: reader.accountId,
      planId: null,
      benefits: ['epaper'],
    });
    const { startsAt, endsAt } = granted.json().comp;
    expect(new Date(endsAt).getTime() - new Date(startsAt).getTime()).toBe(30 * 86_400_000);
    // Seen at once, whatever was cached before.
    expect((await me()).entitlements).toEqual(['epaper']);

    const plans = await t.services.plans.listAll();
    const plan = plans.find((p) => p.benefits.length > 1) ?? plans[0]!;
    expect((await comp({ planId: plan.id, days: 7 })).statusCode).toBe(201);
    expect(new Set((await me()).entitlements)).toEqual(new Set(['epaper', ...plan.benefits]));

    const shown = (await get(`/api/admin/v1/readers/${reader.accountId}`)).json().reader;
    expect(shown.comps).toHaveLength(2);
    expect(shown.subscription).toBeNull();
    const facts = await t.services.billing.compsBetween(startsAt, new Date(Date.parse(endsAt)).toISOString());
    expect(facts.map((f) => f.accountId)).toContain(reader.accountId);

    // Past its term the comp grants nothing.
    t.clock.set(new Date(Date.parse(endsAt) + 60_000).toISOString());
    t.services.caches.entitlements.clear();
    expect(await t.services.billing.entitlements(reader.accountId)).toEqual(new Set());
    t.clock.set('2026-11-15T06:00:00.000Z');

    expect((await comp({ benefits: ['no-such-benefit'], days: 3 })).statusCode).toBe(422);
    expect((await comp({ days: 3 })).statusCode).toBe(422);
    expect((await comp({ benefits: ['epaper'], days: 0 })).statusCode).toBe(422);
    expect((await comp({ planId: `pln_${'0'.repeat(26)}`, days: 3 })).statusCode).toBe(422);
    const unknown = await t.app.inject({
      method: 'POST',
      url: `/api/admin/v1/readers/acc_${'0'.repeat(26)}/comp`,
      headers: t.admin,
      payload: { benefits: ['epaper'], days: 3 },
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('cancels a subscription at the end of its term or now, through the lifecycle', async () => {
    const cancel = (accountId: string, when: string) =>
      t.app.inject({
        method: 'POST',
        url: `/api/admin/v1/readers/${accountId}/cancel`,
        headers: t.admin,
        payload: { when },
      });
    const later = await aSubscriber(t);
    const atEnd = await cancel(later.accountId, 'period_end');
    expect(atEnd.statusCode, atEnd.body).toBe(200);
    expect(atEnd.json().subscription).toMatchObject({ status: 'canceling' });
    expect((await later.browser.get('/api/v1/me')).json().entitlements.length).toBeGreaterThan(0);

    const now = await aSubscriber(t);
    const ended = await cancel(now.accountId, 'now');
    expect(ended.json().subscription).toMatchObject({ status: 'expired' });
    expect((await now.browser.get('/api/v1/me')).json().entitlements).toEqual([]);
    const events = (await get(`/api/admin/v1/readers/${now.accountId}`)).json().reader.events;
    expect(events.map((e: { kind: string }) => e.kind)).toEqual(['start', 'cancel', 'expire']);

    expect((await cancel(now.accountId, 'now')).statusCode).toBe(404);
    expect((await cancel(now.accountId, 'tomorrow')).statusCode).toBe(422);
  });
});
