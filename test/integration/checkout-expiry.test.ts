import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSignedInReader, billingBooks, cards, planId } from '../support/billing.js';
import type { Browser } from '../support/browser.js';
import { buildTestApp, sandboxOf, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { startRazorpayStandIn, type RazorpayStandIn } from '../support/razorpay-stand-in.js';
import {
  signedDelivery,
  startStripeStandIn,
  stripeEvent,
  type StripeStandIn,
} from '../support/stripe-stand-in.js';

// Masthead closes an unpaid checkout after an hour. The gateway's session must close with it,
// and a payment that lands after it anyway (a reader mid-payment as it ended, or a session that
// outlived it) must open the subscription or go back: never be kept for nothing.

const start = '2026-11-15T06:00:00.000Z';
const hourAndMinuteLater = '2026-11-15T07:01:00.000Z';

async function startCheckout(t: TestApp, browser: Browser) {
  const started = await browser.send('POST', '/api/v1/checkout', {
    planId: await planId(t, 'smart-essential'),
    returnTo: '/account',
  });
  expect(started.statusCode, started.body).toBe(201);
  const { checkoutId, checkoutUrl } = started.json() as { checkoutId: string; checkoutUrl: string };
  return { checkoutId, sessionId: new URL(checkoutUrl).pathname.split('/').at(-1)! };
}

describe.each(dialects)('a checkout past its hour, on the sandbox, on $name', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect, { at: start });
  });
  afterAll(() => t?.close());
  const { at, sweep, checkoutRow, subscriptionOf } = billingBooks(() => t);
  const sessionRow = (id: string) =>
    t.database.db.selectFrom('sandbox_sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('ends at the sandbox when it ends at Masthead: the page takes no payment after', async () => {
    at(start);
    const reader = await aSignedInReader(t);
    const { checkoutId, sessionId } = await startCheckout(t, reader.browser);
    expect((await sessionRow(sessionId)).expires_at).toBe((await checkoutRow(checkoutId)).expires_at);
    at(hourAndMinuteLater);
    await sweep();
    expect((await checkoutRow(checkoutId)).status).toBe('expired');
    const late = await reader.browser.send('POST', `/sandbox/checkout/${sessionId}/pay`, { card: cards.ok });
    expect(late.statusCode).toBe(409);
    expect(await subscriptionOf(reader.accountId)).toBeNull();
  });

  it('a session that outlived its checkout and was paid opens the subscription when its webhook comes', async () => {
    at(start);
    const reader = await aSignedInReader(t);
    const { checkoutId, sessionId } = await startCheckout(t, reader.browser);
    // A session opened before sessions ended with their checkout: payable for a day.
    await t.database.db
      .updateTable('sandbox_sessions')
      .set({ expires_at: '2026-11-16T06:00:00.000Z' })
      .where('id', '=', sessionId)
      .execute();
    at(hourAndMinuteLater);
    await sweep();
    expect((await checkoutRow(checkoutId)).status).toBe('expired');

    const paid = await reader.browser.send('POST', `/sandbox/checkout/${sessionId}/pay`, { card: cards.ok });
    expect(paid.json()).toMatchObject({ status: 'paid' });
    await sandboxOf(t).webhooks.deliverDue();
    expect(await checkoutRow(checkoutId)).toMatchObject({ status: 'completed' });
    expect(await subscriptionOf(reader.accountId)).toMatchObject({ status: 'active' });
    const returned = await reader.browser.get(`/api/v1/checkout/${checkoutId}`);
    expect(returned.json().checkout).toMatchObject({ status: 'completed' });
  });
});

describe.each(dialects)('a checkout past its hour, on Stripe, on $name', (dialect) => {
  const webhookSecret = 'whsec_masthead_checkout_expiry_0123456789';
  let standIn: StripeStandIn;
  let t: TestApp;
  beforeAll(async () => {
    standIn = await startStripeStandIn('sk_test_masthead_checkout_expiry');
    t = await buildTestApp(dialect, {
      at: start,
      env: {
        PAYMENT_GATEWAY: 'stripe',
        STRIPE_SECRET_KEY: standIn.secretKey,
        STRIPE_WEBHOOK_SECRET: webhookSecret,
        STRIPE_API_URL: standIn.url,
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await standIn?.close();
  });
  const { at, sweep, checkoutRow, subscriptionOf, subscriptionRowOf, paymentsOf } = billingBooks(() => t);

  /** Stripe's `checkout.session.completed` for the session, posted to the webhook endpoint. */
  const deliverCompleted = (sessionId: string) => {
    const { rawBody, headers } = signedDelivery(
      stripeEvent('checkout.session.completed', standIn.object(sessionId)),
      webhookSecret,
    );
    return t.app.inject({ method: 'POST', url: '/webhooks/stripe', payload: rawBody, headers });
  };
  const payAtStripe = (sessionId: string) =>
    standIn.completeCheckout(sessionId, standIn.createPaymentMethod({ brand: 'visa', last4: '4242' }));

  it('asks Stripe for a session that ends with the checkout, not a day later', async () => {
    at(start);
    const reader = await aSignedInReader(t);
    const { checkoutId, sessionId } = await startCheckout(t, reader.browser);
    const expiresAt = Date.parse((await checkoutRow(checkoutId)).expires_at) / 1000;
    expect(expiresAt).toBe(Date.parse(start) / 1000 + 3600);
    expect(standIn.object(sessionId)).toMatchObject({ expires_at: expiresAt });
  });

  it('a payment Stripe took after Masthead closed the checkout opens the subscription', async () => {
    at(start);
    const reader = await aSignedInReader(t);
    const { checkoutId, sessionId } = await startCheckout(t, reader.browser);
    at(hourAndMinuteLater);
    await sweep();
    expect((await checkoutRow(checkoutId)).status).toBe('expired');

    payAtStripe(sessionId);
    expect((await deliverCompleted(sessionId)).statusCode).toBe(200);
    expect(await checkoutRow(checkoutId)).toMatchObject({ status: 'completed' });
    expect(await subscriptionOf(reader.accountId)).toMatchObject({ status: 'active' });
    expect((await paymentsOf(reader.accountId)).map((p) => [p.kind, p.status, p.amount_minor])).toEqual([
      ['initial', 'succeeded', 270_000],
    ]);
    expect(standIn.requestsTo('POST', '/v1/refunds')).toHaveLength(0);
  });

  it('a late payment from a reader who has subscribed since is refunded, once', async () => {
    at(start);
    const reader = await aSignedInReader(t);
    const first = await startCheckout(t, reader.browser);
    at(hourAndMinuteLater);
    await sweep();
    const second = await startCheckout(t, reader.browser);
    payAtStripe(second.sessionId);
    expect((await reader.browser.get(`/api/v1/checkout/${second.checkoutId}`)).json().checkout).toMatchObject(
      {
        status: 'completed',
      },
    );
    const subscription = (await subscriptionRowOf(reader.accountId))!.id;

    payAtStripe(first.sessionId);
    expect((await deliverCompleted(first.sessionId)).statusCode).toBe(200);
    // The reader's return after it finds the same answer, and refunds nothing more.
    const returned = await reader.browser.get(`/api/v1/checkout/${first.checkoutId}`);
    expect(returned.json().checkout).toMatchObject({
      status: 'failed',
      reason: 'You already had a subscription; this payment was refunded.',
    });
    const intent = (standIn.object(first.sessionId) as { payment_intent: string }).payment_intent;
    const refunds = standIn.requestsTo('POST', '/v1/refunds').filter((r) => !r.replayed);
    expect(refunds.map((r) => [r.params.payment_intent, r.params.amount])).toEqual([[intent, '270000']]);
    expect((await subscriptionRowOf(reader.accountId))!.id).toBe(subscription);
  });
});

describe.each(dialects)('a checkout past its hour, on Razorpay, on $name', (dialect) => {
  const webhookSecret = 'razorpay-webhook-secret-checkout-expiry';
  let standIn: RazorpayStandIn;
  let t: TestApp | undefined;
  beforeAll(async () => {
    standIn = await startRazorpayStandIn({ now: () => t?.clock.now() ?? new Date(start) });
    t = await buildTestApp(dialect, {
      at: start,
      env: {
        PAYMENT_GATEWAY: 'razorpay',
        RAZORPAY_KEY_ID: standIn.keyId,
        RAZORPAY_KEY_SECRET: standIn.keySecret,
        RAZORPAY_WEBHOOK_SECRET: webhookSecret,
        RAZORPAY_API_URL: standIn.url,
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await standIn?.close();
  });
  const app = () => t!;
  const { at, sweep, checkoutRow, subscriptionOf } = billingBooks(app);

  it('its page no longer opens the widget; a payment the widget took as it ended opens the subscription', async () => {
    at(start);
    const reader = await aSignedInReader(app());
    const { checkoutId, sessionId: orderId } = await startCheckout(app(), reader.browser);
    // The reader opened the page with a minute left, and pays as the hour ends.
    at('2026-11-15T06:59:00.000Z');
    const page = await reader.browser.get(`/payments/razorpay/checkout/${orderId}`);
    expect(page.body).toContain('"timeout":60');
    at(hourAndMinuteLater);
    await sweep();
    expect((await checkoutRow(checkoutId)).status).toBe('expired');
    const closed = await reader.browser.get(`/payments/razorpay/checkout/${orderId}`);
    expect(closed.statusCode).toBe(303);

    const payment = standIn.payInWidget(orderId, { notes: { masthead: 'checkout', reference: checkoutId } });
    const orderPaid = standIn.events.find((e) => e.event === 'order.paid' && e.body.includes(orderId))!;
    const delivered = await app().app.inject({
      method: 'POST',
      url: '/webhooks/razorpay',
      payload: orderPaid.body,
      headers: {
        'content-type': 'application/json',
        'x-razorpay-event-id': orderPaid.id,
        'x-razorpay-signature': createHmac('sha256', webhookSecret).update(orderPaid.body).digest('hex'),
      },
    });
    expect(delivered.statusCode).toBe(200);
    expect(await checkoutRow(checkoutId)).toMatchObject({ status: 'completed' });
    expect(await subscriptionOf(reader.accountId)).toMatchObject({ status: 'active' });
    expect(payment.notes.reference).toBe(checkoutId);
  });
});
