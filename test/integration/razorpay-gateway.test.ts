import { createHmac } from 'node:crypto';
import fastifyFormbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/kernel/clock.js';
import { money } from '../../src/kernel/money.js';
import {
  WebhookSignatureError,
  type CheckoutRequest,
  type SavedPaymentMethod,
} from '../../src/modules/payments/gateway.js';
import { createRazorpayGateway, type RazorpayGateway } from '../../src/modules/payments/razorpay.js';
import { razorpayRoutes } from '../../src/modules/payments/razorpay-routes.js';
import { registerErrorHandling } from '../../src/web/errors.js';
import { helmetHeaders } from '../../src/web/security-headers.js';
import {
  standInCards,
  startRazorpayStandIn,
  type RazorpayStandIn,
  type StandInCard,
  type StandInEvent,
} from '../support/razorpay-stand-in.js';

// The adapter talks to a stand-in of Razorpay's API (Razorpay's servers are out of reach); no
// database is involved, so this suite does not loop over dialects.

const publicUrl = 'https://news.example.in';
const webhookSecret = 'razorpay-webhook-secret-for-tests';
const startedAt = '2026-11-15T06:00:00.000Z';

let standIn: RazorpayStandIn;
let gateway: RazorpayGateway;
let app: FastifyInstance;
const clock = fixedClock(startedAt);
let counter = 0;

beforeAll(async () => {
  standIn = await startRazorpayStandIn({ now: () => clock.now() });
  gateway = createRazorpayGateway({
    keyId: standIn.keyId,
    keySecret: standIn.keySecret,
    webhookSecret,
    publicUrl,
    apiUrl: standIn.url,
    clock,
  });
  app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  // The site's own headers, as app.ts sets them on every response: the checkout page must replace
  // its `script-src 'self'` policy, not add to it.
  const siteHeaders = helmetHeaders({
    contentSecurityPolicy: {
      directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"] },
    },
  });
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(siteHeaders);
    done();
  });
  await app.register(fastifyFormbody);
  await app.register(razorpayRoutes, { gateway, publicationName: async () => 'The Daily Ledger' });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await standIn?.close();
});

afterEach(() => {
  standIn.outage = 'none';
  clock.set(startedAt);
});

function aCheckout(overrides: Partial<CheckoutRequest> = {}): CheckoutRequest {
  counter++;
  return {
    mode: 'payment',
    reference: `chk_01jtestcheckout${String(counter).padStart(10, '0')}`,
    amount: money(29_900, 'INR'),
    description: 'Digital — monthly',
    customer: { id: `acc_reader${counter}`, email: `reader${counter}@example.in`, name: `Reader ${counter}` },
    successUrl: `${publicUrl}/subscribe/return?checkout=${counter}`,
    cancelUrl: `${publicUrl}/subscribe`,
    // Masthead's checkout lasts an hour.
    expiresAt: new Date(clock.now().getTime() + 60 * 60_000),
    ...overrides,
  };
}

/** What Razorpay's widget signs a successful payment with: HMAC-SHA256 of `order_id|payment_id`. */
const paymentSignature = (orderId: string, paymentId: string, secret = standIn.keySecret) =>
  createHmac('sha256', secret).update(`${orderId}|${paymentId}`).digest('hex');

/** A webhook as Razorpay delivers it: X-Razorpay-Signature = HMAC-SHA256 hex of the raw body. */
function delivery(body: string, secret = webhookSecret, eventId = 'evt_test') {
  return {
    raw: Buffer.from(body),
    headers: {
      'content-type': 'application/json',
      'x-razorpay-event-id': eventId,
      'x-razorpay-signature': createHmac('sha256', secret).update(body).digest('hex'),
    },
  };
}
const deliver = (event: StandInEvent) => {
  const { raw, headers } = delivery(event.body, webhookSecret, event.id);
  return gateway.parseWebhook(raw, headers);
};
const eventsOf = (name: string, id: string) =>
  standIn.events.filter((event) => event.event === name && event.body.includes(id));

/** A checkout paid in the widget with `card`: the saved card, as renewals get it. */
async function savedCard(card: StandInCard = standInCards.visa): Promise<SavedPaymentMethod> {
  const checkout = aCheckout();
  const { sessionId } = await gateway.createCheckout(checkout);
  standIn.payInWidget(sessionId, { card, notes: { masthead: 'checkout', reference: checkout.reference } });
  const outcome = await gateway.retrieveCheckout(sessionId);
  if (outcome.status !== 'paid') throw new Error(`expected a paid checkout, got ${outcome.status}`);
  return outcome.paymentMethod;
}

function aCharge(method: SavedPaymentMethod, key = `pay_01jrenewal${++counter}`) {
  return {
    idempotencyKey: key,
    amount: money(29_900, 'INR'),
    paymentMethodRef: method.ref,
    customerRef: method.customerRef,
    description: 'Digital — monthly, renewal',
    reference: key,
  };
}

describe('Razorpay checkout', () => {
  it('creates a customer and an order set up for a recurring card token, and answers Masthead’s page', async () => {
    const checkout = aCheckout();
    const { sessionId, url } = await gateway.createCheckout(checkout);

    expect(sessionId).toMatch(/^order_/);
    expect(url).toBe(`${publicUrl}/payments/razorpay/checkout/${sessionId}`);
    const [customerCall] = standIn.calls('POST', '/v1/customers').slice(-1);
    expect(customerCall?.body).toMatchObject({ email: checkout.customer.email, fail_existing: 0 });
    const orderCall = standIn.calls('POST', '/v1/orders').at(-1);
    expect(orderCall?.body).toMatchObject({
      amount: 29_900,
      currency: 'INR',
      method: 'card',
      receipt: checkout.reference,
      payment_capture: true,
      token: { max_amount: 1_500_000, frequency: 'as_presented' },
      notes: { masthead: 'checkout', reference: checkout.reference, success_url: checkout.successUrl },
    });
    const order = standIn.orders.get(sessionId)!;
    expect(order.customerId).toBe(
      [...standIn.customers.values()].find((c) => c.email === checkout.customer.email)?.id,
    );
    // The mandate runs ten years from now, in unix seconds.
    expect(order.token?.expire_at).toBe(Math.floor(Date.parse('2036-11-12T06:00:00.000Z') / 1000));
  });

  it('reuses the reader’s Razorpay customer for a second checkout', async () => {
    const first = aCheckout();
    await gateway.createCheckout(first);
    const second = await gateway.createCheckout({ ...aCheckout(), customer: first.customer });
    const customers = [...standIn.customers.values()].filter((c) => c.email === first.customer.email);
    expect(customers).toHaveLength(1);
    expect(standIn.orders.get(second.sessionId)?.customerId).toBe(customers[0]?.id);
  });

  it('refuses a currency Razorpay cannot renew, before calling Razorpay', async () => {
    const before = standIn.requests.length;
    await expect(gateway.createCheckout(aCheckout({ amount: money(500, 'USD') }))).rejects.toMatchObject({
      code: 'bad_request',
    });
    expect(standIn.requests.length).toBe(before);
  });

  it('serves the widget page under its own CSP: checkout.js, Razorpay’s frames, and one inline script with the nonce', async () => {
    const checkout = aCheckout();
    const { sessionId, url } = await gateway.createCheckout(checkout);
    const response = await app.inject({ method: 'GET', url: new URL(url).pathname });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.headers['cache-control']).toBe('private, no-store');
    const policy = String(response.headers['content-security-policy']);
    const directives = new Map(
      policy.split(';').map((part) => {
        const [name, ...values] = part.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    const scriptSrc = directives.get('script-src') ?? [];
    expect(scriptSrc).toContain('https://checkout.razorpay.com');
    expect(scriptSrc).not.toContain("'unsafe-inline'");
    const nonce = scriptSrc.find((value) => value.startsWith("'nonce-"))?.slice(7, -1);
    expect(nonce).toBeTruthy();
    expect(directives.get('frame-src')).toContain('https://api.razorpay.com');
    // The widget opens a window for some banks' authentication step: helmet's `same-origin` would cut it off.
    expect(response.headers['cross-origin-opener-policy']).toBe('same-origin-allow-popups');

    const html = response.body;
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((s) => /src="([^"]+)"/.exec(s[1]!)?.[1]).filter(Boolean)).toEqual([
      'https://checkout.razorpay.com/v1/checkout.js',
    ]);
    const inline = scripts.filter((s) => !/src=/.test(s[1]!));
    expect(inline).toHaveLength(1);
    expect(inline[0]![1]).toContain(`nonce="${nonce}"`);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    const code = inline[0]![2]!;
    expect(code).toContain(`"key":"${standIn.keyId}"`);
    expect(code).toContain(`"order_id":"${sessionId}"`);
    expect(code).toContain('"recurring":"1"');
    expect(code).toContain(`"reference":"${checkout.reference}"`);
    expect(html).not.toContain(standIn.keySecret);
    expect(html).toContain('action="/payments/razorpay/callback"');
    expect(html).toContain('₹299');

    // A new nonce on each load.
    const again = await app.inject({ method: 'GET', url: new URL(url).pathname });
    expect(again.headers['content-security-policy']).not.toBe(policy);
  });

  it('sends the reader on from the page of a paid checkout, and has no page for an unknown order', async () => {
    const checkout = aCheckout();
    const { sessionId, url } = await gateway.createCheckout(checkout);
    standIn.payInWidget(sessionId);
    const paid = await app.inject({ method: 'GET', url: new URL(url).pathname });
    expect(paid.statusCode).toBe(303);
    expect(paid.headers.location).toBe(checkout.successUrl);

    const unknown = await app.inject({
      method: 'GET',
      url: '/payments/razorpay/checkout/order_Unknown0000000',
    });
    expect(unknown.statusCode).toBe(404);
    const malformed = await app.inject({ method: 'GET', url: '/payments/razorpay/checkout/..%2Fcustomers' });
    expect(malformed.statusCode).toBeGreaterThanOrEqual(400);
    expect(malformed.statusCode).toBeLessThan(500);
  });

  it('redirects a confirmation signed by Razorpay to the success URL, and refuses a forged one', async () => {
    const checkout = aCheckout();
    const { sessionId } = await gateway.createCheckout(checkout);
    const payment = standIn.payInWidget(sessionId);
    const post = (fields: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: '/payments/razorpay/callback',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(fields).toString(),
      });

    const genuine = await post({
      razorpay_payment_id: payment.id,
      razorpay_order_id: sessionId,
      razorpay_signature: paymentSignature(sessionId, payment.id),
    });
    expect(genuine.statusCode).toBe(303);
    expect(genuine.headers.location).toBe(checkout.successUrl);

    const forged = await post({
      razorpay_payment_id: payment.id,
      razorpay_order_id: sessionId,
      razorpay_signature: paymentSignature(sessionId, payment.id, 'not-the-key-secret'),
    });
    expect(forged.statusCode).toBe(400);
    expect(forged.headers.location).toBeUndefined();

    // A genuine signature for another order's payment proves nothing about this one.
    const other = await gateway.createCheckout(aCheckout());
    const swapped = await post({
      razorpay_payment_id: payment.id,
      razorpay_order_id: other.sessionId,
      razorpay_signature: paymentSignature(sessionId, payment.id),
    });
    expect(swapped.statusCode).toBe(400);

    const garbled = await post({
      razorpay_payment_id: payment.id,
      razorpay_order_id: sessionId,
      razorpay_signature: 'x',
    });
    expect(garbled.statusCode).toBe(422);
  });

  it('is open until the reader pays, then paid with the payment and the saved card', async () => {
    const checkout = aCheckout();
    const { sessionId } = await gateway.createCheckout(checkout);
    expect(await gateway.retrieveCheckout(sessionId)).toEqual({ status: 'open' });

    const payment = standIn.payInWidget(sessionId, { card: standInCards.visa, contact: '+919812345678' });
    const outcome = await gateway.retrieveCheckout(sessionId);

    const order = standIn.orders.get(sessionId)!;
    expect(outcome).toEqual({
      status: 'paid',
      reference: checkout.reference,
      paymentRef: payment.id,
      amount: money(29_900, 'INR'),
      paymentMethod: { ref: payment.tokenId, label: 'Visa •••• 4242', customerRef: order.customerId },
    });
    // Renewals need the phone number the reader gave the widget: it is now on the customer.
    expect(standIn.customers.get(order.customerId!)?.contact).toBe('+919812345678');
  });

  it('expires a checkout nobody paid when Masthead’s checkout ends, and its widget closes then', async () => {
    // Razorpay orders never expire: the order carries the checkout's end, and the page obeys it.
    const checkout = aCheckout();
    const { sessionId, url } = await gateway.createCheckout(checkout);
    expect(standIn.orders.get(sessionId)?.notes).toMatchObject({
      expires_at: String(Date.parse('2026-11-15T07:00:00.000Z') / 1000),
    });
    clock.set('2026-11-15T06:45:00.000Z');
    const open = await app.inject({ method: 'GET', url: new URL(url).pathname });
    expect(open.statusCode).toBe(200);
    // Fifteen minutes left: the widget stops taking the payment then.
    expect(open.body).toContain('"timeout":900');
    clock.set('2026-11-15T06:59:00.000Z');
    expect(await gateway.retrieveCheckout(sessionId)).toEqual({ status: 'open' });
    clock.set('2026-11-15T07:00:00.000Z');
    expect(await gateway.retrieveCheckout(sessionId)).toMatchObject({
      status: 'expired',
      reference: checkout.reference,
    });
    const page = await app.inject({ method: 'GET', url: new URL(url).pathname });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe(checkout.cancelUrl);
  });

  it('saves a card in setup mode with a ₹1 card check that is refunded once', async () => {
    const checkout = aCheckout({ mode: 'setup', amount: money(0, 'INR') });
    const { sessionId, url } = await gateway.createCheckout(checkout);
    expect(standIn.orders.get(sessionId)).toMatchObject({ amount: 100, token: { max_amount: 1_500_000 } });
    const page = await app.inject({ method: 'GET', url: new URL(url).pathname });
    expect(page.body).toContain('₹1, refunded at once');

    const payment = standIn.payInWidget(sessionId, { card: standInCards.declinesRenewals });
    const outcome = await gateway.retrieveCheckout(sessionId);
    expect(outcome).toMatchObject({
      status: 'paid',
      reference: checkout.reference,
      paymentRef: null,
      amount: money(0, 'INR'),
      paymentMethod: { ref: payment.tokenId, label: 'MasterCard •••• 0341' },
    });
    const refunds = () => [...standIn.refunds.values()].filter((refund) => refund.paymentId === payment.id);
    expect(refunds()).toMatchObject([{ amount: 100, notes: { masthead: 'verification' } }]);
    expect(standIn.payments.get(payment.id)?.status).toBe('refunded');

    // Asking again (the reader's return, then a reconciliation) refunds nothing more.
    expect(await gateway.retrieveCheckout(sessionId)).toMatchObject({ status: 'paid', paymentRef: null });
    expect(refunds()).toHaveLength(1);
  });
});

describe('Razorpay renewals', () => {
  it('charges the saved card with a recurring payment on a new order whose receipt is the key', async () => {
    const card = await savedCard();
    const charge = aCharge(card);
    const result = await gateway.charge(charge);

    expect(result.ok).toBe(true);
    const paymentRef = result.ok ? result.paymentRef : '';
    const payment = standIn.payments.get(paymentRef)!;
    expect(payment.status).toBe('captured');
    const order = standIn.orders.get(payment.orderId)!;
    expect(order).toMatchObject({ receipt: charge.idempotencyKey, amount: 29_900, status: 'paid' });
    const customer = standIn.customers.get(card.customerRef!)!;
    expect(standIn.calls('POST', '/v1/payments/create/recurring').at(-1)?.body).toMatchObject({
      email: customer.email,
      contact: customer.contact,
      amount: 29_900,
      currency: 'INR',
      order_id: order.id,
      customer_id: customer.id,
      token: card.ref,
      recurring: '1',
      notes: { masthead: 'charge', reference: charge.reference },
    });
  });

  it('answers a declined card as a value with Razorpay’s reason', async () => {
    const declines = await gateway.charge(aCharge(await savedCard(standInCards.declinesRenewals)));
    expect(declines).toMatchObject({
      ok: false,
      code: 'declined',
      reason: 'Your payment was declined by the bank. Try another card.',
    });
    const failed = declines.ok ? undefined : standIn.payments.get(declines.paymentRef ?? '');
    expect(failed?.status).toBe('failed');

    const poor = await gateway.charge(aCharge(await savedCard(standInCards.insufficientFunds)));
    expect(poor).toMatchObject({ ok: false, code: 'insufficient_funds' });
  });

  it('answers a customer without a phone number as a value, without charging', async () => {
    const checkout = aCheckout();
    const { sessionId } = await gateway.createCheckout(checkout);
    standIn.payInWidget(sessionId, { contact: '' });
    const outcome = await gateway.retrieveCheckout(sessionId);
    if (outcome.status !== 'paid') throw new Error('expected a paid checkout');
    const attempts = standIn.calls('POST', '/v1/payments/create/recurring').length;

    expect(await gateway.charge(aCharge(outcome.paymentMethod))).toMatchObject({
      ok: false,
      paymentRef: null,
      code: 'customer_details_missing',
    });
    expect(standIn.calls('POST', '/v1/payments/create/recurring')).toHaveLength(attempts);
  });

  it('throws on an outage — a 5xx or no answer — instead of answering a decline', async () => {
    const card = await savedCard();
    const charge = aCharge(card);
    const payments = standIn.payments.size;

    standIn.outage = 'error';
    await expect(gateway.charge(charge)).rejects.toThrow(/SERVER_ERROR/);
    standIn.outage = 'network';
    await expect(gateway.charge(charge)).rejects.toThrow(/could not be reached/);
    expect(standIn.payments.size).toBe(payments);

    standIn.outage = 'none';
    expect(await gateway.charge(charge)).toMatchObject({ ok: true });
  });

  it('charges once for one idempotency key, however often it is retried', async () => {
    const card = await savedCard();
    const charge = aCharge(card);
    const first = await gateway.charge(charge);
    const second = await gateway.charge(charge);
    expect(second).toEqual(first);
    const orders = [...standIn.orders.values()].filter((order) => order.receipt === charge.idempotencyKey);
    expect(orders).toHaveLength(1);
    expect([...standIn.payments.values()].filter((p) => p.orderId === orders[0]!.id)).toHaveLength(1);
  });

  it('gives a retry the first attempt’s payment when the first answer was lost', async () => {
    const charge = aCharge(await savedCard());
    standIn.dropNext('POST', /^\/v1\/payments\/create\/recurring$/, 'after');
    await expect(gateway.charge(charge)).rejects.toThrow();
    const [made] = [...standIn.payments.values()].filter((p) => p.notes.reference === charge.reference);
    expect(made?.status).toBe('captured');

    expect(await gateway.charge(charge)).toEqual({ ok: true, paymentRef: made!.id });
    expect([...standIn.payments.values()].filter((p) => p.notes.reference === charge.reference)).toHaveLength(
      1,
    );
  });

  it('pays the first attempt’s order when the first attempt stopped before paying', async () => {
    const charge = aCharge(await savedCard());
    standIn.dropNext('POST', /^\/v1\/payments\/create\/recurring$/, 'before');
    await expect(gateway.charge(charge)).rejects.toThrow();
    expect(await gateway.charge(charge)).toMatchObject({ ok: true });
    const orders = [...standIn.orders.values()].filter((order) => order.receipt === charge.idempotencyKey);
    expect(orders).toHaveLength(1);
    expect([...standIn.payments.values()].filter((p) => p.orderId === orders[0]!.id)).toHaveLength(1);
  });

  it('answers a retried decline with the first decline, without charging again', async () => {
    const charge = aCharge(await savedCard(standInCards.declinesRenewals));
    const first = await gateway.charge(charge);
    const attempts = standIn.calls('POST', '/v1/payments/create/recurring').length;
    const second = await gateway.charge(charge);
    expect(second).toEqual(first);
    expect(standIn.calls('POST', '/v1/payments/create/recurring')).toHaveLength(attempts);
  });

  it('refuses a key reused for a different charge (a bug in the caller)', async () => {
    const charge = aCharge(await savedCard());
    await gateway.charge(charge);
    await expect(gateway.charge({ ...charge, amount: money(39_900, 'INR') })).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('hashes a key longer than Razorpay’s 40-character receipt, and stays idempotent', async () => {
    const card = await savedCard();
    const key = `renewal:${'sub_01jlongsubscriptionid0000000'}:2026-12-15T06:00:00.000Z:attempt-1`;
    expect(key.length).toBeGreaterThan(40);
    const first = await gateway.charge(aCharge(card, key));
    const second = await gateway.charge(aCharge(card, key));
    expect(first).toMatchObject({ ok: true });
    expect(second).toEqual(first);
    const paymentRef = first.ok ? first.paymentRef : '';
    const receipt = standIn.orders.get(standIn.payments.get(paymentRef)!.orderId)!.receipt!;
    expect(receipt).toMatch(/^h_[A-Za-z0-9_-]{38}$/);
    expect(aCharge(card, `${key}-2`).idempotencyKey).not.toBe(key);
    const third = await gateway.charge(aCharge(card, `${key}-2`));
    expect(third.ok && third.paymentRef).not.toBe(paymentRef);
  });
});

describe('Razorpay refunds', () => {
  it('refunds once per idempotency key, and answers an impossible refund as a value', async () => {
    const charged = await gateway.charge(aCharge(await savedCard()));
    const paymentRef = charged.ok ? charged.paymentRef : '';
    const request = { idempotencyKey: `ref_${paymentRef}_1`, paymentRef, amount: money(10_000, 'INR') };

    const first = await gateway.refund(request);
    expect(first).toMatchObject({ ok: true });
    expect(await gateway.refund(request)).toEqual(first);
    const refunds = [...standIn.refunds.values()].filter((refund) => refund.paymentId === paymentRef);
    expect(refunds).toMatchObject([{ amount: 10_000, receipt: request.idempotencyKey }]);
    expect(first.ok && first.refundRef).toBe(refunds[0]?.id);

    await expect(gateway.refund({ ...request, amount: money(5_000, 'INR') })).rejects.toMatchObject({
      code: 'conflict',
    });

    const tooMuch = await gateway.refund({
      ...request,
      idempotencyKey: `ref_${paymentRef}_2`,
      amount: money(20_000, 'INR'),
    });
    expect(tooMuch).toEqual({
      ok: false,
      reason: 'The refund amount provided is greater than amount captured',
    });
  });
});

describe('Razorpay webhooks', () => {
  it('turns a paid checkout’s events into checkout.completed', async () => {
    const checkout = aCheckout();
    const { sessionId } = await gateway.createCheckout(checkout);
    // The page gives the widget these notes; the payment carries them.
    const payment = standIn.payInWidget(sessionId, {
      notes: { masthead: 'checkout', reference: checkout.reference },
    });

    const [captured] = eventsOf('payment.captured', payment.id);
    const [orderPaid] = eventsOf('order.paid', sessionId);
    const completed = { action: 'checkout.completed', sessionId, reference: checkout.reference };
    expect(deliver(captured!)).toEqual({ eventId: captured!.id, ...completed });
    expect(deliver(orderPaid!)).toEqual({ eventId: orderPaid!.id, ...completed });
  });

  it('turns a renewal’s captured and failed payments into charge.succeeded and charge.failed', async () => {
    const good = aCharge(await savedCard());
    const succeeded = await gateway.charge(good);
    const paid = succeeded.ok ? succeeded.paymentRef : '';
    const [captured] = eventsOf('payment.captured', paid);
    expect(deliver(captured!)).toEqual({
      eventId: captured!.id,
      action: 'charge.succeeded',
      reference: good.reference,
      paymentRef: paid,
    });
    // The renewal's order being paid is the same news: only the payment's event counts.
    const [orderPaid] = eventsOf('order.paid', paid);
    expect(deliver(orderPaid!)).toMatchObject({ action: 'ignored', type: 'order.paid' });

    const bad = aCharge(await savedCard(standInCards.insufficientFunds));
    const declined = await gateway.charge(bad);
    const failedRef = declined.ok ? '' : declined.paymentRef!;
    const [failed] = eventsOf('payment.failed', failedRef);
    expect(deliver(failed!)).toEqual({
      eventId: failed!.id,
      action: 'charge.failed',
      reference: bad.reference,
      paymentRef: failedRef,
      reason: 'Payment failed due to insufficient balance in the account.',
    });
  });

  it('turns a processed refund into refund.succeeded, but not the refund of a setup card check', async () => {
    const charged = await gateway.charge(aCharge(await savedCard()));
    const paymentRef = charged.ok ? charged.paymentRef : '';
    const refunded = await gateway.refund({
      idempotencyKey: `ref_${paymentRef}`,
      paymentRef,
      amount: money(100, 'INR'),
    });
    const refundRef = refunded.ok ? refunded.refundRef : '';
    const [processed] = eventsOf('refund.processed', refundRef);
    expect(deliver(processed!)).toEqual({ eventId: processed!.id, action: 'refund.succeeded', paymentRef });
    const [created] = eventsOf('refund.created', refundRef);
    expect(deliver(created!)).toMatchObject({ action: 'ignored', type: 'refund.created' });

    const setup = aCheckout({ mode: 'setup', amount: money(0, 'INR') });
    const { sessionId } = await gateway.createCheckout(setup);
    const check = standIn.payInWidget(sessionId);
    await gateway.retrieveCheckout(sessionId);
    const [checkRefund] = standIn.events.filter(
      (e) => e.event === 'refund.processed' && e.body.includes(check.id),
    );
    expect(deliver(checkRefund!)).toMatchObject({ action: 'ignored', type: 'refund.processed' });
  });

  it('ignores a failed attempt in the checkout widget (the reader may try another card)', () => {
    const body = JSON.stringify({
      entity: 'event',
      event: 'payment.failed',
      contains: ['payment'],
      payload: {
        payment: {
          entity: {
            id: 'pay_WidgetFailed01',
            order_id: 'order_WidgetOrder01',
            status: 'failed',
            notes: { masthead: 'checkout', reference: 'chk_x' },
            error_description: 'Your payment was declined.',
          },
        },
      },
      created_at: 1_700_000_000,
    });
    const { raw, headers } = delivery(body, webhookSecret, 'evt_widget');
    expect(gateway.parseWebhook(raw, headers)).toEqual({
      eventId: 'evt_widget',
      action: 'ignored',
      type: 'payment.failed',
    });
  });

  it('acknowledges events it does not act on, whatever their payload', () => {
    const body = JSON.stringify({
      entity: 'event',
      event: 'payment.dispute.created',
      contains: ['dispute'],
      payload: { dispute: { entity: { id: 'disp_Stand1n000001', amount: 29_900 } } },
      created_at: 1_700_000_000,
    });
    const { raw, headers } = delivery(body, webhookSecret, 'evt_dispute');
    expect(gateway.parseWebhook(raw, headers)).toEqual({
      eventId: 'evt_dispute',
      action: 'ignored',
      type: 'payment.dispute.created',
    });
  });

  it('refuses a tampered body, a wrong secret and a missing signature', async () => {
    const { sessionId } = await gateway.createCheckout(aCheckout());
    const payment = standIn.payInWidget(sessionId, {
      notes: { masthead: 'checkout', reference: 'chk_tamper' },
    });
    const [event] = eventsOf('payment.captured', payment.id);
    const { raw, headers } = delivery(event!.body, webhookSecret, event!.id);

    const tampered = Buffer.from(event!.body.replace('"amount":29900', '"amount":100'));
    expect(tampered.equals(raw)).toBe(false);
    expect(() => gateway.parseWebhook(tampered, headers)).toThrow(WebhookSignatureError);

    const wrongSecret = delivery(event!.body, 'someone-elses-secret', event!.id);
    expect(() => gateway.parseWebhook(wrongSecret.raw, wrongSecret.headers)).toThrow(WebhookSignatureError);

    const unsigned = { ...headers, 'x-razorpay-signature': undefined };
    expect(() => gateway.parseWebhook(raw, unsigned)).toThrow(WebhookSignatureError);

    expect(gateway.parseWebhook(raw, headers)).toMatchObject({
      action: 'checkout.completed',
      eventId: event!.id,
    });
  });
});

describe('Razorpay credentials', () => {
  it('makes a wrong key secret an error, not a declined payment', async () => {
    const misconfigured = createRazorpayGateway({
      keyId: standIn.keyId,
      keySecret: 'not-the-secret',
      webhookSecret,
      publicUrl,
      apiUrl: standIn.url,
      clock,
    });
    await expect(misconfigured.createCheckout(aCheckout())).rejects.toThrow(
      /401 BAD_REQUEST_ERROR: Authentication failed/,
    );
  });
});
