import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaches } from '../../src/caches.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { fixedClock } from '../../src/kernel/clock.js';
import { money, type Money } from '../../src/kernel/money.js';
import {
  createCouponService,
  type CouponInput,
  type CouponService,
} from '../../src/modules/coupons/index.js';
import { createPlanService, type Plan } from '../../src/modules/plans/index.js';
import { createPublicationService } from '../../src/modules/publication/index.js';
import { createSettingsStore } from '../../src/modules/settings/index.js';
import { demoPlans } from '../../src/seed/demo.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';

describe.each(dialects)('coupons on $name', (dialect) => {
  let database: DatabaseHandle;
  let coupons: CouponService;
  let quarterly: Plan;
  let yearly: Plan;
  const clock = fixedClock('2026-11-15T06:00:00.000Z');
  let n = 0;
  /** A unique code per test, so tests share one database without clashing. */
  const code = (prefix: string) => `${prefix}${++n}`;
  const aCoupon = (overrides: Partial<CouponInput> = {}) =>
    coupons.create({ code: code('TEST'), kind: 'percent', percentOff: 20, duration: 'once', ...overrides });

  beforeAll(async () => {
    database = await dialect.open();
    const { db } = database;
    const caches = createCaches({ clock });
    const plans = createPlanService({ db, clock, cache: caches.activePlans });
    quarterly = await plans.create(demoPlans[0]!);
    yearly = await plans.create(demoPlans[1]!);
    const publication = createPublicationService({
      settings: createSettingsStore({ db, clock, cache: caches.settings }),
    });
    coupons = createCouponService({ db, clock, plans, publication });
  });
  afterAll(() => database.destroy());

  const quote = (text: string, accountId = 'acc_reader', plan = quarterly, price: Money = plan.prices[0]!) =>
    coupons.quote(text, { planId: plan.id, price, accountId });
  const redeemOnce = (couponId: string, accountId: string) =>
    database.db
      .transaction()
      .execute((trx) => coupons.redeem(trx, { couponId, accountId, subscriptionId: `sub_${accountId}` }));

  describe('create', () => {
    it('stores the code upper-case and finds it in any case', async () => {
      const coupon = await coupons.create({
        code: 'Diwali-25',
        kind: 'percent',
        percentOff: 25,
        duration: 'once',
      });
      expect(coupon).toMatchObject({ code: 'DIWALI-25', redemptions: 0, active: true, planIds: null });
      expect(coupon.id).toMatch(/^cpn_/);
      const quoted = await quote('diwali-25');
      expect(quoted).toEqual({
        ok: true,
        discount: {
          couponId: coupon.id,
          code: 'DIWALI-25',
          kind: 'percent',
          percentOff: 25,
          amountOff: null,
          duration: 'once',
        },
      });
    });

    it('refuses a taken code whatever its case', async () => {
      await coupons.create({ code: 'TAKEN', kind: 'percent', percentOff: 5, duration: 'once' });
      await expect(
        coupons.create({ code: 'taken', kind: 'percent', percentOff: 5, duration: 'once' }),
      ).rejects.toMatchObject({ code: 'conflict', message: 'The code "TAKEN" is taken.' });
    });

    it('refuses impossible coupons with a 4xx that names the field', async () => {
      const cases: [Partial<CouponInput>, string][] = [
        [{ code: 'AB' }, 'code'],
        [{ code: 'SPACE BAR' }, 'code'],
        [{ percentOff: 0 }, 'percentOff'],
        [{ percentOff: 101 }, 'percentOff'],
        [{ percentOff: null }, 'percentOff'],
        [{ amountOff: money(100, 'INR') }, 'amountOff'],
        [{ kind: 'amount', percentOff: null, amountOff: null }, 'amountOff'],
        [{ kind: 'amount', percentOff: null, amountOff: money(0, 'INR') }, 'amountOff'],
        [{ kind: 'amount', amountOff: money(100, 'INR') }, 'percentOff'],
        [{ planIds: [] }, 'planIds'],
        [{ planIds: ['pln_nosuch'] }, 'planIds'],
        [{ expiresAt: '2026-11-15T05:59:59.000Z' }, 'expiresAt'],
        [{ maxRedemptions: 0 }, 'maxRedemptions'],
      ];
      for (const [overrides, field] of cases) {
        const attempt = aCoupon(overrides);
        await expect(attempt, JSON.stringify(overrides)).rejects.toMatchObject({
          code: 'validation_failed',
          status: 422,
          details: { field },
        });
      }
    });

    it('updates, and lists newest first', async () => {
      const first = await aCoupon();
      clock.set('2026-11-15T06:00:01.000Z');
      const second = await aCoupon();
      clock.set('2026-11-15T06:00:00.000Z');
      const listed = (await coupons.list()).map((c) => c.id);
      expect(listed.indexOf(second.id)).toBeLessThan(listed.indexOf(first.id));
      const updated = await coupons.update(first.id, {
        active: false,
        expiresAt: '2027-01-01T00:00:00+05:30',
        maxRedemptions: 3,
      });
      expect(updated).toMatchObject({
        active: false,
        expiresAt: '2026-12-31T18:30:00.000Z',
        maxRedemptions: 3,
      });
      expect(await coupons.update(first.id, { expiresAt: null, maxRedemptions: null })).toMatchObject({
        expiresAt: null,
        maxRedemptions: null,
        active: false,
      });
      await expect(coupons.update('cpn_nosuch', { active: true })).rejects.toMatchObject({
        code: 'not_found',
      });
    });
  });

  describe('quote', () => {
    it('refuses an unknown code', async () => {
      expect(await quote('NOSUCHCODE')).toEqual({
        ok: false,
        reason: 'unknown',
        message: 'There is no code “NOSUCHCODE”. Check it and try again.',
      });
    });

    it('refuses a switched-off code', async () => {
      const coupon = await aCoupon();
      await coupons.update(coupon.id, { active: false });
      expect(await quote(coupon.code)).toMatchObject({ ok: false, reason: 'inactive' });
    });

    it('refuses an expired code, naming the day in the publication’s time zone', async () => {
      const coupon = await aCoupon({ expiresAt: '2026-11-16T18:30:00.000Z' });
      expect((await quote(coupon.code)).ok).toBe(true);
      clock.set('2026-11-20T00:00:00.000Z');
      try {
        expect(await quote(coupon.code)).toEqual({
          ok: false,
          reason: 'expired',
          // 18:30 UTC on the 16th is midnight on the 17th in Asia/Kolkata, the default zone.
          message: 'This code expired on 17 Nov 2026.',
        });
      } finally {
        clock.set('2026-11-15T06:00:00.000Z');
      }
    });

    it('refuses a code that has reached its limit', async () => {
      const coupon = await aCoupon({ maxRedemptions: 1 });
      expect(await redeemOnce(coupon.id, 'acc_first')).toBe(true);
      expect(await quote(coupon.code, 'acc_second')).toMatchObject({ ok: false, reason: 'exhausted' });
    });

    it('counts uses held by open checkouts against the limit, and gives them back on release', async () => {
      const coupon = await aCoupon({ maxRedemptions: 5 });
      const expiresAt = new Date('2026-11-15T07:00:00Z');
      const held = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          coupons.reserve({
            couponId: coupon.id,
            accountId: `acc_hold_${i}`,
            checkoutId: `chk_${i}`,
            expiresAt,
          }),
        ),
      );
      expect(held.filter((h) => h.ok)).toHaveLength(5);
      expect(await coupons.get(coupon.id)).toMatchObject({ redemptions: 0, reserved: 5 });
      expect(await quote(coupon.code, 'acc_late')).toMatchObject({ ok: false, reason: 'exhausted' });
      const winner = held.findIndex((h) => h.ok);
      await database.db.transaction().execute((trx) => coupons.release(trx, `chk_${winner}`));
      await database.db.transaction().execute((trx) => coupons.release(trx, `chk_${winner}`));
      expect(await coupons.get(coupon.id)).toMatchObject({ redemptions: 0, reserved: 4 });
      expect((await quote(coupon.code, 'acc_late')).ok).toBe(true);
    });

    it('refuses a code for another plan, and an amount in another currency', async () => {
      const forYearly = await aCoupon({ planIds: [yearly.id] });
      expect(await quote(forYearly.code, 'acc_reader', quarterly)).toMatchObject({
        ok: false,
        reason: 'not_applicable',
        message: 'This code does not apply to this plan.',
      });
      expect((await quote(forYearly.code, 'acc_reader', yearly)).ok).toBe(true);

      const dollars = await aCoupon({ kind: 'amount', percentOff: null, amountOff: money(500, 'USD') });
      expect(await quote(dollars.code)).toMatchObject({
        ok: false,
        reason: 'not_applicable',
        message: 'This code applies only to prices in USD.',
      });
      expect((await quote(dollars.code, 'acc_reader', quarterly, money(2_000, 'USD'))).ok).toBe(true);
    });

    it('refuses a code the reader has used already, but not another reader', async () => {
      const coupon = await aCoupon();
      expect(await redeemOnce(coupon.id, 'acc_used')).toBe(true);
      expect(await quote(coupon.code, 'acc_used')).toEqual({
        ok: false,
        reason: 'already_used',
        message: 'You have already used this code.',
      });
      expect((await quote(coupon.code, 'acc_other')).ok).toBe(true);
    });
  });

  describe('redeem', () => {
    it('grants exactly the limit to 20 concurrent subscriptions', async () => {
      const coupon = await aCoupon({ maxRedemptions: 5 });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => redeemOnce(coupon.id, `acc_race_${i}`)),
      );
      expect(results.filter(Boolean)).toHaveLength(5);
      expect((await coupons.get(coupon.id))!.redemptions).toBe(5);
      const rows = await database.db
        .selectFrom('coupon_redemptions')
        .select('account_id')
        .where('coupon_id', '=', coupon.id)
        .execute();
      // Exactly the winners have a redemption row: the losers' rows were taken back.
      expect(rows.map((r) => r.account_id).sort()).toEqual(
        results.flatMap((ok, i) => (ok ? [`acc_race_${i}`] : [])).sort(),
      );
    });

    it('lets an account redeem once, even when it tries ten times at once', async () => {
      const coupon = await aCoupon();
      const results = await Promise.all(Array.from({ length: 10 }, () => redeemOnce(coupon.id, 'acc_eager')));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await redeemOnce(coupon.id, 'acc_eager')).toBe(false);
      expect((await coupons.get(coupon.id))!.redemptions).toBe(1);
      expect(await redeemOnce(coupon.id, 'acc_someone_else')).toBe(true);
    });

    it('leaves the caller’s transaction usable after a refusal', async () => {
      const coupon = await aCoupon({ maxRedemptions: 1 });
      await redeemOnce(coupon.id, 'acc_one');
      const after = await database.db.transaction().execute(async (trx) => {
        const again = await coupons.redeem(trx, {
          couponId: coupon.id,
          accountId: 'acc_one',
          subscriptionId: 'sub_x',
        });
        const full = await coupons.redeem(trx, {
          couponId: coupon.id,
          accountId: 'acc_two',
          subscriptionId: 'sub_y',
        });
        // In PostgreSQL an error would have aborted the transaction and this would throw.
        const row = await trx
          .selectFrom('coupons')
          .select('redemptions')
          .where('id', '=', coupon.id)
          .executeTakeFirstOrThrow();
        return { again, full, redemptions: row.redemptions };
      });
      expect(after).toEqual({ again: false, full: false, redemptions: 1 });
    });

    it('counts nothing when the subscription’s transaction rolls back', async () => {
      const coupon = await aCoupon({ maxRedemptions: 1 });
      await expect(
        database.db.transaction().execute(async (trx) => {
          expect(
            await coupons.redeem(trx, { couponId: coupon.id, accountId: 'acc_rb', subscriptionId: 'sub_rb' }),
          ).toBe(true);
          throw new Error('the subscription could not start');
        }),
      ).rejects.toThrow('could not start');
      expect((await coupons.get(coupon.id))!.redemptions).toBe(0);
      expect(await redeemOnce(coupon.id, 'acc_rb')).toBe(true);
    });

    it('redeems nothing of a switched-off coupon', async () => {
      const coupon = await aCoupon();
      await coupons.update(coupon.id, { active: false });
      expect(await redeemOnce(coupon.id, 'acc_off')).toBe(false);
      expect(
        await database.db
          .selectFrom('coupon_redemptions')
          .select('id')
          .where('coupon_id', '=', coupon.id)
          .execute(),
      ).toEqual([]);
    });
  });
});

describe.each(dialects)('admin API for coupons on $name', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(() => t.close());

  const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: t.admin,
      ...(payload !== undefined && { payload: payload as object }),
    });

  it('refuses every coupon call without an admin key', async () => {
    for (const [method, url] of [
      ['GET', '/api/admin/v1/coupons'],
      ['GET', '/api/admin/v1/coupons/cpn_x'],
      ['POST', '/api/admin/v1/coupons'],
      ['PATCH', '/api/admin/v1/coupons/cpn_x'],
    ] as const) {
      const response = await t.app.inject({
        method,
        url,
        payload:
          method === 'GET'
            ? undefined
            : { code: 'SNEAKY', kind: 'percent', percentOff: 100, duration: 'forever' },
      });
      expect(response.statusCode, `${method} ${url}`).toBe(401);
      expect(response.json()).toMatchObject({ error: { code: 'unauthorized' } });
    }
    expect(await t.services.coupons.list()).toEqual([]);
  });

  it('creates, lists, reads and updates coupons', async () => {
    const [quarterly] = await t.services.plans.listActive();
    const percent = await call('POST', '/api/admin/v1/coupons', {
      code: 'welcome20',
      kind: 'percent',
      percentOff: 20,
      duration: 'once',
      planIds: [quarterly!.id],
      expiresAt: '2026-12-31T23:59:59+05:30',
      maxRedemptions: 100,
    });
    expect(percent.statusCode, percent.body).toBe(201);
    const coupon = percent.json().coupon;
    expect(percent.headers.location).toBe(`/api/admin/v1/coupons/${coupon.id}`);
    expect(coupon).toEqual({
      id: expect.stringMatching(/^cpn_/),
      code: 'WELCOME20',
      kind: 'percent',
      percentOff: 20,
      amountOff: null,
      duration: 'once',
      description: '20% off the first term',
      planIds: [quarterly!.id],
      expiresAt: '2026-12-31T18:29:59.000Z',
      maxRedemptions: 100,
      redemptions: 0,
      reserved: 0,
      active: true,
      createdAt: '2026-11-15T06:00:00.000Z',
    });

    t.clock.set('2026-11-15T06:00:01.000Z');
    const amount = await call('POST', '/api/admin/v1/coupons', {
      code: 'FLAT100',
      kind: 'amount',
      amountOff: { amount: 10_000, currency: 'INR' },
      duration: 'forever',
    });
    t.clock.set('2026-11-15T06:00:00.000Z');
    expect(amount.statusCode).toBe(201);
    expect(amount.json().coupon).toMatchObject({
      code: 'FLAT100',
      percentOff: null,
      amountOff: { amount: 10_000, currency: 'INR' },
      description: '₹100 off every term',
      planIds: null,
      expiresAt: null,
      maxRedemptions: null,
    });

    const listed = (await call('GET', '/api/admin/v1/coupons')).json().coupons as { code: string }[];
    expect(listed.map((c) => c.code)).toEqual(['FLAT100', 'WELCOME20']);
    expect((await call('GET', `/api/admin/v1/coupons/${coupon.id}`)).json().coupon).toEqual(coupon);

    const updated = await call('PATCH', `/api/admin/v1/coupons/${coupon.id}`, {
      active: false,
      maxRedemptions: null,
      expiresAt: null,
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json().coupon).toMatchObject({ active: false, maxRedemptions: null, expiresAt: null });
    expect(
      await t.services.coupons.quote('welcome20', {
        planId: quarterly!.id,
        price: quarterly!.prices[0]!,
        accountId: 'acc_x',
      }),
    ).toMatchObject({ ok: false, reason: 'inactive' });

    expect((await call('PATCH', '/api/admin/v1/coupons/cpn_nosuch', { active: true })).statusCode).toBe(404);
    expect((await call('GET', '/api/admin/v1/coupons/cpn_nosuch')).statusCode).toBe(404);
  });

  it('refuses invalid coupons with a 4xx whose message names the problem', async () => {
    const valid = { code: 'VALID1', kind: 'percent', percentOff: 10, duration: 'once' };
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [{ code: 'ab' }, 422, /code: expected 3 to 32 letters/],
      [{ code: 'has space' }, 422, /code: expected 3 to 32 letters/],
      [{ code: 'X'.repeat(33) }, 422, /code/],
      [{ kind: 'bogof' }, 422, /kind/],
      [{ duration: 'sometimes' }, 422, /duration/],
      [{ percentOff: 0 }, 422, /percentOff/],
      [{ percentOff: 150 }, 422, /percentOff/],
      [{ percentOff: undefined }, 422, /percent coupon needs percentOff, a whole number from 1 to 100/],
      [
        { amountOff: { amount: 100, currency: 'INR' } },
        422,
        /percent coupon takes percentOff, not amountOff/,
      ],
      [{ kind: 'amount', percentOff: undefined }, 422, /amount coupon needs amountOff/],
      [
        { kind: 'amount', percentOff: undefined, amountOff: { amount: 0, currency: 'INR' } },
        422,
        /above zero/,
      ],
      [
        { kind: 'amount', percentOff: undefined, amountOff: { amount: 10, currency: 'XYZ' } },
        422,
        /currency/,
      ],
      [{ planIds: ['pln_nosuch'] }, 422, /There is no plan "pln_nosuch"/],
      [{ planIds: [] }, 422, /at least one plan/],
      [{ expiresAt: 'tomorrow' }, 422, /expiresAt: expected an ISO 8601 date-time/],
      [{ expiresAt: '2026-11-01T00:00:00Z' }, 422, /expiry is in the past/],
      [{ maxRedemptions: 0 }, 422, /maxRedemptions/],
      [{ redemptions: 5 }, 422, /redemptions/],
    ];
    for (const [overrides, status, message] of cases) {
      const response = await call('POST', '/api/admin/v1/coupons', { ...valid, ...overrides });
      expect(response.statusCode, JSON.stringify(overrides)).toBe(status);
      expect(response.json().error.message, JSON.stringify(overrides)).toMatch(message);
    }
    expect((await call('POST', '/api/admin/v1/coupons', valid)).statusCode).toBe(201);
    const again = await call('POST', '/api/admin/v1/coupons', { ...valid, code: 'valid1' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toEqual({
      code: 'conflict',
      message: 'The code "VALID1" is taken.',
      details: { field: 'code' },
    });

    const id = (await t.services.coupons.list()).find((c) => c.code === 'VALID1')!.id;
    for (const patch of [{ maxRedemptions: 0 }, { percentOff: 50 }, { code: 'OTHER' }, { active: 'yes' }]) {
      expect(
        (await call('PATCH', `/api/admin/v1/coupons/${id}`, patch)).statusCode,
        JSON.stringify(patch),
      ).toBe(422);
    }
    expect(await t.services.coupons.get(id)).toMatchObject({
      code: 'VALID1',
      percentOff: 10,
      maxRedemptions: null,
    });
  });
});
