import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSignedInReader, cards, planId } from '../support/billing.js';
import type { Browser } from '../support/browser.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';

// A coupon's limit counts checkouts, not only payments: a use is held from the moment a
// checkout quotes the code until that checkout is paid (a redemption) or ends (released). Before,
// the limit was checked when a checkout started and recorded when it was paid, so every reader
// who opened a checkout before the first one paid got the discount; and switching a leaked code
// off did not stop the checkouts already open.

const start = '2026-11-15T06:00:00.000Z';
const hour = 3_600_000;

describe.each(dialects)('coupon holds at checkout on $name', (dialect) => {
  let t: TestApp;
  let codes = 0;

  beforeAll(async () => {
    t = await buildTestApp(dialect, { at: start });
  });
  afterAll(() => t?.close());

  const aCoupon = async (options: { percentOff?: number; maxRedemptions?: number | null } = {}) =>
    t.services.coupons.create({
      code: `LEAK-${dialect.name}-${++codes}`,
      kind: 'percent',
      percentOff: options.percentOff ?? 100,
      duration: 'once',
      maxRedemptions: options.maxRedemptions === undefined ? 1 : options.maxRedemptions,
    });
  const startCheckout = async (browser: Browser, coupon: string) =>
    browser.send('POST', '/api/v1/checkout', {
      planId: await planId(t, 'smart-essential'),
      coupon,
      returnTo: '/account',
    });
  const pay = (browser: Browser, checkoutUrl: string) =>
    browser.send('POST', `${new URL(checkoutUrl).pathname}/pay`, { card: cards.ok });
  const counts = async (couponId: string) => {
    const coupon = (await t.services.coupons.get(couponId))!;
    return { redemptions: coupon.redemptions, reserved: coupon.reserved };
  };
  const subscriptionRow = (accountId: string) =>
    t.database.db
      .selectFrom('subscriptions')
      .selectAll()
      .where('account_id', '=', accountId)
      .executeTakeFirst();

  it('gives a 100%-off code with one use to one of six readers who open checkouts at once', async () => {
    t.clock.set(start);
    const coupon = await aCoupon();
    const readers = await Promise.all(Array.from({ length: 6 }, () => aSignedInReader(t)));
    const started = await Promise.all(readers.map((r) => startCheckout(r.browser, coupon.code)));

    const opened = started.flatMap((response, i) => (response.statusCode === 201 ? [i] : []));
    expect(opened).toHaveLength(1);
    for (const [i, response] of started.entries()) {
      if (i === opened[0]) continue;
      expect(response.statusCode).toBe(422);
      expect(response.json()).toEqual({
        error: {
          code: 'validation_failed',
          message: 'This code has been used as many times as it allows.',
          details: { field: 'coupon', reason: 'exhausted' },
        },
      });
    }
    expect(await counts(coupon.id)).toEqual({ redemptions: 0, reserved: 1 });

    // Everyone pays whatever they could open: only the holder gets a subscription, for nothing.
    const winner = readers[opened[0]!]!;
    const { checkoutId, checkoutUrl } = started[opened[0]!]!.json();
    expect((await pay(winner.browser, checkoutUrl)).json()).toMatchObject({ status: 'paid' });
    expect((await winner.browser.get(`/api/v1/checkout/${checkoutId}`)).json().checkout).toMatchObject({
      status: 'completed',
    });
    expect(await counts(coupon.id)).toEqual({ redemptions: 1, reserved: 0 });
    const subscribed = await Promise.all(readers.map((r) => subscriptionRow(r.accountId)));
    expect(subscribed.filter(Boolean)).toHaveLength(1);
    expect(subscribed[opened[0]!]).toMatchObject({ status: 'active' });

    // And the code stays used up for the next reader.
    const late = await aSignedInReader(t);
    expect((await startCheckout(late.browser, coupon.code)).statusCode).toBe(422);
  });

  it('gives the use back when the holding checkout expires unpaid, to the next reader', async () => {
    t.clock.set(start);
    const coupon = await aCoupon();
    const first = await aSignedInReader(t);
    expect((await startCheckout(first.browser, coupon.code)).statusCode).toBe(201);
    const second = await aSignedInReader(t);
    expect((await startCheckout(second.browser, coupon.code)).statusCode).toBe(422);

    t.clock.set(new Date(new Date(start).getTime() + 2 * hour));
    await t.services.billing.runSweep();
    expect(await counts(coupon.id)).toEqual({ redemptions: 0, reserved: 0 });

    const again = await startCheckout(second.browser, coupon.code);
    expect(again.statusCode).toBe(201);
    expect((await pay(second.browser, again.json().checkoutUrl)).json()).toMatchObject({ status: 'paid' });
    await second.browser.get(`/api/v1/checkout/${again.json().checkoutId}`);
    expect(await counts(coupon.id)).toEqual({ redemptions: 1, reserved: 0 });
    expect(await subscriptionRow(second.accountId)).toMatchObject({ status: 'active' });
  });

  it("holds one use per reader: a reader's second checkout with the code takes over the first's hold", async () => {
    t.clock.set(start);
    const coupon = await aCoupon({ maxRedemptions: 2 });
    const reader = await aSignedInReader(t);
    const firstTry = await startCheckout(reader.browser, coupon.code);
    const secondTry = await startCheckout(reader.browser, coupon.code);
    expect([firstTry.statusCode, secondTry.statusCode]).toEqual([201, 201]);
    expect(await counts(coupon.id)).toEqual({ redemptions: 0, reserved: 1 });

    // The first checkout lapsing does not take the hold its successor has.
    const { checkoutId: firstId } = firstTry.json();
    await t.database.db
      .updateTable('checkouts')
      .set({ expires_at: start })
      .where('id', '=', firstId)
      .execute();
    t.clock.set(new Date(new Date(start).getTime() + 1000));
    await t.services.billing.runSweep();
    expect(await counts(coupon.id)).toEqual({ redemptions: 0, reserved: 1 });

    expect((await pay(reader.browser, secondTry.json().checkoutUrl)).json()).toMatchObject({
      status: 'paid',
    });
    await reader.browser.get(`/api/v1/checkout/${secondTry.json().checkoutId}`);
    expect(await counts(coupon.id)).toEqual({ redemptions: 1, reserved: 0 });
  });

  it('stops open checkouts when the code is switched off: a paid discount is refunded, no subscription opens', async () => {
    t.clock.set(start);
    const coupon = await aCoupon({ percentOff: 50, maxRedemptions: null });
    const reader = await aSignedInReader(t);
    const started = await startCheckout(reader.browser, coupon.code);
    expect(started.statusCode).toBe(201);
    const { checkoutId, checkoutUrl } = started.json();

    const off = await t.app.inject({
      method: 'PATCH',
      url: `/api/admin/v1/coupons/${coupon.id}`,
      headers: t.admin,
      payload: { active: false },
    });
    expect(off.statusCode).toBe(200);

    expect((await pay(reader.browser, checkoutUrl)).json()).toMatchObject({ status: 'paid' });
    const state = (await reader.browser.get(`/api/v1/checkout/${checkoutId}`)).json().checkout;
    expect(state).toMatchObject({ status: 'failed' });
    expect(state.reason).toMatch(new RegExp(`code ${coupon.code} was withdrawn`));
    expect(state.reason).toContain('your payment has been refunded');
    expect(await subscriptionRow(reader.accountId)).toBeUndefined();
    expect(await counts(coupon.id)).toEqual({ redemptions: 0, reserved: 0 });

    // The money went back at the gateway, in full, once.
    const charge = await t.database.db
      .selectFrom('sandbox_charges')
      .selectAll()
      .where('reference', '=', checkoutId)
      .executeTakeFirstOrThrow();
    expect({ amount: Number(charge.amount_minor), status: charge.status }).toEqual({
      amount: 135_000,
      status: 'succeeded',
    });
    const refunds = await t.database.db
      .selectFrom('sandbox_refunds')
      .selectAll()
      .where('charge_id', '=', charge.id)
      .execute();
    expect(refunds.map((r) => Number(r.amount_minor))).toEqual([135_000]);

    // A second notice of the same payment changes nothing and refunds nothing more.
    await t.services.billing.runSweep();
    expect((await reader.browser.get(`/api/v1/checkout/${checkoutId}`)).json().checkout.status).toBe(
      'failed',
    );
    expect(
      await t.database.db
        .selectFrom('sandbox_refunds')
        .select('id')
        .where('charge_id', '=', charge.id)
        .execute(),
    ).toHaveLength(1);
  });

  it('stops an open 100%-off checkout when the code is switched off, charging nothing', async () => {
    t.clock.set(start);
    const coupon = await aCoupon({ maxRedemptions: 5 });
    const reader = await aSignedInReader(t);
    const started = await startCheckout(reader.browser, coupon.code);
    expect(started.statusCode).toBe(201);
    await t.services.coupons.update(coupon.id, { active: false });

    expect((await pay(reader.browser, started.json().checkoutUrl)).json()).toMatchObject({ status: 'paid' });
    const state = (await reader.browser.get(`/api/v1/checkout/${started.json().checkoutId}`)).json().checkout;
    expect(state).toMatchObject({ status: 'failed' });
    expect(state.reason).toContain('nothing was charged');
    expect(await subscriptionRow(reader.accountId)).toBeUndefined();
    expect(await counts(coupon.id)).toEqual({ redemptions: 0, reserved: 0 });

    // Switched on again, the code works for a new checkout.
    await t.services.coupons.update(coupon.id, { active: true });
    const again = await startCheckout(reader.browser, coupon.code);
    expect(again.statusCode).toBe(201);
    expect(await counts(coupon.id)).toEqual({ redemptions: 0, reserved: 1 });
  });
});
