import { createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSandboxPayload, sandboxWebhookSecret } from '../../src/modules/payments/index.js';
import { buildTestApp, testSecret, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';

// A webhook whose signature holds can still carry a body Masthead cannot read: whoever holds the
// secret sent it (a provider's new API version, a bug at the provider, a leaked secret). That is
// the sender's fault as far as the endpoint can tell: a 400 with the API's error shape, nothing
// recorded (so a corrected redelivery is still acted on), and never a 500.

const stripeSecret = 'whsec_masthead_malformed_0123456789';
const razorpaySecret = 'razorpay_malformed_webhook_secret';
const at = '2026-11-15T06:00:00.000Z';
const unixSeconds = (when: string | Date) => Math.floor(new Date(when).getTime() / 1000);

interface Gateway {
  readonly name: 'sandbox' | 'stripe' | 'razorpay';
  readonly env: Record<string, string>;
  /** The headers the provider would sign `body` with. */
  sign(body: string): Record<string, string>;
  /** Signed bodies Masthead cannot read, each named. */
  readonly malformed: Readonly<Record<string, string>>;
  /** A signed event of a type Masthead does not act on: acknowledged. */
  readonly unknown: string;
}

const notJson: Record<string, string> = {
  'a body that is not JSON': '{"id": "evt_1", "type":',
  'an empty body': '',
  'a JSON array': '[]',
  'a JSON string': '"checkout.session.completed"',
  'JSON null': 'null',
};

const sandbox: Gateway = {
  name: 'sandbox',
  env: {},
  sign: (body) => ({
    'content-type': 'application/json',
    'sandbox-signature': signSandboxPayload(body, sandboxWebhookSecret(testSecret), unixSeconds(at)),
  }),
  malformed: {
    ...notJson,
    'an event without an id': JSON.stringify({ type: 'charge.succeeded', data: { object: {} } }),
    'an event without data': JSON.stringify({ id: 'evt_1', type: 'charge.succeeded' }),
    'an object that is a string': JSON.stringify({
      id: 'evt_1',
      type: 'charge.succeeded',
      data: { object: 'x' },
    }),
    'a completed checkout without its session': JSON.stringify({
      id: 'evt_1',
      type: 'checkout.session.completed',
      data: { object: {} },
    }),
    'an expired checkout whose reference is a number': JSON.stringify({
      id: 'evt_1',
      type: 'checkout.session.expired',
      data: { object: { id: 'cs_1', reference: 42 } },
    }),
    'a failed charge without its failure message': JSON.stringify({
      id: 'evt_1',
      type: 'charge.failed',
      data: { object: { id: 'ch_1', reference: 'pay_1' } },
    }),
    'a refund without its charge': JSON.stringify({
      id: 'evt_1',
      type: 'charge.refunded',
      data: { object: {} },
    }),
  },
  unknown: JSON.stringify({ id: 'evt_unknown', type: 'customer.created', data: { object: { id: 'cus_1' } } }),
};

const stripe: Gateway = {
  name: 'stripe',
  env: {
    PAYMENT_GATEWAY: 'stripe',
    STRIPE_SECRET_KEY: 'sk_test_masthead_malformed',
    STRIPE_WEBHOOK_SECRET: stripeSecret,
    // Never called: a webhook is read without asking Stripe.
    STRIPE_API_URL: 'http://127.0.0.1:9',
  },
  sign: (body) => ({
    'content-type': 'application/json',
    'stripe-signature': Stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: stripeSecret,
      timestamp: unixSeconds(new Date()),
    }),
  }),
  malformed: {
    ...notJson,
    'an event without a type': JSON.stringify({ id: 'evt_1', data: { object: {} } }),
    'an event without data': JSON.stringify({ id: 'evt_1', type: 'payment_intent.succeeded' }),
    'a completed session without an id': JSON.stringify({
      id: 'evt_1',
      type: 'checkout.session.completed',
      data: { object: { client_reference_id: 'chk_1', payment_status: 'paid' } },
    }),
    'an expired session whose reference is an object': JSON.stringify({
      id: 'evt_1',
      type: 'checkout.session.expired',
      data: { object: { id: 'cs_1', client_reference_id: { id: 'chk_1' } } },
    }),
    'a PaymentIntent whose metadata is a string': JSON.stringify({
      id: 'evt_1',
      type: 'payment_intent.succeeded',
      data: { object: { id: 'pi_1', metadata: 'reference=pay_1' } },
    }),
    'a failed PaymentIntent whose error is a string': JSON.stringify({
      id: 'evt_1',
      type: 'payment_intent.payment_failed',
      data: { object: { id: 'pi_1', metadata: { reference: 'pay_1' }, last_payment_error: 'declined' } },
    }),
    'a refunded charge whose PaymentIntent is a number': JSON.stringify({
      id: 'evt_1',
      type: 'charge.refunded',
      data: { object: { id: 'ch_1', payment_intent: 7 } },
    }),
    'a thin event': JSON.stringify({ id: 'evt_1', object: 'v2.core.event', type: 'v1.billing.meter.error' }),
  },
  unknown: JSON.stringify({
    id: 'evt_unknown',
    object: 'event',
    type: 'customer.created',
    data: { object: { id: 'cus_1' } },
  }),
};

const razorpay: Gateway = {
  name: 'razorpay',
  env: {
    PAYMENT_GATEWAY: 'razorpay',
    RAZORPAY_KEY_ID: 'rzp_test_malformed',
    RAZORPAY_KEY_SECRET: 'razorpay_malformed_key_secret',
    RAZORPAY_WEBHOOK_SECRET: razorpaySecret,
    RAZORPAY_API_URL: 'http://127.0.0.1:9',
  },
  sign: (body) => ({
    'content-type': 'application/json',
    'x-razorpay-event-id': 'evt_malformed',
    'x-razorpay-signature': createHmac('sha256', razorpaySecret).update(body).digest('hex'),
  }),
  malformed: {
    ...notJson,
    'an event without its name': JSON.stringify({ payload: {} }),
    'a paid order without the order': JSON.stringify({ event: 'order.paid', payload: {} }),
    'a captured payment whose entity is a string': JSON.stringify({
      event: 'payment.captured',
      payload: { payment: { entity: 'pay_1' } },
    }),
    'a failed payment without an id': JSON.stringify({
      event: 'payment.failed',
      payload: { payment: { entity: { notes: { masthead: 'charge', reference: 'pay_1' } } } },
    }),
    'a processed refund without its payment': JSON.stringify({
      event: 'refund.processed',
      payload: { refund: { entity: { id: 'rfnd_1', notes: {} } } },
    }),
    'a payload that is an array': JSON.stringify({ event: 'order.paid', payload: [] }),
  },
  unknown: JSON.stringify({ event: 'customer.created', payload: { customer: { entity: { id: 'cust_1' } } } }),
};

describe.each(dialects)('signed but malformed webhooks on $name', (dialect) => {
  describe.each([sandbox, stripe, razorpay])('through the $name gateway', (gateway) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await buildTestApp(dialect, { at, env: gateway.env });
    });
    afterAll(async () => {
      await t?.close();
    });

    const post = (body: string) =>
      t.app.inject({
        method: 'POST',
        url: `/webhooks/${gateway.name}`,
        payload: body,
        headers: gateway.sign(body),
      });
    const recorded = () => t.database.db.selectFrom('webhook_events').select('event_id').execute();

    it.each(Object.entries(gateway.malformed))(
      'answers %s with a 400 and records nothing',
      async (_, body) => {
        const response = await post(body);
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual({
          error: { code: 'bad_request', message: expect.stringMatching(/\S/) },
        });
        expect(await recorded()).toEqual([]);
      },
    );

    it('still acknowledges a well-formed event it does not act on', async () => {
      const response = await post(gateway.unknown);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ received: true, duplicate: false });
    });
  });
});
