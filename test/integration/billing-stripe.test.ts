import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSignedInReader, billingBooks, planId } from '../support/billing.js';
import { dialects } from '../support/databases.js';
import { stripeGateway, type StripeStand } from '../support/gateways.js';

// Stripe's own ways, through the whole app with PAYMENT_GATEWAY=stripe against a stand-in of
// Stripe's API: a hosted Checkout Session that saves the card, off-session PaymentIntents under
// Masthead's idempotency keys, and the SDK's retries. What billing promises on every gateway —
// webhooks late, twice, forged or first; renewals, outages, lost answers, dunning, ₹0 — is the
// contract's (gateway-contract.test.ts), which runs on Stripe too.

const day = 86_400_000;
const later = (iso: string, days: number) => new Date(new Date(iso).getTime() + days * day).toISOString();
const start = '2026-11-15T06:00:00.000Z';
const renewal = '2027-11-15T06:00:00.000Z';

describe.each(dialects)('billing through Stripe on $name', (dialect) => {
  let g: StripeStand;

  beforeAll(async () => {
    g = await stripeGateway.open(dialect, { at: start });
  });
  afterAll(async () => {
    await g?.close();
  });

  const { at, afterLease, sweep, paymentsOf, subscriptionRowOf } = billingBooks(() => g.t);

  /** The PaymentIntents Stripe holds for a Masthead reference (a payment id), oldest first. */
  const intentsFor = (reference: string) =>
    g.standIn
      .paymentIntents()
      .filter((pi) => (pi.metadata as Record<string, string>).reference === reference);
  /** The PaymentIntent requests the SDK sent with one idempotency key. */
  const chargeRequestsWith = (key: string) =>
    g.standIn.requestsTo('POST', '/v1/payment_intents').filter((r) => r.idempotencyKey === key);

  /** A reader subscribed on Stripe's page and back; answers Stripe's session and saved card too. */
  async function aStripeSubscriber() {
    at(start);
    const reader = await aSignedInReader(g.t);
    const started = await reader.browser.send('POST', '/api/v1/checkout', {
      planId: await planId(g.t, 'smart-essential'),
      returnTo: '/account',
    });
    expect(started.statusCode, started.body).toBe(201);
    const checkout = started.json() as { checkoutId: string; checkoutUrl: string };
    await g.pay(reader.browser, checkout);
    const returned = await reader.browser.get(`/api/v1/checkout/${checkout.checkoutId}`);
    expect(returned.json().checkout).toMatchObject({ status: 'completed' });
    const sessionId = g.sessionOf(checkout.checkoutId);
    const session = g.standIn.object(sessionId);
    const card = String(g.standIn.object(String(session.payment_intent)).payment_method);
    return { ...reader, ...checkout, sessionId, session, card };
  }

  const renewalPayment = async (accountId: string) => {
    const payment = (await paymentsOf(accountId)).find((p) => p.kind === 'renewal');
    if (!payment) throw new Error(`${accountId} has no renewal payment`);
    return payment;
  };

  it('sends the reader to a Stripe Checkout session for the checkout that saves the card off-session; the subscription keeps Stripe’s customer and card', async () => {
    const reader = await aStripeSubscriber();
    // The reader was sent to Stripe's hosted page for a session that names the checkout.
    expect(reader.checkoutUrl).toBe(`https://checkout.stripe.com/c/pay/${reader.sessionId}`);
    expect(reader.session).toMatchObject({
      client_reference_id: reader.checkoutId,
      mode: 'payment',
      amount_total: 270_000,
      currency: 'inr',
      success_url: `${g.t.config.publicUrl}/subscribe/return?checkout=${reader.checkoutId}`,
    });
    const sessionRequest = g.standIn
      .requestsTo('POST', '/v1/checkout/sessions')
      .find((r) => r.params.client_reference_id === reader.checkoutId)!.params;
    expect(sessionRequest).toMatchObject({
      payment_intent_data: { setup_future_usage: 'off_session' },
      line_items: [{ price_data: { unit_amount: '270000', currency: 'inr' } }],
    });
    expect(await subscriptionRowOf(reader.accountId)).toMatchObject({
      gateway: 'stripe',
      gateway_customer: reader.session.customer,
      payment_method_ref: reader.card,
    });
    expect(await paymentsOf(reader.accountId)).toMatchObject([
      { kind: 'initial', gateway: 'stripe', gateway_ref: reader.session.payment_intent },
    ]);
  });

  it('renews with one off-session PaymentIntent on the saved card and customer, under the payment’s idempotency key', async () => {
    const reader = await aStripeSubscriber();
    const customer = (await subscriptionRowOf(reader.accountId))!.gateway_customer;
    at(later(renewal, -3));
    await sweep();
    // The reminder charged nothing: the customer's one PaymentIntent is the checkout's.
    expect(g.standIn.paymentIntents().filter((pi) => pi.customer === customer)).toHaveLength(1);

    at(renewal);
    expect((await sweep()).succeeded).toBeGreaterThanOrEqual(1);
    const payment = await renewalPayment(reader.accountId);
    expect(intentsFor(payment.id)).toEqual([
      expect.objectContaining({
        id: payment.gateway_ref,
        status: 'succeeded',
        amount: 270_000,
        currency: 'inr',
        customer,
        payment_method: reader.card,
        metadata: { reference: payment.id, flow: 'charge' },
      }),
    ]);
    const requests = chargeRequestsWith(payment.idempotency_key);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.params).toMatchObject({ off_session: 'true', confirm: 'true' });
  });

  it('meets an outage with the SDK’s retries under one key; the next sweep’s request under that key charges', async () => {
    const reader = await aStripeSubscriber();
    at(later(renewal, -3));
    await sweep();
    at(renewal);
    await g.withTrouble('outage', sweep);
    const pending = await renewalPayment(reader.accountId);
    expect(chargeRequestsWith(pending.idempotency_key)).toHaveLength(3);
    expect(intentsFor(pending.id)).toHaveLength(0);

    afterLease();
    await sweep();
    expect(chargeRequestsWith(pending.idempotency_key)).toHaveLength(4);
    expect(intentsFor(pending.id)).toMatchObject([{ status: 'succeeded' }]);
  });

  it('after an answer lost when Stripe had charged, every later request under the key gets Stripe’s first answer replayed', async () => {
    const reader = await aStripeSubscriber();
    at(later(renewal, -3));
    await sweep();
    at(renewal);
    await g.withTrouble('lostAnswer', sweep);
    const pending = await renewalPayment(reader.accountId);

    afterLease();
    expect(await sweep()).toMatchObject({ reconciled: 1, succeeded: 1 });
    expect(chargeRequestsWith(pending.idempotency_key).map((r) => r.replayed)).toEqual([
      false,
      true,
      true,
      true,
    ]);
    expect(intentsFor(pending.id)).toHaveLength(1);
  });
});
