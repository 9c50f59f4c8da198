import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../../src/app.js';
import { signSandboxPayload, sandboxWebhookSecret } from '../../src/modules/payments/index.js';
import { subscriptionJson } from '../../src/modules/subscriptions/index.js';
import { chargingLeaseMs } from '../../src/modules/subscriptions/renewals/charging.js';
import {
  aSignedInReader,
  aSubscriber,
  cards,
  checkoutAndPay,
  planId,
  signInAgain,
  subscriptionOf as subscriptionThroughApi,
} from '../support/billing.js';
import { anArticle, buildTestApp, sandboxOf, testSecret, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';

const day = 86_400_000;
const later = (iso: string, days: number) => new Date(new Date(iso).getTime() + days * day).toISOString();

describe.each(dialects)('subscriptions and billing on $name', (dialect) => {
  let t: TestApp;
  let premiumSlug: string;
  const start = '2026-11-15T06:00:00.000Z';
  const renewal = '2027-11-15T06:00:00.000Z';

  beforeAll(async () => {
    t = await buildTestApp(dialect, { at: start });
    premiumSlug = (await t.services.content.create(anArticle({ access: 'premium' }))).slug;
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
  const eventsOf = (subscriptionId: string) =>
    db()
      .selectFrom('subscription_events')
      .select(['kind', 'from_status', 'to_status', 'actor'])
      .where('subscription_id', '=', subscriptionId)
      .orderBy('id')
      .execute();
  const at = (iso: string) => t.clock.set(iso);
  /** The subscription as the API shows it, whatever the reader's session: tests move the clock by years. */
  const subscriptionOf = async (accountId: string) => {
    const view = await t.services.billing.subscription(accountId);
    if (!view) throw new Error(`${accountId} has no subscription`);
    return subscriptionJson(view);
  };
  const entitlementsOf = async (accountId: string) => [...(await t.services.billing.entitlements(accountId))];
  const sweep = () => t.services.billing.runSweep();

  it('a paid checkout opens a subscription renewing a year ahead, with an invoice and the plan’s benefits', async () => {
    at(start);
    const reader = await aSignedInReader(t);
    expect((await reader.browser.get(`/api/v1/articles/${premiumSlug}`)).json().access.granted).toBe(false);
    const { checkoutId, paid } = await checkoutAndPay(t, reader.browser, { billingState: '29' });
    expect(paid.json()).toMatchObject({ status: 'paid' });
    expect(paid.json().redirectUrl).toContain(`/subscribe/return?checkout=${checkoutId}`);

    const returned = await reader.browser.get(`/api/v1/checkout/${checkoutId}`);
    expect(returned.json().checkout).toMatchObject({ status: 'completed', returnTo: '/account' });
    const subscription = await subscriptionThroughApi(reader.browser);
    expect(subscription).toMatchObject({
      status: 'active',
      plan: { name: 'Smart Essential', term: { unit: 'year', count: 1 } },
      price: { amount: 270_000, currency: 'INR' },
      currentPeriodEnd: renewal,
      renewal: { at: renewal, amount: { amount: 270_000, currency: 'INR' } },
      endsAt: null,
      paymentMethod: 'Visa •••• 4242',
    });
    const me = (await reader.browser.get('/api/v1/me')).json();
    expect(me.entitlements).toContain('premium-stories');
    expect(me.subscription.id).toBe(subscription.id);
    const article = (await reader.browser.get(`/api/v1/articles/${premiumSlug}`)).json();
    expect(article.access).toMatchObject({ granted: true, reason: 'subscriber' });

    const [payment] = await paymentsOf(reader.accountId);
    expect(payment).toMatchObject({ kind: 'initial', status: 'succeeded', amount_minor: 270_000 });
    const [invoice] = await invoicesOf(reader.accountId);
    // Karnataka (29) is not the publisher's Maharashtra (27): IGST.
    expect(invoice).toMatchObject({
      payment_id: payment!.id,
      total_minor: 270_000,
      taxable_minor: 228_814,
      igst_minor: 41_186,
    });
    expect(await eventsOf(subscription.id)).toEqual([
      { kind: 'start', from_status: null, to_status: 'active', actor: `reader:${reader.accountId}` },
    ]);
  });

  it('the webhook arriving after the return — and again — changes nothing; arriving first it opens the subscription', async () => {
    at(start);
    const late = await aSubscriber(t);
    const before = await subscriptionOf(late.accountId);
    const delivered = await sandboxOf(t).webhooks.deliverDue();
    expect(delivered).toBeGreaterThan(0);
    expect(await subscriptionOf(late.accountId)).toEqual(before);
    expect(await paymentsOf(late.accountId)).toHaveLength(1);

    const early = await aSignedInReader(t);
    const { checkoutId, paid } = await checkoutAndPay(t, early.browser);
    expect(paid.json().status).toBe('paid');
    await sandboxOf(t).webhooks.deliverDue();
    const opened = await subscriptionOf(early.accountId);
    expect(opened).toMatchObject({ status: 'active' });
    expect((await early.browser.get(`/api/v1/checkout/${checkoutId}`)).json().checkout.status).toBe(
      'completed',
    );
    expect((await subscriptionOf(early.accountId)).id).toBe(opened.id);
    expect(await paymentsOf(early.accountId)).toHaveLength(1);
    expect(await invoicesOf(early.accountId)).toHaveLength(1);

    // The processor delivering the same event again (its retry after a lost answer).
    const [event] = await db()
      .selectFrom('sandbox_webhooks')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(1)
      .execute();
    const again = await t.app.inject({
      method: 'POST',
      url: '/webhooks/sandbox',
      payload: event!.payload,
      headers: {
        'content-type': 'application/json',
        'sandbox-signature': signSandboxPayload(
          event!.payload,
          sandboxWebhookSecret(testSecret),
          Math.floor(t.clock.now().getTime() / 1000),
        ),
      },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ received: true, duplicate: true });
  });

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

  it('refuses a webhook with a bad signature, and a second checkout while subscribed', async () => {
    const forged = await t.app.inject({
      method: 'POST',
      url: '/webhooks/sandbox',
      payload: JSON.stringify({
        id: 'evt_forged',
        type: 'charge.succeeded',
        created: 1,
        data: { object: {} },
      }),
      headers: { 'content-type': 'application/json', 'sandbox-signature': 't=1,v1=00' },
    });
    expect(forged.statusCode).toBe(400);
    expect((await t.app.inject({ method: 'POST', url: '/webhooks/stripe', payload: '{}' })).statusCode).toBe(
      404,
    );

    at(start);
    const reader = await aSubscriber(t);
    const second = await reader.browser.send('POST', '/api/v1/checkout', {
      planId: await planId(t, 'super-saver'),
    });
    expect(second.statusCode).toBe(409);
  });

  it('renews once: a reminder three days ahead, the charge on the date, and two sweeps at once charge once', async () => {
    at(start);
    const reader = await aSubscriber(t);
    at(later(renewal, -3));
    const reminded = await sweep();
    expect(reminded.reminded).toBeGreaterThanOrEqual(1);
    const mail = await t.services.mail.sentTo(reader.email);
    expect(mail.map((m) => m.template)).toContain('renewal-reminder');
    expect(await sweep()).toMatchObject({ reminded: 0, charged: 0 });

    at(renewal);
    // A second instance of Masthead on the same database, sweeping at the same moment.
    const other = createServices(t.config, { database: t.database, clock: t.clock });
    const [a, b] = await Promise.all([sweep(), other.billing.runSweep()]);
    expect(a.succeeded + b.succeeded).toBeGreaterThanOrEqual(1);
    expect(await chargesOf(reader.accountId)).toHaveLength(1);
    const payments = await paymentsOf(reader.accountId);
    expect(payments.map((p) => [p.kind, p.status])).toEqual([
      ['initial', 'succeeded'],
      ['renewal', 'succeeded'],
    ]);
    expect(await invoicesOf(reader.accountId)).toHaveLength(2);
    const subscription = await subscriptionOf(reader.accountId);
    expect(subscription).toMatchObject({ status: 'active', currentPeriodEnd: '2028-11-15T06:00:00.000Z' });
    expect((await t.services.mail.sentTo(reader.email)).map((m) => m.template)).toContain('receipt');
    expect(await sweep()).toMatchObject({ charged: 0 });
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

  it('a crash between the charge and the books is settled by the next run without charging twice', async () => {
    at(start);
    const reader = await aSubscriber(t);
    at(later(renewal, -3));
    await sweep();
    at(renewal);
    const gateway = t.services.payments.gateway;
    const charge = gateway.charge.bind(gateway);
    // The gateway takes the money, then the process dies before it hears back.
    gateway.charge = async (request) => {
      await charge(request);
      throw new Error('connection reset');
    };
    try {
      expect(await sweep()).toMatchObject({ unanswered: expect.any(Number) });
    } finally {
      gateway.charge = charge;
    }
    expect((await paymentsOf(reader.accountId)).map((p) => p.status)).toEqual(['succeeded', 'pending']);
    expect((await subscriptionOf(reader.accountId)).currentPeriodEnd).toBe(renewal);

    // Straight away, another run leaves the charge to whoever started it (it may still be under way).
    expect(await sweep()).toMatchObject({ reconciled: 0, charged: 0 });
    t.clock.set(new Date(t.clock.now().getTime() + chargingLeaseMs + 60_000));
    const next = await sweep();
    expect(next.reconciled).toBe(1);
    expect(await chargesOf(reader.accountId)).toHaveLength(1);
    expect((await paymentsOf(reader.accountId)).map((p) => p.status)).toEqual(['succeeded', 'succeeded']);
    expect((await subscriptionOf(reader.accountId)).currentPeriodEnd).toBe('2028-11-15T06:00:00.000Z');
    expect(await invoicesOf(reader.accountId)).toHaveLength(2);
  });

  it('a late or out-of-order charge webhook changes nothing', async () => {
    at(start);
    const reader = await aSubscriber(t);
    at(later(renewal, -3));
    await sweep();
    at(renewal);
    await sweep();
    const renewed = await subscriptionOf(reader.accountId);
    const payment = (await paymentsOf(reader.accountId)).at(-1)!;
    const body = JSON.stringify({
      id: 'evt_out_of_order_' + payment.id,
      type: 'charge.failed',
      created: Math.floor(t.clock.now().getTime() / 1000),
      data: {
        object: {
          object: 'charge',
          id: payment.gateway_ref,
          status: 'failed',
          amount: payment.amount_minor,
          currency: 'INR',
          amount_refunded: 0,
          reference: payment.id,
          payment_method: 'pm_whatever',
          failure_code: 'card_declined',
          failure_message: 'Your card was declined.',
          created: Math.floor(t.clock.now().getTime() / 1000),
        },
      },
    });
    const response = await t.app.inject({
      method: 'POST',
      url: '/webhooks/sandbox',
      payload: body,
      headers: {
        'content-type': 'application/json',
        'sandbox-signature': signSandboxPayload(
          body,
          sandboxWebhookSecret(testSecret),
          Math.floor(t.clock.now().getTime() / 1000),
        ),
      },
    });
    expect(response.statusCode).toBe(200);
    expect((await paymentsOf(reader.accountId)).at(-1)!.status).toBe('succeeded');
    expect(await subscriptionOf(reader.accountId)).toEqual(renewed);
    await sandboxOf(t).webhooks.deliverDue();
    expect(await subscriptionOf(reader.accountId)).toEqual(renewed);
  });

  it('a failing card goes past due with access, is retried after 1, 3 and 5 days, then ends', async () => {
    at(start);
    const reader = await aSubscriber(t, { card: cards.renewalsFail });
    at(later(renewal, -3));
    await sweep();
    at(renewal);
    await sweep();
    let subscription = await subscriptionOf(reader.accountId);
    expect(subscription).toMatchObject({
      status: 'past_due',
      overdue: { nextAttemptAt: later(renewal, 1), accessUntil: later(renewal, 7) },
    });
    expect(await entitlementsOf(reader.accountId)).toContain('premium-stories');
    expect((await t.services.mail.sentTo(reader.email)).map((m) => m.template)).toContain('payment-failed');

    for (const [days, status] of [
      [1, 'past_due'],
      [3, 'past_due'],
      [5, 'expired'],
    ] as const) {
      at(later(renewal, days));
      await sweep();
      subscription = await subscriptionOf(reader.accountId);
      expect(subscription.status).toBe(status);
    }
    // The renewal and its three retries.
    expect(await chargesOf(reader.accountId)).toHaveLength(4);
    expect(await entitlementsOf(reader.accountId)).toEqual([]);
    expect((await t.services.mail.sentTo(reader.email)).map((m) => m.template)).toContain(
      'subscription-ended',
    );
    const kinds = (await eventsOf(subscription.id)).map((e) => `${e.kind}:${e.to_status}`);
    expect(kinds).toEqual([
      'start:active',
      'payment_failed:past_due',
      'payment_failed:past_due',
      'payment_failed:past_due',
      'expire:expired',
    ]);
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

  it('a renewal a forever coupon brings to ₹0 renews the term with a ₹0 invoice, and nothing is sent to the gateway', async () => {
    at(start);
    await t.services.coupons.create({
      code: 'ONTHEHOUSE',
      kind: 'percent',
      percentOff: 100,
      duration: 'forever',
    });
    const reader = await aSubscriber(t, { coupon: 'onthehouse' });
    expect(await subscriptionOf(reader.accountId)).toMatchObject({ price: { amount: 0 } });
    at(later(renewal, -3));
    await sweep();
    at(renewal);
    expect(await sweep()).toMatchObject({ unanswered: 0, failed: 0 });
    expect(await chargesOf(reader.accountId)).toHaveLength(0);
    expect((await paymentsOf(reader.accountId)).map((p) => [p.kind, p.status, p.amount_minor])).toEqual([
      ['renewal', 'succeeded', 0],
    ]);
    expect((await invoicesOf(reader.accountId)).map((i) => i.total_minor)).toEqual([0]);
    expect(await subscriptionOf(reader.accountId)).toMatchObject({
      status: 'active',
      currentPeriodEnd: '2028-11-15T06:00:00.000Z',
    });
    // The next sweep has nothing left pending.
    expect(await sweep()).toMatchObject({ reconciled: 0, charged: 0, unanswered: 0 });
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
