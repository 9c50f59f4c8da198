import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSignedInReader, billingBooks, planId } from '../support/billing.js';
import type { Browser } from '../support/browser.js';
import { dialects } from '../support/databases.js';
import { razorpayGateway, type RazorpayStand } from '../support/gateways.js';
import type { TestCard } from '../support/gateways.js';

// Razorpay's own ways, through the whole app with PAYMENT_GATEWAY=razorpay against a stand-in of
// Razorpay's API: Masthead's page for the checkout widget and the widget's signed confirmation,
// a recurring card token, and renewals as recurring payments on orders whose receipt is the
// idempotency key (Razorpay has no idempotency keys of its own). What billing promises on every
// gateway — webhooks late, twice, forged or first; renewals, outages, lost answers, dunning, ₹0 —
// is the contract's (gateway-contract.test.ts), which runs on Razorpay too.

const day = 86_400_000;
const later = (iso: string, days: number) => new Date(new Date(iso).getTime() + days * day).toISOString();
const start = '2026-11-15T06:00:00.000Z';
const renewal = '2027-11-15T06:00:00.000Z';
const secondRenewal = '2028-11-15T06:00:00.000Z';

describe.each(dialects)('billing through Razorpay on $name', (dialect) => {
  let g: RazorpayStand;

  beforeAll(async () => {
    g = await razorpayGateway.open(dialect, { at: start });
  });
  afterAll(async () => {
    await g?.close();
  });

  const { at, afterLease, sweep, paymentsOf, subscriptionRowOf, checkoutRow, subscriptionOf } = billingBooks(
    () => g.t,
  );

  /** The payments Razorpay holds for a Masthead reference (a checkout or payment id). */
  const razorpayPaymentsFor = (reference: string) =>
    [...g.standIn.payments.values()].filter((p) => p.notes.reference === reference);
  /** The renewal orders Razorpay holds for a Masthead payment id. */
  const ordersFor = (reference: string) =>
    [...g.standIn.orders.values()].filter(
      (o) => o.notes.reference === reference && o.notes.masthead === 'charge',
    );
  const recurringCallsFor = (orderId: string) =>
    g.standIn
      .calls('POST', '/v1/payments/create/recurring')
      .filter((call) => (call.body as { order_id?: string }).order_id === orderId);

  /** The reader starts a checkout for the yearly plan; answers Masthead's and Razorpay's ids. */
  async function startCheckout(browser: Browser) {
    const started = await browser.send('POST', '/api/v1/checkout', {
      planId: await planId(g.t, 'smart-essential'),
      returnTo: '/account',
    });
    expect(started.statusCode, started.body).toBe(201);
    const checkout = started.json() as { checkoutId: string; checkoutUrl: string };
    const orderId = new URL(checkout.checkoutUrl).pathname.split('/').at(-1)!;
    return { ...checkout, orderId };
  }

  /** A reader subscribed through the widget and back, and reminded of the renewal. */
  async function aRazorpaySubscriber(card: TestCard = 'renews') {
    at(start);
    const reader = await aSignedInReader(g.t);
    const checkout = await startCheckout(reader.browser);
    await g.pay(reader.browser, checkout, card);
    const returned = await reader.browser.get(`/api/v1/checkout/${checkout.checkoutId}`);
    expect(returned.json().checkout).toMatchObject({ status: 'completed' });
    const [paid] = razorpayPaymentsFor(checkout.checkoutId);
    at(later(renewal, -3));
    await sweep();
    return { ...reader, ...checkout, paid: paid! };
  }

  const renewalPayment = async (accountId: string) => {
    const payment = (await paymentsOf(accountId)).find((p) => p.kind === 'renewal');
    if (!payment) throw new Error(`${accountId} has no renewal payment`);
    return payment;
  };

  it('opens Masthead’s page for the widget on an order set up for a recurring token; the subscription keeps Razorpay’s customer, token and phone number', async () => {
    at(start);
    const reader = await aSignedInReader(g.t);
    const { checkoutId, checkoutUrl, orderId } = await startCheckout(reader.browser);
    expect(checkoutUrl).toBe(`${g.t.config.publicUrl}/payments/razorpay/checkout/${orderId}`);
    expect(g.standIn.orders.get(orderId)).toMatchObject({
      amount: 270_000,
      currency: 'INR',
      method: 'card',
      receipt: checkoutId,
      notes: { masthead: 'checkout', reference: checkoutId },
    });
    const page = await reader.browser.get(new URL(checkoutUrl).pathname);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(orderId);
    expect(page.body).toContain(g.standIn.keyId);
    expect(page.body).not.toContain(g.standIn.keySecret);

    await g.pay(reader.browser, { checkoutId, checkoutUrl });
    expect((await reader.browser.get(`/api/v1/checkout/${checkoutId}`)).json().checkout.status).toBe(
      'completed',
    );
    const [paid] = razorpayPaymentsFor(checkoutId);
    expect(await subscriptionRowOf(reader.accountId)).toMatchObject({
      gateway: 'razorpay',
      gateway_customer: paid!.customerId,
      payment_method_ref: paid!.tokenId,
    });
    expect(await paymentsOf(reader.accountId)).toMatchObject([{ kind: 'initial', gateway_ref: paid!.id }]);
    // Renewals need the phone number the reader gave the widget: it is now on the customer.
    expect(g.standIn.customers.get(paid!.customerId)?.contact).toBe(paid!.contact);
    // A paid order's page sends the reader on instead of opening the widget again.
    expect((await reader.browser.get(`/payments/razorpay/checkout/${orderId}`)).statusCode).toBe(303);
  });

  it('refuses a confirmation from the page that Razorpay did not sign', async () => {
    at(start);
    const reader = await aSignedInReader(g.t);
    const { checkoutId, orderId } = await startCheckout(reader.browser);
    // Paid in the widget, but the page never posted back and the reader never returned.
    const paid = g.standIn.payInWidget(orderId, { notes: { masthead: 'checkout', reference: checkoutId } });
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
  });

  it('renews with one recurring payment on the saved token, on a new order for the payment', async () => {
    const reader = await aRazorpaySubscriber();
    // The reminder charged nothing.
    expect(g.standIn.calls('POST', '/v1/payments/create/recurring')).toHaveLength(0);

    at(renewal);
    expect((await sweep()).succeeded).toBeGreaterThanOrEqual(1);
    const payment = await renewalPayment(reader.accountId);
    const [order] = ordersFor(payment.id);
    expect(ordersFor(payment.id)).toHaveLength(1);
    expect(order).toMatchObject({ amount: 270_000, currency: 'INR', status: 'paid' });
    expect(recurringCallsFor(order!.id)).toHaveLength(1);
    expect(recurringCallsFor(order!.id)[0]!.body).toMatchObject({
      customer_id: reader.paid.customerId,
      token: reader.paid.tokenId,
      recurring: '1',
      amount: 270_000,
      contact: reader.paid.contact,
    });
    expect(razorpayPaymentsFor(payment.id)).toEqual([
      expect.objectContaining({ id: payment.gateway_ref, status: 'captured', recurring: true }),
    ]);
  });

  it('creates no order during an outage; the next sweep makes one order and pays it once', async () => {
    const reader = await aRazorpaySubscriber();
    at(renewal);
    await g.withTrouble('outage', sweep);
    const pending = await renewalPayment(reader.accountId);
    expect(ordersFor(pending.id)).toHaveLength(0);

    afterLease();
    expect(await sweep()).toMatchObject({ reconciled: 1, succeeded: 1 });
    const [order] = ordersFor(pending.id);
    expect(ordersFor(pending.id)).toHaveLength(1);
    expect(razorpayPaymentsFor(pending.id)).toMatchObject([{ orderId: order!.id, status: 'captured' }]);
  });

  it('a payment request dropped before Razorpay saw it: the next sweep pays the same order once', async () => {
    const reader = await aRazorpaySubscriber();
    at(renewal);
    g.standIn.dropNext('POST', /^\/v1\/payments\/create\/recurring$/, 'before');
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

  it('an answer lost after Razorpay charged: the next sweep finds that order’s payment instead of paying the order again', async () => {
    const reader = await aRazorpaySubscriber();
    at(renewal);
    await g.withTrouble('lostAnswer', sweep);
    const pending = await renewalPayment(reader.accountId);

    afterLease();
    expect(await sweep()).toMatchObject({ reconciled: 1, succeeded: 1 });
    const [order] = ordersFor(pending.id);
    expect(ordersFor(pending.id)).toHaveLength(1);
    expect(recurringCallsFor(order!.id)).toHaveLength(1);
  });

  it('retries a failed renewal on a new order', async () => {
    const reader = await aRazorpaySubscriber('failsRenewals');
    at(renewal);
    await sweep();
    at(later(renewal, 1));
    await sweep();
    const attempts = (await paymentsOf(reader.accountId)).filter((p) => p.kind === 'renewal');
    expect(attempts.map((p) => p.status)).toEqual(['failed', 'failed']);
    const orders = attempts.map((p) => ordersFor(p.id));
    expect(orders.map((o) => o.length)).toEqual([1, 1]);
    expect(orders[0]![0]!.id).not.toBe(orders[1]![0]!.id);
  });
});
