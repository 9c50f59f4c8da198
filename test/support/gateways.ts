import { createHmac } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import Stripe from 'stripe';
import { expect } from 'vitest';
import type { PaymentRow } from '../../src/db/schema.js';
import {
  sandboxWebhookSecret,
  signSandboxPayload,
  type GatewayName,
  type PaymentGateway,
} from '../../src/modules/payments/index.js';
import { cards } from './billing.js';
import type { Browser } from './browser.js';
import { buildTestApp, testSecret, type TestApp } from './build-app.js';
import type { TestDialect } from './databases.js';
import { startRazorpayStandIn, standInCards, type RazorpayStandIn } from './razorpay-stand-in.js';
import { startStripeStandIn, stripeEvent, type StripeStandIn } from './stripe-stand-in.js';

/**
 * The payment gateways the billing contract runs on, as `dialects` are the databases: each one
 * builds the whole app paying through its provider (the sandbox, or a stand-in of Stripe's or
 * Razorpay's API on 127.0.0.1) and does, on the provider's side, what the provider or the reader
 * there would do. What a test asserts on Masthead's books is the same for all three; what differs
 * (a hosted page or a widget, the events' shapes, signatures, how an outage looks) stays here.
 */
export interface TestGateway<Stand extends GatewayStand = GatewayStand> {
  readonly name: GatewayName;
  /** A Masthead app on a fresh `dialect` database, paying through this gateway, clock at `at`. */
  open(dialect: TestDialect, options: { at: string }): Promise<Stand>;
}

/** A webhook event as the provider would post it, unsigned: `deliver` signs it. */
export interface Delivery {
  readonly eventId: string;
  readonly body: string;
}

/** A card the reader can pay with: one whose renewals go through, or one whose renewals fail. */
export type TestCard = 'renews' | 'failsRenewals';

/** What the provider holds for one of Masthead's references, in Masthead's words. */
export interface ProviderCharge {
  readonly ref: string;
  readonly status: 'succeeded' | 'failed' | 'other';
}

export interface GatewayStand {
  readonly t: TestApp;
  readonly name: GatewayName;
  /** How the cards the reader pays with read on the subscription. */
  readonly cardLabels: Readonly<Record<TestCard, string>>;
  /** The reason the provider gives for a failed renewal of the `failsRenewals` card. */
  readonly renewalDeclineReason: string;
  /**
   * The reader pays the checkout at `checkoutUrl` at the provider (a hosted page, a widget) and
   * is sent back towards Masthead's return page, without opening it yet.
   */
  pay(
    browser: Browser,
    checkout: { checkoutId: string; checkoutUrl: string },
    card?: TestCard,
  ): Promise<void>;
  /** The events the provider posts about a paid checkout; the first completes it on its own. */
  checkoutEvents(checkoutId: string): Promise<Delivery[]>;
  /** The events the provider posts about an off-session charge for `payment`. */
  chargeEvents(payment: PaymentRow): Promise<Delivery[]>;
  /** A failure event for `payment`'s charge, as if the provider's news came late and out of order. */
  lateFailure(payment: PaymentRow): Delivery;
  /** The provider posting `delivery` to its webhook endpoint, signed with the endpoint's secret. */
  deliver(delivery: Delivery): Promise<LightMyRequestResponse>;
  /** `delivery` posted in ways the endpoint must refuse (another secret, a changed body, …), named. */
  forgeries(delivery: Delivery): ReadonlyArray<readonly [string, () => Promise<LightMyRequestResponse>]>;
  /** The off-session charges the provider holds for Masthead's payment `reference`. */
  chargesFor(reference: string): Promise<ProviderCharge[]>;
  /** How much of the payment taken at checkout `checkoutId` the provider has refunded (minor units). */
  refundedOf(checkoutId: string): Promise<number>;
  /**
   * Runs `work` (a sweep) while the provider is down (`outage`: nothing is charged, the call
   * throws) or charges and then loses its answer (`lostAnswer`: a timeout after the charge).
   */
  withTrouble<T>(trouble: 'outage' | 'lostAnswer', work: () => Promise<T>): Promise<T>;
  /** How often Masthead has called the gateway's `method` since the app was built. */
  calls(method: 'createCheckout' | 'retrieveCheckout' | 'charge' | 'refund'): number;
  close(): Promise<void>;
}

type Post = (body: string, headers: Record<string, string>) => Promise<LightMyRequestResponse>;

/** Posts a raw body to the app's webhook endpoint for `name`. */
const poster =
  (t: () => TestApp, name: GatewayName): Post =>
  (body, headers) =>
    t().app.inject({ method: 'POST', url: `/webhooks/${name}`, payload: body, headers });

/**
 * The forgeries every provider's endpoint refuses: signed with another secret, a body changed
 * after signing, and no signature at all. `sign` makes a provider's headers for a body.
 */
function commonForgeries(
  post: Post,
  delivery: Delivery,
  sign: (body: string, secret?: string) => Record<string, string>,
  signatureHeader: string,
) {
  const genuine = sign(delivery.body);
  // Any change will do for the signature; this one would halve the price if it were believed.
  const tampered = delivery.body.replace(/270000/g, '135000');
  expect(tampered).not.toBe(delivery.body);
  const unsigned = Object.fromEntries(Object.entries(genuine).filter(([k]) => k !== signatureHeader));
  return [
    ['signed with another secret', () => post(delivery.body, sign(delivery.body, 'not-the-webhook-secret'))],
    ['changed after signing', () => post(tampered, genuine)],
    ['without a signature', () => post(delivery.body, unsigned)],
  ] as const;
}

/** Counts the app's calls to each gateway method (on the object the app holds, wrapped in place). */
function countCalls(gateway: PaymentGateway) {
  const counts = { createCheckout: 0, retrieveCheckout: 0, charge: 0, refund: 0 };
  const { createCheckout, retrieveCheckout, charge, refund } = gateway;
  gateway.createCheckout = (input) => {
    counts.createCheckout++;
    return createCheckout.call(gateway, input);
  };
  gateway.retrieveCheckout = (id) => {
    counts.retrieveCheckout++;
    return retrieveCheckout.call(gateway, id);
  };
  gateway.charge = (input) => {
    counts.charge++;
    return charge.call(gateway, input);
  };
  gateway.refund = (input) => {
    counts.refund++;
    return refund.call(gateway, input);
  };
  return (method: keyof typeof counts) => counts[method];
}

const normalised = (status: string): ProviderCharge['status'] =>
  status === 'succeeded' || status === 'captured'
    ? 'succeeded'
    : status === 'failed' || status === 'requires_payment_method'
      ? 'failed'
      : 'other';

const unix = (at: Date) => Math.floor(at.getTime() / 1000);

// --- The sandbox: Masthead's own processor, hosted pages and webhooks -------------------------

export const sandboxGateway: TestGateway = {
  name: 'sandbox',
  async open(dialect, { at }) {
    const t = await buildTestApp(dialect, { at });
    const gateway = t.services.payments.gateway;
    // The sandbox runs in-process: its troubles are the adapter's call failing around the charge.
    let trouble: 'none' | 'outage' | 'lostAnswer' = 'none';
    const charge = gateway.charge.bind(gateway);
    gateway.charge = async (request) => {
      if (trouble === 'outage') throw new Error('503 Service Unavailable');
      const result = await charge(request);
      if (trouble === 'lostAnswer') throw new Error('connection reset');
      return result;
    };
    const calls = countCalls(gateway);
    const secret = sandboxWebhookSecret(testSecret);
    const sign = (body: string, key = secret, timestamp = unix(t.clock.now())) => ({
      'content-type': 'application/json',
      'sandbox-signature': signSandboxPayload(body, key, timestamp),
    });
    const post = poster(() => t, 'sandbox');
    /** The events the sandbox has queued whose payload mentions `text`, oldest first. */
    const queued = async (type: string, text: string) =>
      (
        await t.database.db
          .selectFrom('sandbox_webhooks')
          .select(['id', 'payload'])
          .where('type', 'like', type)
          .where('payload', 'like', `%${text}%`)
          .orderBy('id')
          .execute()
      ).map((row) => ({ eventId: row.id, body: row.payload }));
    return {
      t,
      name: 'sandbox',
      cardLabels: { renews: 'Visa •••• 4242', failsRenewals: 'Visa •••• 0341' },
      renewalDeclineReason: 'Your card was declined.',
      async pay(browser, { checkoutId, checkoutUrl }, card = 'renews') {
        const paid = await browser.send('POST', `${new URL(checkoutUrl).pathname}/pay`, {
          card: card === 'renews' ? cards.ok : cards.renewalsFail,
        });
        expect(paid.json()).toMatchObject({ status: 'paid' });
        expect(paid.json().redirectUrl).toContain(`/subscribe/return?checkout=${checkoutId}`);
      },
      checkoutEvents: (checkoutId) => queued('checkout.session.%', checkoutId),
      chargeEvents: (payment) => queued('charge.%', payment.id),
      lateFailure(payment) {
        const created = unix(t.clock.now());
        return {
          eventId: `evt_out_of_order_${payment.id}`,
          body: JSON.stringify({
            id: `evt_out_of_order_${payment.id}`,
            type: 'charge.failed',
            created,
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
                created,
              },
            },
          }),
        };
      },
      deliver: (delivery) => post(delivery.body, sign(delivery.body)),
      forgeries: (delivery) => [
        ...commonForgeries(post, delivery, (body, key) => sign(body, key), 'sandbox-signature'),
        [
          'signed more than five minutes ago',
          () => post(delivery.body, sign(delivery.body, secret, unix(t.clock.now()) - 600)),
        ],
      ],
      async chargesFor(reference) {
        const rows = await t.database.db
          .selectFrom('sandbox_charges')
          .select(['id', 'status'])
          .where('reference', '=', reference)
          .orderBy('created_at')
          .execute();
        return rows.map((row) => ({ ref: row.id, status: normalised(row.status) }));
      },
      async refundedOf(checkoutId) {
        const row = await t.database.db
          .selectFrom('sandbox_charges')
          .select('refunded_minor')
          .where('reference', '=', checkoutId)
          .executeTakeFirstOrThrow();
        return row.refunded_minor;
      },
      async withTrouble(kind, work) {
        trouble = kind;
        try {
          return await work();
        } finally {
          trouble = 'none';
        }
      },
      calls,
      close: () => t.close(),
    };
  },
};

// --- Stripe: the adapter and the official SDK against a stand-in of Stripe's API --------------

const stripeWebhookSecret = 'whsec_masthead_end_to_end_0123456789';

/** Stripe's side, for the Stripe suite's own assertions: the stand-in and the reader's sessions. */
export interface StripeStand extends GatewayStand {
  readonly standIn: StripeStandIn;
  /** The Checkout Session the reader paid `checkoutId` on. */
  sessionOf(checkoutId: string): string;
}

export const stripeGateway: TestGateway<StripeStand> = {
  name: 'stripe',
  async open(dialect, { at }) {
    const standIn = await startStripeStandIn('sk_test_masthead_end_to_end');
    const t = await buildTestApp(dialect, {
      at,
      env: {
        PAYMENT_GATEWAY: 'stripe',
        STRIPE_SECRET_KEY: standIn.secretKey,
        STRIPE_WEBHOOK_SECRET: stripeWebhookSecret,
        STRIPE_API_URL: standIn.url,
      },
    });
    const calls = countCalls(t.services.payments.gateway);
    const post = poster(() => t, 'stripe');
    // Stripe-Signature as the SDK makes it for a test, over the raw body.
    const sign = (body: string, secret = stripeWebhookSecret, timestamp = unix(new Date())) => ({
      'content-type': 'application/json',
      'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp }),
    });
    /** Stripe's sessions by Masthead's checkout id (the reader's session id is in the checkout URL). */
    const sessions = new Map<string, string>();
    const intentsFor = (reference: string) =>
      standIn
        .paymentIntents()
        .filter((pi) => (pi.metadata as Record<string, string>).reference === reference);
    /** An event Stripe would post about `object`, pretty-printed as Stripe sends it. */
    const delivery = (type: string, object: Record<string, unknown>): Delivery => {
      const event = stripeEvent(type, object);
      return { eventId: String(event.id), body: JSON.stringify(event, null, 2) };
    };
    const sessionOf = (checkoutId: string) => {
      const session = sessions.get(checkoutId);
      if (!session) throw new Error(`No Stripe session was paid for ${checkoutId}`);
      return session;
    };
    return {
      t,
      name: 'stripe',
      standIn,
      sessionOf,
      cardLabels: { renews: 'Visa •••• 4242', failsRenewals: 'Visa •••• 4242' },
      renewalDeclineReason: 'Your card has insufficient funds.',
      async pay(_browser, { checkoutId, checkoutUrl }, card = 'renews') {
        const sessionId = new URL(checkoutUrl).pathname.split('/').at(-1)!;
        sessions.set(checkoutId, sessionId);
        const method = standIn.createPaymentMethod({ brand: 'visa', last4: '4242' });
        standIn.completeCheckout(sessionId, method);
        // The card worked at checkout; by the renewal its account has run dry.
        if (card === 'failsRenewals') standIn.setCardBehaviour(method, 'insufficient_funds');
      },
      async checkoutEvents(checkoutId) {
        const session = standIn.object(sessionOf(checkoutId));
        return [
          delivery('checkout.session.completed', session),
          delivery('payment_intent.succeeded', standIn.object(String(session.payment_intent))),
        ];
      },
      async chargeEvents(payment) {
        return intentsFor(payment.id).map((intent) =>
          delivery(
            intent.status === 'succeeded' ? 'payment_intent.succeeded' : 'payment_intent.payment_failed',
            intent,
          ),
        );
      },
      lateFailure(payment) {
        return delivery('payment_intent.payment_failed', {
          ...standIn.object(payment.gateway_ref!),
          status: 'requires_payment_method',
          last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline' },
        });
      },
      deliver: (d) => post(d.body, sign(d.body)),
      forgeries: (d) => [
        ...commonForgeries(post, d, (body, secret) => sign(body, secret), 'stripe-signature'),
        // Stripe's signature carries its time; the SDK refuses one older than five minutes.
        [
          'signed more than five minutes ago',
          () => post(d.body, sign(d.body, stripeWebhookSecret, unix(new Date()) - 600)),
        ],
      ],
      async chargesFor(reference) {
        return intentsFor(reference).map((pi) => ({
          ref: String(pi.id),
          status: normalised(String(pi.status)),
        }));
      },
      async refundedOf(checkoutId) {
        const intent = standIn.object(String(standIn.object(sessionOf(checkoutId)).payment_intent));
        return Number(standIn.object(String(intent.latest_charge)).amount_refunded);
      },
      async withTrouble(kind, work) {
        // Every attempt of the SDK (the first and its two retries) meets the trouble; `work` must
        // make that charge, or the trouble is left for the next requests.
        if (kind === 'outage') standIn.failNext(3);
        else standIn.loseNextAnswers(3);
        return work();
      },
      calls,
      async close() {
        await t.close();
        await standIn.close();
      },
    };
  },
};

// --- Razorpay: the adapter and the official SDK against a stand-in of Razorpay's API ----------

const razorpayWebhookSecret = 'razorpay-webhook-secret-end-to-end';

/** Razorpay's side, for the Razorpay suite's own assertions. */
export interface RazorpayStand extends GatewayStand {
  readonly standIn: RazorpayStandIn;
}

export const razorpayGateway: TestGateway<RazorpayStand> = {
  name: 'razorpay',
  async open(dialect, { at }) {
    const app: { t?: TestApp } = {};
    // Razorpay's clock is the app's: orders are stamped when the test says it is.
    const standIn = await startRazorpayStandIn({ now: () => app.t?.clock.now() ?? new Date(at) });
    const t = (app.t = await buildTestApp(dialect, {
      at,
      env: {
        PAYMENT_GATEWAY: 'razorpay',
        RAZORPAY_KEY_ID: standIn.keyId,
        RAZORPAY_KEY_SECRET: standIn.keySecret,
        RAZORPAY_WEBHOOK_SECRET: razorpayWebhookSecret,
        RAZORPAY_API_URL: standIn.url,
      },
    }));
    const calls = countCalls(t.services.payments.gateway);
    const post = poster(() => t, 'razorpay');
    const sign = (body: string, eventId: string, secret = razorpayWebhookSecret) => ({
      'content-type': 'application/json',
      'x-razorpay-event-id': eventId,
      'x-razorpay-signature': createHmac('sha256', secret).update(body).digest('hex'),
    });
    /** The order each checkout was paid on in the widget (its id is in the checkout URL). */
    const orders = new Map<string, string>();
    const eventsAbout = (event: string, id: string): Delivery[] =>
      standIn.events
        .filter((e) => e.event === event && e.body.includes(id))
        .map((e) => ({ eventId: e.id, body: e.body }));
    const paymentsFor = (reference: string) =>
      [...standIn.payments.values()].filter((p) => p.notes.reference === reference);
    const orderOf = (checkoutId: string) => {
      const order = orders.get(checkoutId);
      if (!order) throw new Error(`No Razorpay order was paid for ${checkoutId}`);
      return order;
    };
    return {
      t,
      name: 'razorpay',
      standIn,
      cardLabels: { renews: 'Visa •••• 4242', failsRenewals: 'MasterCard •••• 0341' },
      renewalDeclineReason: 'Your payment was declined by the bank. Try another card.',
      async pay(browser, { checkoutId, checkoutUrl }, card = 'renews') {
        const orderId = new URL(checkoutUrl).pathname.split('/').at(-1)!;
        orders.set(checkoutId, orderId);
        // The reader pays in the widget (with the notes Masthead's page gives it), and the page
        // posts the widget's signed confirmation to Masthead's callback, which sends them on.
        const payment = standIn.payInWidget(orderId, {
          card: card === 'renews' ? standInCards.visa : standInCards.declinesRenewals,
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
          `${t.config.publicUrl}/subscribe/return?checkout=${checkoutId}`,
        );
      },
      async checkoutEvents(checkoutId) {
        const orderId = orderOf(checkoutId);
        const [payment] = paymentsFor(checkoutId);
        return [...eventsAbout('order.paid', orderId), ...eventsAbout('payment.captured', payment!.id)];
      },
      async chargeEvents(payment) {
        return paymentsFor(payment.id).flatMap((p) => [
          ...eventsAbout('payment.captured', p.id),
          ...eventsAbout('order.paid', p.orderId),
          ...eventsAbout('payment.failed', p.id),
        ]);
      },
      lateFailure(payment) {
        const [taken] = paymentsFor(payment.id);
        const body = JSON.stringify({
          entity: 'event',
          account_id: 'acc_StandIn0000001',
          event: 'payment.failed',
          contains: ['payment'],
          payload: {
            payment: {
              entity: {
                id: taken!.id,
                entity: 'payment',
                amount: payment.amount_minor,
                currency: 'INR',
                status: 'failed',
                order_id: taken!.orderId,
                notes: { masthead: 'charge', reference: payment.id },
                error_code: 'BAD_REQUEST_ERROR',
                error_description: 'Your payment was declined by the bank.',
                error_reason: 'card_declined',
              },
            },
          },
          created_at: unix(t.clock.now()),
        });
        return { eventId: `LateFailure${payment.id.slice(4)}`, body };
      },
      deliver: (d) => post(d.body, sign(d.body, d.eventId)),
      forgeries: (d) =>
        commonForgeries(post, d, (body, secret) => sign(body, d.eventId, secret), 'x-razorpay-signature'),
      async chargesFor(reference) {
        return paymentsFor(reference).map((p) => ({ ref: p.id, status: normalised(p.status) }));
      },
      async refundedOf(checkoutId) {
        const [payment] = paymentsFor(checkoutId);
        if (!payment) throw new Error(`Razorpay has no payment for ${checkoutId}`);
        return payment.amountRefunded;
      },
      async withTrouble(kind, work) {
        if (kind === 'lostAnswer') {
          standIn.dropNext('POST', /^\/v1\/payments\/create\/recurring$/, 'after');
          return work();
        }
        standIn.outage = 'error';
        try {
          return await work();
        } finally {
          standIn.outage = 'none';
        }
      },
      calls,
      async close() {
        await t.close();
        await standIn.close();
      },
    };
  },
};

/** Every gateway Masthead ships, each behind the same contract. */
export const gateways: readonly TestGateway[] = [sandboxGateway, stripeGateway, razorpayGateway];
