import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money } from '../../src/kernel/money.js';
import {
  WebhookSignatureError,
  type CheckoutRequest,
  type PaymentGateway,
} from '../../src/modules/payments/gateway.js';
import { createStripeGateway } from '../../src/modules/payments/stripe.js';
import {
  signedDelivery,
  startStripeStandIn,
  stripeEvent,
  type CardBehaviour,
  type StandInRequest,
  type StripeStandIn,
} from '../support/stripe-stand-in.js';

// The adapter talks to a stand-in of Stripe's API over HTTP, through the official SDK: Stripe's
// servers are out of reach here, and the SDK's encoding, retries and errors are what is tested.
// No database is involved, so there is no dialect to loop over.

const webhookSecret = 'whsec_test_masthead_0123456789';
let standIn: StripeStandIn;
let gateway: PaymentGateway;

beforeAll(async () => {
  standIn = await startStripeStandIn('sk_test_masthead');
  gateway = createStripeGateway({ secretKey: standIn.secretKey, webhookSecret, apiUrl: standIn.url });
});
afterAll(() => standIn.close());

let counter = 0;
const unique = (prefix: string): string => `${prefix}_${Date.now().toString(36)}${++counter}`;

function aCheckout(overrides: Partial<CheckoutRequest> = {}): CheckoutRequest {
  return {
    mode: 'payment',
    reference: unique('chk'),
    amount: money(39900, 'INR'),
    description: 'Digital Access — 1 month',
    customer: { id: 'acc_reader1', email: 'reader@news.example', name: 'Asha Rao' },
    successUrl: 'https://news.example/checkout/return?status=success',
    cancelUrl: 'https://news.example/subscribe',
    expiresAt: new Date(Date.now() + 60 * 60_000),
    ...overrides,
  };
}

function last(requests: readonly StandInRequest[]): StandInRequest {
  const request = requests.at(-1);
  if (request === undefined) throw new Error('no such request was received');
  return request;
}

/** A checkout the reader has paid with a new card; returns the saved card as the outcome gives it. */
async function paidCheckout(card: Parameters<StripeStandIn['createPaymentMethod']>[0] = {}) {
  const request = aCheckout();
  const { sessionId } = await gateway.createCheckout(request);
  standIn.completeCheckout(sessionId, standIn.createPaymentMethod(card));
  const outcome = await gateway.retrieveCheckout(sessionId);
  if (outcome.status !== 'paid') throw new Error(`checkout ended ${outcome.status}`);
  return { request, sessionId, outcome };
}

/**
 * A card of `behaviour` saved on a Stripe customer, as a setup checkout leaves it (the stand-in
 * attaches the card directly: a declining card could not get through the hosted page).
 */
async function savedCard(
  behaviour: CardBehaviour,
): Promise<{ paymentMethodRef: string; customerRef: string }> {
  const { sessionId } = await gateway.createCheckout(aCheckout({ mode: 'setup', amount: money(0, 'INR') }));
  const customerRef = String(standIn.object(sessionId).customer);
  return { paymentMethodRef: standIn.createPaymentMethod({ behaviour, customer: customerRef }), customerRef };
}

const paymentIntentsFor = (reference: string) =>
  standIn.paymentIntents().filter((pi) => (pi.metadata as Record<string, string>).reference === reference);

describe('Stripe checkout', () => {
  it('creates a customer and a hosted payment session that saves the card for renewals', async () => {
    const request = aCheckout();
    const result = await gateway.createCheckout(request);

    expect(result.sessionId).toMatch(/^cs_test_/);
    expect(result.url).toBe(`https://checkout.stripe.com/c/pay/${result.sessionId}`);
    expect(last(standIn.requestsTo('POST', '/v1/customers')).params).toEqual({
      email: 'reader@news.example',
      name: 'Asha Rao',
      metadata: { account: 'acc_reader1' },
    });
    const session = last(standIn.requestsTo('POST', '/v1/checkout/sessions')).params;
    expect(session).toMatchObject({
      mode: 'payment',
      customer: standIn.object(result.sessionId).customer,
      client_reference_id: request.reference,
      metadata: { reference: request.reference },
      success_url: request.successUrl,
      cancel_url: request.cancelUrl,
      line_items: [
        {
          quantity: '1',
          price_data: {
            currency: 'inr',
            unit_amount: '39900',
            product_data: { name: 'Digital Access — 1 month' },
          },
        },
      ],
      payment_intent_data: {
        setup_future_usage: 'off_session',
        metadata: { reference: request.reference },
      },
    });
    expect(session).not.toHaveProperty('currency');
  });

  it('is open until the reader pays, asking Stripe to expand the intent and its card', async () => {
    const { sessionId } = await gateway.createCheckout(aCheckout());
    await expect(gateway.retrieveCheckout(sessionId)).resolves.toStrictEqual({ status: 'open' });

    const retrieval = last(standIn.requestsTo('GET', `/v1/checkout/sessions/${sessionId}`));
    expect(retrieval.params.expand).toEqual(['payment_intent.payment_method', 'setup_intent.payment_method']);
  });

  it('is paid once the reader pays: the amount, the PaymentIntent and the saved card', async () => {
    const request = aCheckout();
    const { sessionId } = await gateway.createCheckout(request);
    const card = standIn.createPaymentMethod({ brand: 'visa', last4: '4242' });
    standIn.completeCheckout(sessionId, card);

    const outcome = await gateway.retrieveCheckout(sessionId);
    const session = standIn.object(sessionId);
    expect(outcome).toStrictEqual({
      status: 'paid',
      reference: request.reference,
      paymentRef: session.payment_intent,
      amount: money(39900, 'INR'),
      paymentMethod: { ref: card, label: 'Visa •••• 4242', customerRef: session.customer },
    });
    expect(String(session.payment_intent)).toMatch(/^pi_/);
    expect(String(session.customer)).toMatch(/^cus_/);
  });

  it('labels the saved card by its brand and last four digits', async () => {
    const mastercard = await paidCheckout({ brand: 'mastercard', last4: '4444' });
    expect(mastercard.outcome.paymentMethod.label).toBe('Mastercard •••• 4444');
    const rupay = await paidCheckout({ brand: 'rupay', last4: '6521' });
    expect(rupay.outcome.paymentMethod.label).toBe('RuPay •••• 6521');
  });

  it('says when the session expired unpaid', async () => {
    const request = aCheckout();
    const { sessionId } = await gateway.createCheckout(request);
    standIn.expireCheckout(sessionId);

    await expect(gateway.retrieveCheckout(sessionId)).resolves.toStrictEqual({
      status: 'expired',
      reference: request.reference,
      reason: 'The checkout expired before it was paid.',
    });
  });

  it('only saves a card in setup mode: no line items, no payment, nothing charged', async () => {
    const request = aCheckout({ mode: 'setup', amount: money(0, 'INR'), description: 'Card for your trial' });
    const { sessionId } = await gateway.createCheckout(request);
    const params = last(standIn.requestsTo('POST', '/v1/checkout/sessions')).params;
    expect(params).toMatchObject({
      mode: 'setup',
      currency: 'inr',
      client_reference_id: request.reference,
      setup_intent_data: { metadata: { reference: request.reference } },
    });
    expect(params).not.toHaveProperty('line_items');
    expect(params).not.toHaveProperty('payment_intent_data');

    const card = standIn.createPaymentMethod({ brand: 'amex', last4: '0005' });
    standIn.completeCheckout(sessionId, card);
    await expect(gateway.retrieveCheckout(sessionId)).resolves.toStrictEqual({
      status: 'paid',
      reference: request.reference,
      paymentRef: null,
      amount: money(0, 'INR'),
      paymentMethod: {
        ref: card,
        label: 'American Express •••• 0005',
        customerRef: standIn.object(sessionId).customer,
      },
    });
    expect(paymentIntentsFor(request.reference)).toHaveLength(0);
  });

  it('waits for a payment that settles later, then reports it paid or failed', async () => {
    const settles = aCheckout();
    const first = await gateway.createCheckout(settles);
    standIn.completeCheckout(first.sessionId, standIn.createPaymentMethod(), { settlesLater: true });
    await expect(gateway.retrieveCheckout(first.sessionId)).resolves.toStrictEqual({ status: 'open' });
    standIn.settle(first.sessionId, 'paid');
    await expect(gateway.retrieveCheckout(first.sessionId)).resolves.toMatchObject({
      status: 'paid',
      reference: settles.reference,
    });

    const fails = aCheckout();
    const second = await gateway.createCheckout(fails);
    standIn.completeCheckout(second.sessionId, standIn.createPaymentMethod(), { settlesLater: true });
    standIn.settle(second.sessionId, 'failed');
    await expect(gateway.retrieveCheckout(second.sessionId)).resolves.toStrictEqual({
      status: 'failed',
      reference: fails.reference,
      // Not a card decline Masthead words itself: Stripe's message, written for the customer.
      reason: 'The payment was declined by the bank.',
    });
  });

  it('throws when Stripe cannot be reached, without a Stripe error type', async () => {
    standIn.failNext(3);
    const error = await gateway.createCheckout(aCheckout()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(Stripe.errors.StripeError);
    expect((error as Error).message).toMatch(/^Stripe could not start a checkout/);
  });
});

describe('Stripe off-session charges', () => {
  it("charges the card saved at checkout, on its customer, with Masthead's idempotency key", async () => {
    const { outcome } = await paidCheckout();
    const reference = unique('pay');
    const result = await gateway.charge({
      idempotencyKey: `renewal-${reference}`,
      amount: money(39900, 'INR'),
      paymentMethodRef: outcome.paymentMethod.ref,
      customerRef: outcome.paymentMethod.customerRef,
      description: 'Digital Access — renewal',
      reference,
    });

    const [intent] = paymentIntentsFor(reference);
    expect(result).toStrictEqual({ ok: true, paymentRef: intent?.id });
    expect(intent).toMatchObject({ status: 'succeeded', amount: 39900, currency: 'inr' });
    const request = last(standIn.requestsTo('POST', '/v1/payment_intents'));
    expect(request.idempotencyKey).toBe(`renewal-${reference}`);
    expect(request.params).toMatchObject({
      amount: '39900',
      currency: 'inr',
      customer: outcome.paymentMethod.customerRef,
      payment_method: outcome.paymentMethod.ref,
      off_session: 'true',
      confirm: 'true',
      description: 'Digital Access — renewal',
      metadata: { reference },
    });
  });

  it.each([
    ['declines', 'declined', 'Your card was declined.'],
    ['insufficient_funds', 'insufficient_funds', 'Your card has insufficient funds.'],
    [
      'requires_authentication',
      'authentication_required',
      'Your bank asks you to approve this payment: pay once on the site to confirm your card.',
    ],
  ] as const)('answers a card that %s with a value, code %s', async (behaviour, code, reason) => {
    const card = await savedCard(behaviour);
    const reference = unique('pay');
    const result = await gateway.charge({
      idempotencyKey: `renewal-${reference}`,
      amount: money(39900, 'INR'),
      paymentMethodRef: card.paymentMethodRef,
      customerRef: card.customerRef,
      description: 'Digital Access — renewal',
      reference,
    });

    const [intent] = paymentIntentsFor(reference);
    expect(intent).toMatchObject({ status: 'requires_payment_method' });
    expect(result).toStrictEqual({ ok: false, paymentRef: intent?.id, code, reason });
  });

  it('throws on an outage, after the SDK has retried with the same key, and charges nothing', async () => {
    const card = await savedCard('succeeds');
    const reference = unique('pay');
    standIn.failNext(3);
    const error = await gateway
      .charge({
        idempotencyKey: `renewal-${reference}`,
        amount: money(39900, 'INR'),
        paymentMethodRef: card.paymentMethodRef,
        customerRef: card.customerRef,
        description: 'Digital Access — renewal',
        reference,
      })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(Stripe.errors.StripeError);
    expect((error as Error).message).toMatch(/^Stripe could not charge/);
    const attempts = standIn
      .requestsTo('POST', '/v1/payment_intents')
      .filter((r) => r.idempotencyKey === `renewal-${reference}`);
    expect(attempts).toHaveLength(3);
    expect(paymentIntentsFor(reference)).toHaveLength(0);
  });

  it('rides out a passing error: the SDK retries and Stripe charges once', async () => {
    const card = await savedCard('succeeds');
    const reference = unique('pay');
    standIn.failNext(1);
    const result = await gateway.charge({
      idempotencyKey: `renewal-${reference}`,
      amount: money(39900, 'INR'),
      paymentMethodRef: card.paymentMethodRef,
      customerRef: card.customerRef,
      description: 'Digital Access — renewal',
      reference,
    });

    expect(result.ok).toBe(true);
    expect(paymentIntentsFor(reference)).toHaveLength(1);
  });

  it('never charges twice for one idempotency key: a retry gets the first answer', async () => {
    const card = await savedCard('succeeds');
    const reference = unique('pay');
    const charge = {
      idempotencyKey: `renewal-${reference}`,
      amount: money(39900, 'INR'),
      paymentMethodRef: card.paymentMethodRef,
      customerRef: card.customerRef,
      description: 'Digital Access — renewal',
      reference,
    };
    const first = await gateway.charge(charge);
    const second = await gateway.charge(charge);

    expect(second).toStrictEqual(first);
    expect(paymentIntentsFor(reference)).toHaveLength(1);
    const sent = standIn
      .requestsTo('POST', '/v1/payment_intents')
      .filter((r) => r.idempotencyKey === charge.idempotencyKey);
    expect(sent.map((r) => r.replayed)).toEqual([false, true]);

    // A decline, retried, is the same decline: not a second attempt on the card.
    const declining = await savedCard('declines');
    const declined = {
      ...charge,
      ...declining,
      idempotencyKey: `renewal-${reference}-2`,
      reference: unique('pay'),
    };
    const again = await gateway.charge(declined);
    expect(await gateway.charge(declined)).toStrictEqual(again);
    expect(paymentIntentsFor(declined.reference)).toHaveLength(1);
  });

  it('throws, rather than answering a decline, when Stripe refuses the key', async () => {
    const wrongKey = createStripeGateway({ secretKey: 'sk_test_wrong', webhookSecret, apiUrl: standIn.url });
    const card = await savedCard('succeeds');
    const reference = unique('pay');
    await expect(
      wrongKey.charge({
        idempotencyKey: `renewal-${reference}`,
        amount: money(39900, 'INR'),
        paymentMethodRef: card.paymentMethodRef,
        customerRef: card.customerRef,
        description: 'Digital Access — renewal',
        reference,
      }),
    ).rejects.toThrow(/Invalid API Key/);
    expect(paymentIntentsFor(reference)).toHaveLength(0);
  });
});

describe('Stripe refunds', () => {
  it('refunds part and then the rest of a payment, once per idempotency key', async () => {
    const { outcome } = await paidCheckout();
    const paymentRef = outcome.paymentRef!;
    const part = { idempotencyKey: `refund-${paymentRef}-1`, paymentRef, amount: money(10000, 'INR') };

    const first = await gateway.refund(part);
    expect(first).toMatchObject({ ok: true, refundRef: expect.stringMatching(/^re_/) });
    expect(await gateway.refund(part)).toStrictEqual(first);
    expect(last(standIn.requestsTo('POST', '/v1/refunds')).params).toEqual({
      payment_intent: paymentRef,
      amount: '10000',
    });

    const rest = await gateway.refund({
      idempotencyKey: `refund-${paymentRef}-2`,
      paymentRef,
      amount: money(29900, 'INR'),
    });
    expect(rest.ok).toBe(true);
    const charge = standIn.object(String(standIn.object(paymentRef).latest_charge));
    expect(charge).toMatchObject({ amount_refunded: 39900, refunded: true });
  });

  it('answers a refund Stripe refuses (more than was paid, already refunded) with a reason', async () => {
    const { outcome } = await paidCheckout();
    const paymentRef = outcome.paymentRef!;
    await expect(
      gateway.refund({ idempotencyKey: `refund-${paymentRef}-big`, paymentRef, amount: money(50000, 'INR') }),
    ).resolves.toStrictEqual({
      ok: false,
      reason: 'Refund amount (50000) is greater than unrefunded amount on charge (39900)',
    });

    await gateway.refund({
      idempotencyKey: `refund-${paymentRef}-all`,
      paymentRef,
      amount: money(39900, 'INR'),
    });
    const again = await gateway.refund({
      idempotencyKey: `refund-${paymentRef}-again`,
      paymentRef,
      amount: money(100, 'INR'),
    });
    expect(again).toMatchObject({ ok: false, reason: expect.stringMatching(/has already been refunded/) });
  });

  it('throws when Stripe is down', async () => {
    const { outcome } = await paidCheckout();
    standIn.failNext(3);
    await expect(
      gateway.refund({
        idempotencyKey: `refund-${outcome.paymentRef}-down`,
        paymentRef: outcome.paymentRef!,
        amount: money(100, 'INR'),
      }),
    ).rejects.toThrow(/^Stripe could not refund/);
  });
});

describe('Stripe webhooks', () => {
  const deliver = (type: string, object: Record<string, unknown>) => {
    const event = stripeEvent(type, object);
    const { rawBody, headers } = signedDelivery(event, webhookSecret);
    return { event, result: gateway.parseWebhook(rawBody, headers) };
  };

  it('reads a completed checkout by its reference', async () => {
    const { request, sessionId } = await paidCheckout();
    const { event, result } = deliver('checkout.session.completed', standIn.object(sessionId));
    expect(result).toStrictEqual({
      eventId: event.id,
      action: 'checkout.completed',
      sessionId,
      reference: request.reference,
    });
  });

  it('reads an expired checkout as a failed one', async () => {
    const request = aCheckout();
    const { sessionId } = await gateway.createCheckout(request);
    standIn.expireCheckout(sessionId);
    const { event, result } = deliver('checkout.session.expired', standIn.object(sessionId));
    expect(result).toStrictEqual({
      eventId: event.id,
      action: 'checkout.failed',
      sessionId,
      reference: request.reference,
      reason: 'The checkout expired before it was paid.',
    });
  });

  it('waits for the money of a checkout paid by a method that settles later', async () => {
    const request = aCheckout();
    const { sessionId } = await gateway.createCheckout(request);
    standIn.completeCheckout(sessionId, standIn.createPaymentMethod(), { settlesLater: true });
    expect(deliver('checkout.session.completed', standIn.object(sessionId)).result).toMatchObject({
      action: 'ignored',
      type: 'checkout.session.completed',
    });
    standIn.settle(sessionId, 'paid');
    expect(
      deliver('checkout.session.async_payment_succeeded', standIn.object(sessionId)).result,
    ).toMatchObject({
      action: 'checkout.completed',
      sessionId,
      reference: request.reference,
    });
  });

  it("reads a renewal's success and failure by the reference in the PaymentIntent's metadata", async () => {
    const good = await savedCard('succeeds');
    const paid = unique('pay');
    const ok = await gateway.charge({
      idempotencyKey: `renewal-${paid}`,
      amount: money(39900, 'INR'),
      paymentMethodRef: good.paymentMethodRef,
      customerRef: good.customerRef,
      description: 'renewal',
      reference: paid,
    });
    if (!ok.ok) throw new Error('expected the charge to succeed');
    const succeeded = deliver('payment_intent.succeeded', standIn.object(ok.paymentRef));
    expect(succeeded.result).toStrictEqual({
      eventId: succeeded.event.id,
      action: 'charge.succeeded',
      reference: paid,
      paymentRef: ok.paymentRef,
    });

    const bad = await savedCard('insufficient_funds');
    const unpaid = unique('pay');
    const failed = await gateway.charge({
      idempotencyKey: `renewal-${unpaid}`,
      amount: money(39900, 'INR'),
      paymentMethodRef: bad.paymentMethodRef,
      customerRef: bad.customerRef,
      description: 'renewal',
      reference: unpaid,
    });
    if (failed.ok || failed.paymentRef === null) throw new Error('expected a decline with its PaymentIntent');
    const failure = deliver('payment_intent.payment_failed', standIn.object(failed.paymentRef));
    expect(failure.result).toStrictEqual({
      eventId: failure.event.id,
      action: 'charge.failed',
      reference: unpaid,
      paymentRef: failed.paymentRef,
      reason: 'Your card has insufficient funds.',
    });
  });

  it("ignores a checkout's own PaymentIntent (the session's events tell that story) and strangers'", async () => {
    const { outcome } = await paidCheckout();
    expect(deliver('payment_intent.succeeded', standIn.object(outcome.paymentRef!)).result).toMatchObject({
      action: 'ignored',
      type: 'payment_intent.succeeded',
    });
    const stranger = { id: 'pi_dashboard', object: 'payment_intent', status: 'succeeded', metadata: {} };
    expect(deliver('payment_intent.succeeded', stranger).result).toMatchObject({ action: 'ignored' });
  });

  it('reads a refunded charge by its PaymentIntent', async () => {
    const { outcome } = await paidCheckout();
    const paymentRef = outcome.paymentRef!;
    await gateway.refund({ idempotencyKey: `refund-${paymentRef}`, paymentRef, amount: money(39900, 'INR') });
    const charge = standIn.object(String(standIn.object(paymentRef).latest_charge));
    const { event, result } = deliver('charge.refunded', charge);
    expect(result).toStrictEqual({ eventId: event.id, action: 'refund.succeeded', paymentRef });
  });

  it('acknowledges an event Masthead does not act on', () => {
    const { event, result } = deliver('customer.created', { id: 'cus_1', object: 'customer', metadata: {} });
    expect(result).toStrictEqual({ eventId: event.id, action: 'ignored', type: 'customer.created' });
  });

  it('finds the signature header whatever its case', () => {
    const event = stripeEvent('customer.created', { id: 'cus_1', object: 'customer' });
    const { rawBody, headers } = signedDelivery(event, webhookSecret);
    expect(gateway.parseWebhook(rawBody, { 'Stripe-Signature': headers['stripe-signature'] })).toMatchObject({
      eventId: event.id,
    });
  });

  describe('refuses a delivery', () => {
    const event = stripeEvent('checkout.session.completed', {
      id: 'cs_test_forged',
      object: 'checkout.session',
      client_reference_id: 'chk_forged',
      payment_status: 'paid',
    });

    it('whose body was changed after signing', () => {
      const { rawBody, headers } = signedDelivery(event, webhookSecret);
      const tampered = Buffer.from(rawBody.toString('utf8').replace('chk_forged', 'chk_victim'));
      expect(() => gateway.parseWebhook(tampered, headers)).toThrow(WebhookSignatureError);
    });

    it('signed with another secret', () => {
      const { rawBody, headers } = signedDelivery(event, 'whsec_someone_else');
      expect(() => gateway.parseWebhook(rawBody, headers)).toThrow(WebhookSignatureError);
    });

    it('signed more than five minutes ago (a replay)', () => {
      const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
      const { rawBody, headers } = signedDelivery(event, webhookSecret, tenMinutesAgo);
      expect(() => gateway.parseWebhook(rawBody, headers)).toThrow(/too old|tolerance/i);
      expect(() => gateway.parseWebhook(rawBody, headers)).toThrow(WebhookSignatureError);
      // …while one signed four minutes ago is still good.
      const fresh = signedDelivery(event, webhookSecret, Math.floor(Date.now() / 1000) - 240);
      expect(gateway.parseWebhook(fresh.rawBody, fresh.headers)).toMatchObject({
        action: 'checkout.completed',
      });
    });

    it('with no signature, or a garbled one', () => {
      const { rawBody } = signedDelivery(event, webhookSecret);
      expect(() => gateway.parseWebhook(rawBody, {})).toThrow(WebhookSignatureError);
      expect(() => gateway.parseWebhook(rawBody, { 'stripe-signature': 'garbage' })).toThrow(
        WebhookSignatureError,
      );
      expect(() => gateway.parseWebhook(rawBody, { 'stripe-signature': ['t=1,v1=a', 't=2,v1=b'] })).toThrow(
        WebhookSignatureError,
      );
    });
  });
});
