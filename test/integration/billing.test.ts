import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscriptionJson } from '../../src/modules/subscriptions/index.js';
import {
  aSignedInReader,
  aSubscriber,
  cards,
  checkoutAndPay,
  planId,
  signInAgain,
  subscriptionOf as subscriptionThroughApi,
} from '../support/billing.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';

const day = 86_400_000;
const later = (iso: string, days: number) => new Date(new Date(iso).getTime() + days * day).toISOString();

// Subscriptions on the sandbox gateway: what Masthead decides on its own, whichever gateway takes
// the money (the reminder's timing, cancelling, plan changes, coupons and trials, deletion,
// support), and the sandbox's hosted page declining a card. What each gateway must do the same
// way — checkout and its webhooks, renewals, outages, lost answers, dunning, ₹0 renewals — is
// the contract's, run on every gateway: gateway-contract.test.ts.

describe.each(dialects)('subscriptions and billing on $name', (dialect) => {
  let t: TestApp;
  const start = '2026-11-15T06:00:00.000Z';
  const renewal = '2027-11-15T06:00:00.000Z';

  beforeAll(async () => {
    t = await buildTestApp(dialect, { at: start });
  });
  afterAll(() => t.close());

  const db = () => t.database.db;
  const chargesOf = async (accountId: string) =>
    db()
      .selectFrom('sandbox_charges')
      .innerJoin('sandbox_payment_methods', 'sandbox_payment_methods.id', 'sandbox_charges.payment_method_id')
      .select(['sandbox_charges.id', 'sandbox_charges.status', 'sandbox_charges.amount_minor'])
      .where('sandbox_payment_methods.customer_ref', '=', accountId)
      // Off-session charges only (renewals, upgrades), not the one taken on the checkout page.
      .where('sandbox_charges.reference', 'like', 'pay_%')
      .execute();
  const paymentsOf = (accountId: string) =>
    db()
      .selectFrom('payments')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('created_at')
      .execute();
  const invoicesOf = (accountId: string) =>
    db().selectFrom('invoices').selectAll().where('account_id', '=', accountId).orderBy('sequence').execute();
  const at = (iso: string) => t.clock.set(iso);
  /** The subscription as the API shows it, whatever the reader's session: tests move the clock by years. */
  const subscriptionOf = async (accountId: string) => {
    const view = await t.services.billing.subscription(accountId);
    if (!view) throw new Error(`${accountId} has no subscription`);
    return subscriptionJson(view);
  };
  const entitlementsOf = async (accountId: string) => [...(await t.services.billing.entitlements(accountId))];
  const sweep = () => t.services.billing.runSweep();

  it('a declined card shows the reason and opens no subscription', async () => {
    at(start);
    const reader = await aSignedInReader(t);
    const { checkoutId, paid } = await checkoutAndPay(t, reader.browser, { card: cards.declined });
    expect(paid.json()).toMatchObject({ status: 'declined', reason: expect.stringMatching(/declined/i) });
    expect((await reader.browser.get(`/api/v1/checkout/${checkoutId}`)).json().checkout.status).toBe('open');
    expect(await subscriptionThroughApi(reader.browser)).toBeNull();
    expect((await reader.browser.get('/api/v1/me')).json().entitlements).toEqual([]);
    expect(await chargesOf(reader.accountId)).toEqual([]);
  });

  it('refuses a second checkout while subscribed', async () => {
    at(start);
    const reader = await aSubscriber(t);
    const second = await reader.browser.send('POST', '/api/v1/checkout', {
      planId: await planId(t, 'super-saver'),
    });
    expect(second.statusCode).toBe(409);
  });

  it('never charges sooner than 24 hours after the reminder', async () => {
    at(start);
    const reader = await aSubscriber(t);
    // The sweep did not run for days: at the renewal date the reminder goes out first.
    at(renewal);
    const first = await sweep();
    expect(first.reminded).toBeGreaterThanOrEqual(1);
    expect(await chargesOf(reader.accountId)).toHaveLength(0);
    expect((await subscriptionOf(reader.accountId)).renewal?.at).toBe(later(renewal, 1));
    at(later(renewal, 0.5));
    await sweep();
    expect(await chargesOf(reader.accountId)).toHaveLength(0);
    at(later(renewal, 1));
    await sweep();
    expect(await chargesOf(reader.accountId)).toHaveLength(1);
  });

  it('cancels with the end date stated, resumes, and a cancelled subscription ends with its term', async () => {
    at(start);
    const reader = await aSubscriber(t);
    const canceled = await reader.browser.send('POST', '/api/v1/subscription/cancel', {
      reason: 'too expensive',
    });
    expect(canceled.statusCode).toBe(200);
    expect(canceled.json().subscription).toMatchObject({
      status: 'canceling',
      endsAt: renewal,
      renewal: null,
    });
    expect((await t.services.mail.sentTo(reader.email)).map((m) => m.template)).toContain(
      'subscription-canceled',
    );
    expect((await reader.browser.send('POST', '/api/v1/subscription/cancel')).statusCode).toBe(409);

    const resumed = await reader.browser.send('POST', '/api/v1/subscription/resume');
    expect(resumed.json().subscription).toMatchObject({
      status: 'active',
      endsAt: null,
      renewal: { at: renewal },
    });

    await reader.browser.send('POST', '/api/v1/subscription/cancel');
    at(later(renewal, -3));
    expect((await sweep()).reminded).toBe(0);
    at(later(renewal, -1));
    expect(await entitlementsOf(reader.accountId)).toContain('premium-stories');
    at(renewal);
    await sweep();
    expect(await subscriptionOf(reader.accountId)).toMatchObject({ status: 'expired', endsAt: renewal });
    expect(await chargesOf(reader.accountId)).toHaveLength(0);
    await signInAgain(reader.browser, reader.email);
    expect((await reader.browser.send('POST', '/api/v1/subscription/resume')).statusCode).toBe(404);
    // Ended, the reader may subscribe again.
    const again = await reader.browser.send('POST', '/api/v1/checkout', {
      planId: await planId(t, 'smart-quarterly'),
    });
    expect(again.statusCode).toBe(201);
  });

  it('an upgrade starts now with the unused time credited; a downgrade waits for the renewal', async () => {
    at(start);
    const reader = await aSubscriber(t, { plan: 'smart-quarterly' });
    const quarterEnd = '2027-02-15T06:00:00.000Z';
    const halfway = new Date((new Date(start).getTime() + new Date(quarterEnd).getTime()) / 2).toISOString();
    at(halfway);
    await signInAgain(reader.browser, reader.email);
    const upgraded = await reader.browser.send('POST', '/api/v1/subscription/change', {
      planId: await planId(t, 'smart-essential'),
    });
    expect(upgraded.statusCode, upgraded.body).toBe(200);
    expect(upgraded.json().change).toEqual({
      kind: 'upgrade',
      charged: { amount: 270_000 - 45_000, currency: 'INR' },
      credit: { amount: 45_000, currency: 'INR' },
    });
    expect(upgraded.json().subscription).toMatchObject({
      plan: { name: 'Smart Essential' },
      currentPeriodStart: halfway,
      currentPeriodEnd: later(halfway, 365),
    });

    const downgraded = await reader.browser.send('POST', '/api/v1/subscription/change', {
      planId: await planId(t, 'smart-quarterly'),
    });
    expect(downgraded.json()).toMatchObject({
      change: { kind: 'downgrade', effectiveAt: later(halfway, 365) },
      subscription: { plan: { name: 'Smart Essential' }, pendingChange: { planName: 'Smart Quarterly' } },
    });
    at(later(halfway, 362));
    await sweep();
    at(later(halfway, 365));
    await sweep();
    expect(await subscriptionOf(reader.accountId)).toMatchObject({
      plan: { name: 'Smart Quarterly' },
      price: { amount: 90_000 },
      pendingChange: null,
    });
    expect((await paymentsOf(reader.accountId)).map((p) => [p.kind, p.amount_minor])).toEqual([
      ['initial', 90_000],
      ['upgrade', 225_000],
      ['renewal', 90_000],
    ]);
  });

  it('a first-term coupon lowers the first charge only; a trial charges nothing until it ends', async () => {
    at(start);
    const coupons = t.services.coupons;
    await coupons.create({ code: 'WELCOME20', kind: 'percent', percentOff: 20, duration: 'once' });
    const reader = await aSubscriber(t, { coupon: 'welcome20' });
    expect((await paymentsOf(reader.accountId))[0]).toMatchObject({ amount_minor: 216_000 });
    expect((await subscriptionOf(reader.accountId)).price).toEqual({ amount: 270_000, currency: 'INR' });
    const refused = await (
      await aSignedInReader(t)
    ).browser.send('POST', '/api/v1/checkout', {
      planId: await planId(t, 'smart-essential'),
      coupon: 'NOPE',
    });
    expect(refused.statusCode).toBe(422);

    const trialPlan = await t.services.plans.create({
      slug: 'trial-monthly',
      name: 'Trial Monthly',
      term: { unit: 'month', count: 1 },
      trialDays: 14,
      benefits: ['premium-stories'],
      prices: [{ amountMinor: 39_900, currency: 'INR' }],
    });
    const trialist = await aSignedInReader(t);
    const { checkoutId, paid } = await checkoutAndPay(t, trialist.browser, { plan: trialPlan.slug });
    expect(paid.json().status).toBe('paid');
    await trialist.browser.get(`/api/v1/checkout/${checkoutId}`);
    expect(await subscriptionOf(trialist.accountId)).toMatchObject({
      status: 'trialing',
      trialEndsAt: later(start, 14),
      renewal: { at: later(start, 14), amount: { amount: 39_900 } },
    });
    expect(await chargesOf(trialist.accountId)).toHaveLength(0);
    at(later(start, 11));
    await sweep();
    at(later(start, 14));
    await sweep();
    expect(await subscriptionOf(trialist.accountId)).toMatchObject({
      status: 'active',
      currentPeriodEnd: '2026-12-29T06:00:00.000Z',
    });
    expect((await chargesOf(trialist.accountId)).map((c) => c.amount_minor)).toEqual([39_900]);
  });

  it('an account whose subscription still renews is not deleted; once cancelled it is, and billing records stay', async () => {
    at(start);
    const reader = await aSubscriber(t);
    const exported = (await reader.browser.get('/api/v1/me/export')).json();
    expect(exported.billing).toMatchObject({
      subscription: { status: 'active', plan: { name: 'Smart Essential' } },
      payments: [{ kind: 'initial', amount: { amount: 270_000, currency: 'INR' } }],
      invoices: [{ number: expect.stringMatching(/^INV\d{4}-\d{6}$/) }],
    });
    const refused = await reader.browser.send('DELETE', '/api/v1/me');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toMatch(/Cancel your subscription/);

    await reader.browser.send('POST', '/api/v1/subscription/cancel');
    expect((await reader.browser.send('DELETE', '/api/v1/me')).statusCode).toBe(204);
    expect(await subscriptionOf(reader.accountId)).toMatchObject({ status: 'expired' });
    expect(await invoicesOf(reader.accountId)).toHaveLength(1);
  });

  it('support finds a subscriber by email and sees the history of their subscription', async () => {
    at(start);
    const reader = await aSubscriber(t);
    await reader.browser.send('POST', '/api/v1/subscription/cancel', { reason: 'moving abroad' });
    const listed = await t.app.inject({
      url: `/api/admin/v1/subscribers?email=${encodeURIComponent(reader.email)}`,
      headers: t.admin,
    });
    expect(listed.statusCode).toBe(200);
    const [subscriber] = listed.json().subscribers;
    expect(subscriber).toMatchObject({
      email: reader.email,
      status: 'canceling',
      accountId: reader.accountId,
    });
    const detail = (
      await t.app.inject({ url: `/api/admin/v1/subscribers/${subscriber.subscriptionId}`, headers: t.admin })
    ).json();
    expect(detail.events.map((e: { kind: string; actor: string }) => `${e.kind} by ${e.actor}`)).toEqual([
      `start by reader:${reader.accountId}`,
      `cancel by reader:${reader.accountId}`,
    ]);
    expect(detail.payments).toHaveLength(1);
    expect((await t.app.inject({ url: '/api/admin/v1/subscribers' })).statusCode).toBe(401);
    expect(
      (await t.app.inject({ url: '/api/admin/v1/subscribers?status=nonsense', headers: t.admin })).statusCode,
    ).toBe(422);
  });
});
