import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aSignedInReader,
  billingBooks,
  planId,
  subscriptionOf as subscriptionThroughApi,
} from '../support/billing.js';
import type { Browser } from '../support/browser.js';
import { discountJson } from '../../src/modules/coupons/index.js';
import { anArticle, buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import {
  signedDelivery,
  startStripeStandIn,
  stripeEvent,
  type StripeJson,
  type StripeStandIn,
} from '../support/stripe-stand-in.js';

// The whole app with PAYMENT_GATEWAY=stripe: checkout, return, webhooks, renewals and dunning run
// through the Stripe adapter and the official SDK against a stand-in of Stripe's API on
// 127.0.0.1 (Stripe's servers are out of reach). What Stripe would do on its side — the reader
// paying on the hosted page, Stripe posting webhooks — the tests do through the stand-in.

const webhookSecret = 'whsec_masthead_end_to_end_0123456789';
const day = 86_400_000;
const later = (iso: string, days: number) => new Date(new Date(iso).getTime() + days * day).toISOString();
const start = '2026-11-15T06:00:00.000Z';
const renewal = '2027-11-15T06:00:00.000Z';
const secondRenewal = '2028-11-15T06:00:00.000Z';

describe.each(dialects)('billing through the app with Stripe on $name', (dialect) => {
  let standIn: StripeStandIn;
  let t: TestApp;
  let premiumSlug: string;

  beforeAll(async () => {
    standIn = await startStripeStandIn('sk_test_masthead_end_to_end');
    t = await buildTestApp(dialect, {
      at: start,
      env: {
        PAYMENT_GATEWAY: 'stripe',
        STRIPE_SECRET_KEY: standIn.secretKey,
        STRIPE_WEBHOOK_SECRET: webhookSecret,
        STRIPE_API_URL: standIn.url,
      },
    });
    premiumSlug = (await t.services.content.create(anArticle({ access: 'premium' }))).slug;
  });
  afterAll(async () => {
    await t?.close();
    await standIn?.close();
  });

  const {
    at,
    afterLease,
    sweep,
    paymentsOf,
    invoicesOf,
    subscriptionRowOf,
    checkoutRow,
    eventsOf,
    recordedWebhook,
    subscriptionOf,
    entitlementsOf,
    templatesTo,
  } = billingBooks(() => t);

  /** The PaymentIntents Stripe holds for a Masthead reference (a payment id), oldest first. */
  const intentsFor = (reference: string) =>
    standIn.paymentIntents().filter((pi) => (pi.metadata as Record<string, string>).reference === reference);
  /** The PaymentIntent requests the SDK sent with one idempotency key. */
  const chargeRequestsWith = (key: string) =>
    standIn.requestsTo('POST', '/v1/payment_intents').filter((r) => r.idempotencyKey === key);

  /** Stripe posting `event` to the webhook endpoint, signed with the endpoint's secret. */
  const deliver = (event: StripeJson, secret = webhookSecret, timestamp?: number) => {
    const { rawBody, headers } = signedDelivery(event, secret, timestamp);
    return t.app.inject({ method: 'POST', url: '/webhooks/stripe', payload: rawBody, headers });
  };

  /** The reader starts a checkout for the yearly plan; answers Masthead's and Stripe's ids. */
  async function startCheckout(browser: Browser) {
    const started = await browser.send('POST', '/api/v1/checkout', {
      planId: await planId(t, 'smart-essential'),
      returnTo: '/account',
    });
    expect(started.statusCode, started.body).toBe(201);
    const { checkoutId, checkoutUrl } = started.json() as { checkoutId: string; checkoutUrl: string };
    const sessionId = new URL(checkoutUrl).pathname.split('/').at(-1)!;
    // The reader is sent to Stripe's hosted page for a session that names the checkout.
    expect(checkoutUrl).toBe(`https://checkout.stripe.com/c/pay/${sessionId}`);
    expect(standIn.object(sessionId)).toMatchObject({
      client_reference_id: checkoutId,
      mode: 'payment',
      status: 'open',
      amount_total: 270_000,
      currency: 'inr',
      success_url: `${t.config.publicUrl}/subscribe/return?checkout=${checkoutId}`,
    });
    return { checkoutId, sessionId };
  }

  /** The reader pays on Stripe's page with a new Visa card, which Stripe saves on the customer. */
  function payAtStripe(sessionId: string): string {
    const card = standIn.createPaymentMethod({ brand: 'visa', last4: '4242' });
    standIn.completeCheckout(sessionId, card);
    return card;
  }

  /** A reader subscribed through Stripe's page and back, and reminded of the renewal. */
  async function aStripeSubscriber() {
    at(start);
    const reader = await aSignedInReader(t);
    const { checkoutId, sessionId } = await startCheckout(reader.browser);
    const card = payAtStripe(sessionId);
    const returned = await reader.browser.get(`/api/v1/checkout/${checkoutId}`);
    expect(returned.json().checkout).toMatchObject({ status: 'completed' });
    at(later(renewal, -3));
    await sweep();
    expect(await templatesTo(reader.email)).toContain('renewal-reminder');
    return { ...reader, checkoutId, sessionId, card };
  }

  const renewalPayment = async (accountId: string) => {
    const payment = (await paymentsOf(accountId)).find((p) => p.kind === 'renewal');
    if (!payment) throw new Error(`${accountId} has no renewal payment`);
    return payment;
  };

  it('the reader returning first opens the subscription once; Stripe’s webhooks after it change nothing', async () => {
    at(start);
    const reader = await aSignedInReader(t);
    expect((await reader.browser.get(`/api/v1/articles/${premiumSlug}`)).json().access.granted).toBe(false);
    const { checkoutId, sessionId } = await startCheckout(reader.browser);
    const sessionRequest = standIn.requestsTo('POST', '/v1/checkout/sessions').at(-1)!.params;
    expect(sessionRequest).toMatchObject({
      payment_intent_data: { setup_future_usage: 'off_session' },
      line_items: [{ price_data: { unit_amount: '270000', currency: 'inr' } }],
    });

    // Back before paying (the reader pressed Back): still open, nothing granted.
    expect((await reader.browser.get(`/api/v1/checkout/${checkoutId}`)).json().checkout.status).toBe('open');
    expect(await subscriptionOf(reader.accountId)).toBeNull();

    const card = payAtStripe(sessionId);
    const returned = await reader.browser.get(`/api/v1/checkout/${checkoutId}`);
    expect(returned.json().checkout).toMatchObject({ status: 'completed', returnTo: '/account' });
    const session = standIn.object(sessionId);
    expect(await subscriptionThroughApi(reader.browser)).toMatchObject({
      status: 'active',
      plan: { name: 'Smart Essential' },
      price: { amount: 270_000, currency: 'INR' },
      currentPeriodEnd: renewal,
      paymentMethod: 'Visa •••• 4242',
    });
    expect(await subscriptionRowOf(reader.accountId)).toMatchObject({
      gateway: 'stripe',
      gateway_customer: session.customer,
      payment_method_ref: card,
    });
    const me = (await reader.browser.get('/api/v1/me')).json();
    expect(me.entitlements).toContain('premium-stories');
    expect((await reader.browser.get(`/api/v1/articles/${premiumSlug}`)).json().access).toMatchObject({
      granted: true,
      reason: 'subscriber',
    });

    // Stripe's events for the paid session and its PaymentIntent, one of them delivered twice.
    const completed = stripeEvent('checkout.session.completed', session);
    const intentSucceeded = stripeEvent(
      'payment_intent.succeeded',
      standIn.object(String(session.payment_intent)),
    );
    for (const event of [completed, intentSucceeded]) {
      const response = await deliver(event);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toEqual({ received: true, duplicate: false });
    }
    expect((await deliver(completed)).json()).toEqual({ received: true, duplicate: true });

    const payments = await paymentsOf(reader.accountId);
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({
      kind: 'initial',
      status: 'succeeded',
      amount_minor: 270_000,
      gateway: 'stripe',
      gateway_ref: session.payment_intent,
    });
    expect(await invoicesOf(reader.accountId)).toHaveLength(1);
    expect(await eventsOf(reader.accountId)).toEqual([
      { kind: 'start', to_status: 'active', actor: `reader:${reader.accountId}` },
    ]);
    // Paying at checkout took no off-session charge.
    expect(standIn.requestsTo('POST', '/v1/payment_intents')).toHaveLength(0);
  });

  it('Stripe’s webhook arriving first opens the subscription once; the reader’s return finds it done', async () => {
    at(start);
    const reader = await aSignedInReader(t);
    const { checkoutId, sessionId } = await startCheckout(reader.browser);
    payAtStripe(sessionId);

    const event = stripeEvent('checkout.session.completed', standIn.object(sessionId));
    const response = await deliver(event);
    expect(response.statusCode, response.body).toBe(200);
    expect(await subscriptionOf(reader.accountId)).toMatchObject({
      status: 'active',
      currentPeriodEnd: renewal,
    });
    expect(await entitlementsOf(reader.accountId)).toContain('premium-stories');
    expect(await recordedWebhook(String(event.id))).toMatchObject({
      provider: 'stripe',
      type: 'checkout.completed',
    });

    const returned = await reader.browser.get(`/api/v1/checkout/${checkoutId}`);
    expect(returned.json().checkout).toMatchObject({ status: 'completed', returnTo: '/account' });
    expect((await reader.browser.get('/api/v1/me')).json().entitlements).toContain('premium-stories');
    expect(await paymentsOf(reader.accountId)).toHaveLength(1);
    expect(await invoicesOf(reader.accountId)).toHaveLength(1);
    expect(await eventsOf(reader.accountId)).toEqual([
      { kind: 'start', to_status: 'active', actor: `gateway:stripe:${String(event.id)}` },
    ]);
  });

  it('the webhook and the return at the same moment open one subscription', async () => {
    at(start);
    const reader = await aSignedInReader(t);
    const { checkoutId, sessionId } = await startCheckout(reader.browser);
    payAtStripe(sessionId);
    const [webhook, returned] = await Promise.all([
      deliver(stripeEvent('checkout.session.completed', standIn.object(sessionId))),
      reader.browser.get(`/api/v1/checkout/${checkoutId}`),
    ]);
    expect(webhook.statusCode, webhook.body).toBe(200);
    expect(returned.statusCode, returned.body).toBe(200);
    expect((await reader.browser.get(`/api/v1/checkout/${checkoutId}`)).json().checkout.status).toBe(
      'completed',
    );
    expect(await paymentsOf(reader.accountId)).toHaveLength(1);
    expect(await invoicesOf(reader.accountId)).toHaveLength(1);
    expect((await eventsOf(reader.accountId)).map((e) => e.kind)).toEqual(['start']);
  });

  it('a webhook with a bad signature is a 400 and changes nothing', async () => {
    at(start);
    const reader = await aSignedInReader(t);
    const { checkoutId, sessionId } = await startCheckout(reader.browser);
    payAtStripe(sessionId);
    // Paid at Stripe, but the reader has not come back: only a webhook could complete it now.
    const event = stripeEvent('checkout.session.completed', standIn.object(sessionId));
    const genuine = signedDelivery(event, webhookSecret);
    const tampered = Buffer.from(
      genuine.rawBody.toString('utf8').replace(/"mode": "payment"/, '"mode": "setup"'),
    );
    expect(tampered.equals(genuine.rawBody)).toBe(false);
    const attempts = [
      () => deliver(event, 'whsec_not_the_endpoint_secret'),
      () => deliver(event, webhookSecret, Math.floor(Date.now() / 1000) - 600),
      () =>
        t.app.inject({
          method: 'POST',
          url: '/webhooks/stripe',
          payload: tampered,
          headers: genuine.headers,
        }),
      () =>
        t.app.inject({
          method: 'POST',
          url: '/webhooks/stripe',
          payload: genuine.rawBody,
          headers: { 'content-type': 'application/json' },
        }),
    ];
    for (const attempt of attempts) {
      expect((await attempt()).statusCode).toBe(400);
    }
    expect(await checkoutRow(checkoutId)).toMatchObject({ status: 'open', subscription_id: null });
    expect(await subscriptionOf(reader.accountId)).toBeNull();
    expect(await paymentsOf(reader.accountId)).toEqual([]);
    expect(await recordedWebhook(String(event.id))).toBeUndefined();

    // The same event, genuinely signed, is what completes it.
    expect((await deliver(event)).statusCode).toBe(200);
    expect(await subscriptionOf(reader.accountId)).toMatchObject({ status: 'active' });
  });

  it('renews once, off-session through the SDK: a reminder three days ahead, the charge on the date', async () => {
    const reader = await aStripeSubscriber();
    const customer = (await subscriptionRowOf(reader.accountId))!.gateway_customer;
    // The reminder charged nothing: the customer's one PaymentIntent is the checkout's.
    expect(standIn.paymentIntents().filter((pi) => pi.customer === customer)).toHaveLength(1);

    at(renewal);
    const report = await sweep();
    expect(report.succeeded).toBeGreaterThanOrEqual(1);
    const payment = await renewalPayment(reader.accountId);
    expect(payment).toMatchObject({ status: 'succeeded', amount_minor: 270_000, attempt: 1 });
    const [intent] = intentsFor(payment.id);
    expect(intentsFor(payment.id)).toHaveLength(1);
    expect(intent).toMatchObject({
      id: payment.gateway_ref,
      status: 'succeeded',
      amount: 270_000,
      currency: 'inr',
      customer,
      payment_method: reader.card,
      metadata: { reference: payment.id, flow: 'charge' },
    });
    const [request] = chargeRequestsWith(payment.idempotency_key);
    expect(chargeRequestsWith(payment.idempotency_key)).toHaveLength(1);
    expect(request!.params).toMatchObject({ off_session: 'true', confirm: 'true' });

    expect(await subscriptionOf(reader.accountId)).toMatchObject({
      status: 'active',
      currentPeriodEnd: secondRenewal,
    });
    expect(await invoicesOf(reader.accountId)).toHaveLength(2);
    expect(await templatesTo(reader.email)).toContain('receipt');
    expect(await sweep()).toMatchObject({ charged: 0, unanswered: 0 });
    expect(intentsFor(payment.id)).toHaveLength(1);

    // Stripe's own news of the charge arrives afterwards, then a failure for it out of order.
    const renewed = await subscriptionOf(reader.accountId);
    const succeeded = stripeEvent('payment_intent.succeeded', standIn.object(payment.gateway_ref!));
    expect((await deliver(succeeded)).statusCode).toBe(200);
    const failed = stripeEvent('payment_intent.payment_failed', {
      ...standIn.object(payment.gateway_ref!),
      status: 'requires_payment_method',
      last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline' },
    });
    const response = await deliver(failed);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ received: true, duplicate: false });
    expect(await renewalPayment(reader.accountId)).toMatchObject({
      status: 'succeeded',
      failure_reason: null,
    });
    expect(await subscriptionOf(reader.accountId)).toEqual(renewed);
    expect(await invoicesOf(reader.accountId)).toHaveLength(2);
    expect(await templatesTo(reader.email)).not.toContain('payment-failed');
  });

  it('Stripe answering 500 leaves the renewal pending; the next sweep charges it once', async () => {
    const reader = await aStripeSubscriber();
    at(renewal);
    // Every attempt of the SDK (the first and its two retries) meets the outage.
    standIn.failNext(3);
    expect(await sweep()).toMatchObject({ charged: 1, unanswered: 1, succeeded: 0, failed: 0 });
    const pending = await renewalPayment(reader.accountId);
    expect(pending.status).toBe('pending');
    expect(intentsFor(pending.id)).toHaveLength(0);
    expect(await subscriptionOf(reader.accountId)).toMatchObject({
      status: 'active',
      currentPeriodEnd: renewal,
    });

    afterLease();

    expect(await sweep()).toMatchObject({ reconciled: 1, succeeded: 1, charged: 0 });
    expect(intentsFor(pending.id)).toHaveLength(1);
    expect(chargeRequestsWith(pending.idempotency_key)).toHaveLength(4);
    expect(await renewalPayment(reader.accountId)).toMatchObject({
      id: pending.id,
      status: 'succeeded',
      gateway_ref: intentsFor(pending.id)[0]!.id,
    });
    expect((await paymentsOf(reader.accountId)).map((p) => p.kind)).toEqual(['initial', 'renewal']);
    expect(await subscriptionOf(reader.accountId)).toMatchObject({ currentPeriodEnd: secondRenewal });
    expect(await invoicesOf(reader.accountId)).toHaveLength(2);
  });

  it('an answer lost after Stripe charged: pending, then the next sweep gets Stripe’s first answer, not a second charge', async () => {
    const reader = await aStripeSubscriber();
    at(renewal);
    // Stripe charges the card, and the answer never arrives — three times over, with the retries.
    standIn.loseNextAnswers(3);
    expect(await sweep()).toMatchObject({ charged: 1, unanswered: 1 });
    const pending = await renewalPayment(reader.accountId);
    expect(pending.status).toBe('pending');
    expect(intentsFor(pending.id)).toMatchObject([{ status: 'succeeded' }]);

    afterLease();

    expect(await sweep()).toMatchObject({ reconciled: 1, succeeded: 1, unanswered: 0 });
    const charged = intentsFor(pending.id);
    expect(charged).toHaveLength(1);
    expect(chargeRequestsWith(pending.idempotency_key).map((r) => r.replayed)).toEqual([
      false,
      true,
      true,
      true,
    ]);
    expect(await renewalPayment(reader.accountId)).toMatchObject({
      status: 'succeeded',
      gateway_ref: charged[0]!.id,
    });
    expect(await subscriptionOf(reader.accountId)).toMatchObject({ currentPeriodEnd: secondRenewal });
    expect(await invoicesOf(reader.accountId)).toHaveLength(2);
  });

  it('an answer lost after Stripe charged, then Stripe’s webhook settles it before the next sweep', async () => {
    const reader = await aStripeSubscriber();
    at(renewal);
    standIn.loseNextAnswers(3);
    expect(await sweep()).toMatchObject({ unanswered: 1 });
    const pending = await renewalPayment(reader.accountId);
    const [intent] = intentsFor(pending.id);

    const response = await deliver(
      stripeEvent('payment_intent.succeeded', standIn.object(String(intent!.id))),
    );
    expect(response.statusCode).toBe(200);
    expect(await renewalPayment(reader.accountId)).toMatchObject({
      status: 'succeeded',
      gateway_ref: intent!.id,
    });
    expect(await subscriptionOf(reader.accountId)).toMatchObject({ currentPeriodEnd: secondRenewal });

    const requestsBefore = standIn.requestsTo('POST', '/v1/payment_intents').length;
    expect(await sweep()).toMatchObject({ reconciled: 0, charged: 0 });
    expect(standIn.requestsTo('POST', '/v1/payment_intents')).toHaveLength(requestsBefore);
    expect(intentsFor(pending.id)).toHaveLength(1);
    expect(await invoicesOf(reader.accountId)).toHaveLength(2);
  });

  it('a card that fails renewals goes past due with the payment-failed mail; Stripe’s failure webhook changes nothing more', async () => {
    const reader = await aStripeSubscriber();
    // The card worked at checkout; by the renewal its account has run dry.
    standIn.setCardBehaviour(reader.card, 'insufficient_funds');
    at(renewal);
    expect(await sweep()).toMatchObject({ charged: 1, failed: 1, unanswered: 0 });
    const payment = await renewalPayment(reader.accountId);
    expect(payment).toMatchObject({
      status: 'failed',
      failure_reason: 'Your card has insufficient funds.',
    });
    expect(intentsFor(payment.id)).toMatchObject([
      { id: payment.gateway_ref, status: 'requires_payment_method' },
    ]);
    const overdue = await subscriptionOf(reader.accountId);
    expect(overdue).toMatchObject({
      status: 'past_due',
      currentPeriodEnd: renewal,
      overdue: { nextAttemptAt: later(renewal, 1), accessUntil: later(renewal, 7) },
    });
    expect(await entitlementsOf(reader.accountId)).toContain('premium-stories');
    expect(await templatesTo(reader.email)).toContain('payment-failed');
    expect(await invoicesOf(reader.accountId)).toHaveLength(1);

    // Stripe's payment_intent.payment_failed for the same attempt: already booked.
    const events = await eventsOf(reader.accountId);
    const failedEvent = stripeEvent('payment_intent.payment_failed', standIn.object(payment.gateway_ref!));
    expect((await deliver(failedEvent)).statusCode).toBe(200);
    expect(await subscriptionOf(reader.accountId)).toEqual(overdue);
    expect(await eventsOf(reader.accountId)).toEqual(events);

    // The retry a day later is a new attempt (a new key) and fails again: still past due.
    at(later(renewal, 1));
    expect(await sweep()).toMatchObject({ charged: 1, failed: 1 });
    const attempts = (await paymentsOf(reader.accountId)).filter((p) => p.kind === 'renewal');
    expect(attempts.map((p) => [p.attempt, p.status])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
    ]);
    expect(new Set(attempts.map((p) => p.idempotency_key)).size).toBe(2);
    expect(intentsFor(attempts[1]!.id)).toHaveLength(1);
    expect(await subscriptionOf(reader.accountId)).toMatchObject({
      status: 'past_due',
      overdue: { nextAttemptAt: later(renewal, 3) },
    });
  });

  it('a renewal a forever discount brings to ₹0 renews the term with a ₹0 invoice, without asking Stripe', async () => {
    at(start);
    const reader = await aSignedInReader(t);
    const { checkoutId, sessionId } = await startCheckout(reader.browser);
    payAtStripe(sessionId);
    expect((await reader.browser.get(`/api/v1/checkout/${checkoutId}`)).json().checkout.status).toBe(
      'completed',
    );
    // A forever coupon worth more than the price, stored on the subscription as a checkout with
    // it stores it (a ₹0 checkout itself is the sandbox suite's).
    const coupon = await t.services.coupons.create({
      code: `MORETHANPRICE${reader.accountId.slice(-6).toUpperCase()}`,
      kind: 'amount',
      amountOff: { amountMinor: 500_000, currency: 'INR' },
      duration: 'forever',
    });
    await t.database.db
      .updateTable('subscriptions')
      .set({ discount: discountJson({ ...coupon, couponId: coupon.id }) })
      .where('account_id', '=', reader.accountId)
      .execute();
    expect(await subscriptionOf(reader.accountId)).toMatchObject({ price: { amount: 0 } });
    at(later(renewal, -3));
    await sweep();
    at(renewal);
    expect(await sweep()).toMatchObject({ unanswered: 0, failed: 0 });
    const payment = await renewalPayment(reader.accountId);
    expect(payment).toMatchObject({ status: 'succeeded', amount_minor: 0 });
    expect(intentsFor(payment.id)).toHaveLength(0);
    // Numbered by financial year, so the renewal's invoice may come first in sequence.
    expect((await invoicesOf(reader.accountId)).map((i) => i.total_minor).sort()).toEqual([0, 270_000]);
    expect(await subscriptionOf(reader.accountId)).toMatchObject({
      status: 'active',
      currentPeriodEnd: secondRenewal,
    });
  });
});
