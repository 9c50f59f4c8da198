import { createHmac } from 'node:crypto';
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
  standInCards,
  startRazorpayStandIn,
  type RazorpayStandIn,
  type StandInCard,
  type StandInEvent,
} from '../support/razorpay-stand-in.js';

// The whole app with PAYMENT_GATEWAY=razorpay: Masthead's checkout page for Razorpay's widget, the
// widget's signed confirmation, webhooks, renewals and dunning run through the Razorpay adapter
// and the official SDK against a stand-in of Razorpay's API on 127.0.0.1 (Razorpay's servers are
// out of reach). What Razorpay would do — the reader paying in the widget, Razorpay posting
// webhooks — the tests do through the stand-in.

const webhookSecret = 'razorpay-webhook-secret-end-to-end';
const day = 86_400_000;
const later = (iso: string, days: number) => new Date(new Date(iso).getTime() + days * day).toISOString();
const start = '2026-11-15T06:00:00.000Z';
const renewal = '2027-11-15T06:00:00.000Z';
const secondRenewal = '2028-11-15T06:00:00.000Z';

describe.each(dialects)('billing through the app with Razorpay on $name', (dialect) => {
  let standIn: RazorpayStandIn;
  let t: TestApp | undefined;
  let premiumSlug: string;

  beforeAll(async () => {
    // Razorpay's clock is the app's: orders are stamped when the test says it is.
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
    premiumSlug = (await t.services.content.create(anArticle({ access: 'premium' }))).slug;
  });
  afterAll(async () => {
    await t?.close();
    await standIn?.close();
  });

  const app = () => t!;
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
  } = billingBooks(app);

  /** The payments Razorpay holds for a Masthead reference (a checkout or payment id). */
  const razorpayPaymentsFor = (reference: string) =>
    [...standIn.payments.values()].filter((p) => p.notes.reference === reference);
  /** The renewal orders Razorpay holds for a Masthead payment id. */
  const ordersFor = (reference: string) =>
    [...standIn.orders.values()].filter(
      (o) => o.notes.reference === reference && o.notes.masthead === 'charge',
    );
  const recurringCallsFor = (orderId: string) =>
    standIn
      .calls('POST', '/v1/payments/create/recurring')
      .filter((call) => (call.body as { order_id?: string }).order_id === orderId);
  /** What Razorpay has queued to post about `id` (a payment or order id). */
  const eventsAbout = (event: string, id: string) =>
    standIn.events.filter((e) => e.event === event && e.body.includes(id));

  /** Razorpay posting an event: its id header and HMAC-SHA256 of the raw body with the webhook secret. */
  const deliver = (event: Pick<StandInEvent, 'id' | 'body'>, secret = webhookSecret) =>
    app().app.inject({
      method: 'POST',
      url: '/webhooks/razorpay',
      payload: event.body,
      headers: {
        'content-type': 'application/json',
        'x-razorpay-event-id': event.id,
        'x-razorpay-signature': createHmac('sha256', secret).update(event.body).digest('hex'),
      },
    });

  /** The reader starts a checkout for the yearly plan and opens Masthead's page for the widget. */
  async function startCheckout(browser: Browser) {
    const started = await browser.send('POST', '/api/v1/checkout', {
      planId: await planId(app(), 'smart-essential'),
      returnTo: '/account',
    });
    expect(started.statusCode, started.body).toBe(201);
    const { checkoutId, checkoutUrl } = started.json() as { checkoutId: string; checkoutUrl: string };
    const orderId = new URL(checkoutUrl).pathname.split('/').at(-1)!;
    expect(checkoutUrl).toBe(`${app().config.publicUrl}/payments/razorpay/checkout/${orderId}`);
    expect(standIn.orders.get(orderId)).toMatchObject({
      amount: 270_000,
      currency: 'INR',
      method: 'card',
      receipt: checkoutId,
      notes: { masthead: 'checkout', reference: checkoutId },
    });
    const page = await browser.get(new URL(checkoutUrl).pathname);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(orderId);
    expect(page.body).toContain(standIn.keyId);
    expect(page.body).not.toContain(standIn.keySecret);
    return { checkoutId, orderId };
  }

  /**
   * The reader pays in the widget (with the notes the page gives it) and the page posts the
   * widget's signed confirmation to Masthead's callback, which sends the reader on.
   */
  async function payInWidget(browser: Browser, checkoutId: string, orderId: string, card?: StandInCard) {
    const payment = standIn.payInWidget(orderId, {
      ...(card && { card }),
      notes: { masthead: 'checkout', reference: checkoutId },
    });
    const confirmed = await browser.post('/payments/razorpay/callback', {
      razorpay_payment_id: payment.id,
      razorpay_order_id: orderId,
      razorpay_signature: createHmac('sha256', standIn.keySecret)
        .update(`${orderId}|${payment.id}`)
        .digest('hex'),
    });
    expect(confirmed.statusCode, confirmed.body).toBe(303);
    expect(confirmed.headers.location).toBe(
      `${app().config.publicUrl}/subscribe/return?checkout=${checkoutId}`,
    );
    return payment;
  }

  /** A reader subscribed through the widget and back, and reminded of the renewal. */
  async function aRazorpaySubscriber(card?: StandInCard) {
    at(start);
    const reader = await aSignedInReader(app());
    const { checkoutId, orderId } = await startCheckout(reader.browser);
    const payment = await payInWidget(reader.browser, checkoutId, orderId, card);
    const returned = await reader.browser.get(`/api/v1/checkout/${checkoutId}`);
    expect(returned.json().checkout).toMatchObject({ status: 'completed' });
    at(later(renewal, -3));
    await sweep();
    expect(await templatesTo(reader.email)).toContain('renewal-reminder');
    return { ...reader, checkoutId, orderId, payment };
  }

  const renewalPayment = async (accountId: string) => {
    const payment = (await paymentsOf(accountId)).find((p) => p.kind === 'renewal');
    if (!payment) throw new Error(`${accountId} has no renewal payment`);
    return payment;
  };

  it('the reader returning first opens the subscription once; Razorpay’s webhooks after it change nothing', async () => {
    at(start);
    const reader = await aSignedInReader(app());
    expect((await reader.browser.get(`/api/v1/articles/${premiumSlug}`)).json().access.granted).toBe(false);
    const { checkoutId, orderId } = await startCheckout(reader.browser);
    expect((await reader.browser.get(`/api/v1/checkout/${checkoutId}`)).json().checkout.status).toBe('open');

    const paid = await payInWidget(reader.browser, checkoutId, orderId);
    const returned = await reader.browser.get(`/api/v1/checkout/${checkoutId}`);
    expect(returned.json().checkout).toMatchObject({ status: 'completed', returnTo: '/account' });
    expect(await subscriptionThroughApi(reader.browser)).toMatchObject({
      status: 'active',
      plan: { name: 'Smart Essential' },
      price: { amount: 270_000, currency: 'INR' },
      currentPeriodEnd: renewal,
      paymentMethod: 'Visa •••• 4242',
    });
    expect(await subscriptionRowOf(reader.accountId)).toMatchObject({
      gateway: 'razorpay',
      gateway_customer: paid.customerId,
      payment_method_ref: paid.tokenId,
    });
    // Renewals need the phone number the reader gave the widget: it is now on the customer.
    expect(standIn.customers.get(paid.customerId)?.contact).toBe(paid.contact);
    expect((await reader.browser.get('/api/v1/me')).json().entitlements).toContain('premium-stories');
    expect((await reader.browser.get(`/api/v1/articles/${premiumSlug}`)).json().access).toMatchObject({
      granted: true,
      reason: 'subscriber',
    });
    // A paid order's page sends the reader on instead of opening the widget again.
    const page = await reader.browser.get(`/payments/razorpay/checkout/${orderId}`);
    expect(page.statusCode).toBe(303);

    // Razorpay's events for the payment and the order, one of them delivered twice.
    const [captured] = eventsAbout('payment.captured', paid.id);
    const [orderPaid] = eventsAbout('order.paid', orderId);
    for (const event of [captured!, orderPaid!]) {
      const response = await deliver(event);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toEqual({ received: true, duplicate: false });
    }
    expect((await deliver(captured!)).json()).toEqual({ received: true, duplicate: true });

    const payments = await paymentsOf(reader.accountId);
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({
      kind: 'initial',
      status: 'succeeded',
      amount_minor: 270_000,
      gateway: 'razorpay',
      gateway_ref: paid.id,
    });
    expect(await invoicesOf(reader.accountId)).toHaveLength(1);
    expect(await eventsOf(reader.accountId)).toEqual([
      { kind: 'start', to_status: 'active', actor: `reader:${reader.accountId}` },
    ]);
    expect(standIn.calls('POST', '/v1/payments/create/recurring')).toHaveLength(0);
  });

  it('Razorpay’s webhook arriving first opens the subscription once; the reader’s return finds it done', async () => {
    at(start);
    const reader = await aSignedInReader(app());
    const { checkoutId, orderId } = await startCheckout(reader.browser);
    await payInWidget(reader.browser, checkoutId, orderId);

    const [orderPaid] = eventsAbout('order.paid', orderId);
    const response = await deliver(orderPaid!);
    expect(response.statusCode, response.body).toBe(200);
    expect(await subscriptionOf(reader.accountId)).toMatchObject({
      status: 'active',
      currentPeriodEnd: renewal,
    });
    expect(await entitlementsOf(reader.accountId)).toContain('premium-stories');
    expect(await recordedWebhook(orderPaid!.id)).toMatchObject({
      provider: 'razorpay',
      type: 'checkout.completed',
    });

    const returned = await reader.browser.get(`/api/v1/checkout/${checkoutId}`);
    expect(returned.json().checkout).toMatchObject({ status: 'completed', returnTo: '/account' });
    expect((await reader.browser.get('/api/v1/me')).json().entitlements).toContain('premium-stories');
    expect(await paymentsOf(reader.accountId)).toHaveLength(1);
    expect(await invoicesOf(reader.accountId)).toHaveLength(1);
    expect(await eventsOf(reader.accountId)).toEqual([
      { kind: 'start', to_status: 'active', actor: `gateway:razorpay:${orderPaid!.id}` },
    ]);
  });

  it('the webhooks and the return at the same moment open one subscription', async () => {
    at(start);
    const reader = await aSignedInReader(app());
    const { checkoutId, orderId } = await startCheckout(reader.browser);
    const paid = await payInWidget(reader.browser, checkoutId, orderId);
    const responses = await Promise.all([
      deliver(eventsAbout('payment.captured', paid.id)[0]!),
      deliver(eventsAbout('order.paid', orderId)[0]!),
      reader.browser.get(`/api/v1/checkout/${checkoutId}`),
    ]);
    for (const response of responses) expect(response.statusCode, response.body).toBe(200);
    expect((await reader.browser.get(`/api/v1/checkout/${checkoutId}`)).json().checkout.status).toBe(
      'completed',
    );
    expect(await paymentsOf(reader.accountId)).toHaveLength(1);
    expect(await invoicesOf(reader.accountId)).toHaveLength(1);
    expect((await eventsOf(reader.accountId)).map((e) => e.kind)).toEqual(['start']);
  });

  it('a webhook with a bad signature is a 400 and changes nothing', async () => {
    at(start);
    const reader = await aSignedInReader(app());
    const { checkoutId, orderId } = await startCheckout(reader.browser);
    // Paid in the widget, but the page never posted back and the reader never returned: only a
    // webhook could complete it now.
    const paid = standIn.payInWidget(orderId, { notes: { masthead: 'checkout', reference: checkoutId } });
    const [orderPaid] = eventsAbout('order.paid', orderId);
    const genuineSignature = createHmac('sha256', webhookSecret).update(orderPaid!.body).digest('hex');
    const tampered = orderPaid!.body.replace('"amount":270000', '"amount":100');
    expect(tampered).not.toBe(orderPaid!.body);
    const post = (body: string, headers: Record<string, string>) =>
      app().app.inject({
        method: 'POST',
        url: '/webhooks/razorpay',
        payload: body,
        headers: { 'content-type': 'application/json', 'x-razorpay-event-id': orderPaid!.id, ...headers },
      });
    const attempts = [
      () => deliver(orderPaid!, 'not-the-webhook-secret'),
      () => post(tampered, { 'x-razorpay-signature': genuineSignature }),
      () => post(orderPaid!.body, {}),
    ];
    for (const attempt of attempts) expect((await attempt()).statusCode).toBe(400);
    // Nor does a forged confirmation from the page get anywhere.
    const forged = await reader.browser.post('/payments/razorpay/callback', {
      razorpay_payment_id: paid.id,
      razorpay_order_id: orderId,
      razorpay_signature: createHmac('sha256', 'not-the-key-secret')
        .update(`${orderId}|${paid.id}`)
        .digest('hex'),
    });
    expect(forged.statusCode).toBe(400);

    expect(await checkoutRow(checkoutId)).toMatchObject({ status: 'open', subscription_id: null });
    expect(await subscriptionOf(reader.accountId)).toBeNull();
    expect(await paymentsOf(reader.accountId)).toEqual([]);
    expect(await recordedWebhook(orderPaid!.id)).toBeUndefined();

    // The same event, genuinely signed, is what completes it.
    expect((await deliver(orderPaid!)).statusCode).toBe(200);
    expect(await subscriptionOf(reader.accountId)).toMatchObject({ status: 'active' });
  });

  it('renews once with a recurring payment on the saved token: a reminder three days ahead, the charge on the date', async () => {
    const reader = await aRazorpaySubscriber();
    const recurringBefore = standIn.calls('POST', '/v1/payments/create/recurring').length;
    // The reminder charged nothing.
    expect(recurringBefore).toBe(0);

    at(renewal);
    expect((await sweep()).succeeded).toBeGreaterThanOrEqual(1);
    const payment = await renewalPayment(reader.accountId);
    expect(payment).toMatchObject({ status: 'succeeded', amount_minor: 270_000, attempt: 1 });
    const [order] = ordersFor(payment.id);
    expect(ordersFor(payment.id)).toHaveLength(1);
    expect(order).toMatchObject({ amount: 270_000, currency: 'INR', status: 'paid' });
    expect(recurringCallsFor(order!.id)).toHaveLength(1);
    expect(recurringCallsFor(order!.id)[0]!.body).toMatchObject({
      customer_id: reader.payment.customerId,
      token: reader.payment.tokenId,
      recurring: '1',
      amount: 270_000,
      contact: reader.payment.contact,
    });
    const [taken] = razorpayPaymentsFor(payment.id);
    expect(razorpayPaymentsFor(payment.id)).toHaveLength(1);
    expect(taken).toMatchObject({ id: payment.gateway_ref, status: 'captured', recurring: true });

    expect(await subscriptionOf(reader.accountId)).toMatchObject({
      status: 'active',
      currentPeriodEnd: secondRenewal,
    });
    expect(await invoicesOf(reader.accountId)).toHaveLength(2);
    expect(await templatesTo(reader.email)).toContain('receipt');
    expect(await sweep()).toMatchObject({ charged: 0, unanswered: 0 });
    expect(razorpayPaymentsFor(payment.id)).toHaveLength(1);

    // Razorpay's news of the charge arrives afterwards, then a failure for it out of order.
    const renewed = await subscriptionOf(reader.accountId);
    for (const event of [
      ...eventsAbout('payment.captured', taken!.id),
      ...eventsAbout('order.paid', order!.id),
    ]) {
      expect((await deliver(event)).statusCode).toBe(200);
    }
    const failedBody = JSON.stringify({
      entity: 'event',
      account_id: 'acc_StandIn0000001',
      event: 'payment.failed',
      contains: ['payment'],
      payload: {
        payment: {
          entity: {
            id: taken!.id,
            entity: 'payment',
            amount: 270_000,
            currency: 'INR',
            status: 'failed',
            order_id: order!.id,
            notes: { masthead: 'charge', reference: payment.id },
            error_code: 'BAD_REQUEST_ERROR',
            error_description: 'Your payment was declined by the bank.',
            error_reason: 'card_declined',
          },
        },
      },
      created_at: Math.floor(app().clock.now().getTime() / 1000),
    });
    const response = await deliver({ id: `LateFailure${payment.id.slice(4)}`, body: failedBody });
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

  it('Razorpay answering 500 leaves the renewal pending; the next sweep charges it once', async () => {
    const reader = await aRazorpaySubscriber();
    at(renewal);
    standIn.outage = 'error';
    try {
      expect(await sweep()).toMatchObject({ charged: 1, unanswered: 1, succeeded: 0, failed: 0 });
    } finally {
      standIn.outage = 'none';
    }
    const pending = await renewalPayment(reader.accountId);
    expect(pending.status).toBe('pending');
    expect(ordersFor(pending.id)).toHaveLength(0);
    expect(await subscriptionOf(reader.accountId)).toMatchObject({
      status: 'active',
      currentPeriodEnd: renewal,
    });

    afterLease();

    expect(await sweep()).toMatchObject({ reconciled: 1, succeeded: 1, charged: 0 });
    expect(ordersFor(pending.id)).toHaveLength(1);
    expect(razorpayPaymentsFor(pending.id)).toHaveLength(1);
    expect(await renewalPayment(reader.accountId)).toMatchObject({
      id: pending.id,
      status: 'succeeded',
      gateway_ref: razorpayPaymentsFor(pending.id)[0]!.id,
    });
    expect(await subscriptionOf(reader.accountId)).toMatchObject({ currentPeriodEnd: secondRenewal });
    expect(await invoicesOf(reader.accountId)).toHaveLength(2);
  });

  it('a payment request dropped before Razorpay saw it: the next sweep pays the same order once', async () => {
    const reader = await aRazorpaySubscriber();
    at(renewal);
    standIn.dropNext('POST', /^\/v1\/payments\/create\/recurring$/, 'before');
    expect(await sweep()).toMatchObject({ charged: 1, unanswered: 1 });
    const pending = await renewalPayment(reader.accountId);
    expect(pending.status).toBe('pending');
    const [order] = ordersFor(pending.id);
    expect(ordersFor(pending.id)).toHaveLength(1);
    expect(razorpayPaymentsFor(pending.id)).toHaveLength(0);

    afterLease();

    expect(await sweep()).toMatchObject({ reconciled: 1, succeeded: 1 });
    expect(ordersFor(pending.id)).toHaveLength(1);
    expect(razorpayPaymentsFor(pending.id)).toMatchObject([{ orderId: order!.id, status: 'captured' }]);
    expect(await renewalPayment(reader.accountId)).toMatchObject({ status: 'succeeded' });
    expect(await subscriptionOf(reader.accountId)).toMatchObject({ currentPeriodEnd: secondRenewal });
  });

  it('an answer lost after Razorpay charged: pending, then the next sweep finds that payment instead of charging again', async () => {
    const reader = await aRazorpaySubscriber();
    at(renewal);
    standIn.dropNext('POST', /^\/v1\/payments\/create\/recurring$/, 'after');
    expect(await sweep()).toMatchObject({ charged: 1, unanswered: 1 });
    const pending = await renewalPayment(reader.accountId);
    expect(pending.status).toBe('pending');
    const [taken] = razorpayPaymentsFor(pending.id);
    expect(razorpayPaymentsFor(pending.id)).toMatchObject([{ status: 'captured' }]);

    afterLease();

    expect(await sweep()).toMatchObject({ reconciled: 1, succeeded: 1, unanswered: 0 });
    const [order] = ordersFor(pending.id);
    expect(ordersFor(pending.id)).toHaveLength(1);
    expect(recurringCallsFor(order!.id)).toHaveLength(1);
    expect(razorpayPaymentsFor(pending.id)).toHaveLength(1);
    expect(await renewalPayment(reader.accountId)).toMatchObject({
      status: 'succeeded',
      gateway_ref: taken!.id,
    });
    expect(await subscriptionOf(reader.accountId)).toMatchObject({ currentPeriodEnd: secondRenewal });
    expect(await invoicesOf(reader.accountId)).toHaveLength(2);
  });

  it('an answer lost after Razorpay charged, then Razorpay’s webhook settles it before the next sweep', async () => {
    const reader = await aRazorpaySubscriber();
    at(renewal);
    standIn.dropNext('POST', /^\/v1\/payments\/create\/recurring$/, 'after');
    expect(await sweep()).toMatchObject({ unanswered: 1 });
    const pending = await renewalPayment(reader.accountId);
    const [taken] = razorpayPaymentsFor(pending.id);

    const [captured] = eventsAbout('payment.captured', taken!.id);
    expect((await deliver(captured!)).statusCode).toBe(200);
    expect(await renewalPayment(reader.accountId)).toMatchObject({
      status: 'succeeded',
      gateway_ref: taken!.id,
    });
    expect(await subscriptionOf(reader.accountId)).toMatchObject({ currentPeriodEnd: secondRenewal });

    const callsBefore = standIn.requests.length;
    expect(await sweep()).toMatchObject({ reconciled: 0, charged: 0 });
    expect(standIn.requests).toHaveLength(callsBefore);
    expect(razorpayPaymentsFor(pending.id)).toHaveLength(1);
    expect(await invoicesOf(reader.accountId)).toHaveLength(2);
  });

  it('a card that fails renewals goes past due with the payment-failed mail; Razorpay’s failure webhook changes nothing more', async () => {
    const reader = await aRazorpaySubscriber(standInCards.declinesRenewals);
    at(renewal);
    expect(await sweep()).toMatchObject({ charged: 1, failed: 1, unanswered: 0 });
    const payment = await renewalPayment(reader.accountId);
    expect(payment).toMatchObject({
      status: 'failed',
      failure_reason: 'Your payment was declined by the bank. Try another card.',
    });
    expect(razorpayPaymentsFor(payment.id)).toMatchObject([{ id: payment.gateway_ref, status: 'failed' }]);
    const overdue = await subscriptionOf(reader.accountId);
    expect(overdue).toMatchObject({
      status: 'past_due',
      currentPeriodEnd: renewal,
      paymentMethod: 'MasterCard •••• 0341',
      overdue: { nextAttemptAt: later(renewal, 1), accessUntil: later(renewal, 7) },
    });
    expect(await entitlementsOf(reader.accountId)).toContain('premium-stories');
    expect(await templatesTo(reader.email)).toContain('payment-failed');
    expect(await invoicesOf(reader.accountId)).toHaveLength(1);

    // Razorpay's payment.failed for the same attempt: already booked.
    const events = await eventsOf(reader.accountId);
    const [failed] = eventsAbout('payment.failed', payment.gateway_ref!);
    const response = await deliver(failed!);
    expect(response.statusCode).toBe(200);
    expect(await subscriptionOf(reader.accountId)).toEqual(overdue);
    expect(await eventsOf(reader.accountId)).toEqual(events);

    // The retry a day later is a new attempt on a new order, and fails again: still past due.
    at(later(renewal, 1));
    expect(await sweep()).toMatchObject({ charged: 1, failed: 1 });
    const attempts = (await paymentsOf(reader.accountId)).filter((p) => p.kind === 'renewal');
    expect(attempts.map((p) => [p.attempt, p.status])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
    ]);
    expect(ordersFor(attempts[1]!.id)).toHaveLength(1);
    expect(await subscriptionOf(reader.accountId)).toMatchObject({
      status: 'past_due',
      overdue: { nextAttemptAt: later(renewal, 3) },
    });
  });

  it('a renewal a forever discount brings to ₹0 renews the term with a ₹0 invoice, without asking Razorpay', async () => {
    at(start);
    const reader = await aSignedInReader(app());
    const { checkoutId, orderId } = await startCheckout(reader.browser);
    await payInWidget(reader.browser, checkoutId, orderId);
    expect((await reader.browser.get(`/api/v1/checkout/${checkoutId}`)).json().checkout.status).toBe(
      'completed',
    );
    // A forever coupon worth more than the price, stored on the subscription as a checkout with
    // it stores it (a ₹0 checkout itself is the sandbox suite's).
    const coupon = await app().services.coupons.create({
      code: `MORETHANPRICE${reader.accountId.slice(-6).toUpperCase()}`,
      kind: 'amount',
      amountOff: { amountMinor: 500_000, currency: 'INR' },
      duration: 'forever',
    });
    await app()
      .database.db.updateTable('subscriptions')
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
    expect(ordersFor(payment.id)).toHaveLength(0);
    // Numbered by financial year, so the renewal's invoice may come first in sequence.
    expect((await invoicesOf(reader.accountId)).map((i) => i.total_minor).sort()).toEqual([0, 270_000]);
    expect(await subscriptionOf(reader.accountId)).toMatchObject({
      status: 'active',
      currentPeriodEnd: secondRenewal,
    });
  });
});
