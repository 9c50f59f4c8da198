import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../../src/app.js';
import type { GatewayName } from '../../src/modules/payments/index.js';
import {
  aSignedInReader,
  billingBooks,
  planId,
  subscriptionOf as subscriptionThroughApi,
} from '../support/billing.js';
import type { Browser } from '../support/browser.js';
import { anArticle } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { gateways, type GatewayStand, type TestCard } from '../support/gateways.js';

// What billing promises whichever gateway takes the money: the whole app, from checkout to
// renewals and dunning, with the provider's part played by the sandbox or by a stand-in of
// Stripe's or Razorpay's API (test/support/gateways.ts). Each provider's own ways — a hosted
// session, a widget and its callback, order ids, the SDK's retries — are its own suite's:
// billing-stripe.test.ts, billing-razorpay.test.ts and billing.test.ts (the sandbox).

const day = 86_400_000;
const later = (iso: string, days: number) => new Date(new Date(iso).getTime() + days * day).toISOString();
const start = '2026-11-15T06:00:00.000Z';
const renewal = '2027-11-15T06:00:00.000Z';
const secondRenewal = '2028-11-15T06:00:00.000Z';
const everyGateway: readonly GatewayName[] = ['sandbox', 'stripe', 'razorpay'];

describe.each(dialects)('billing on $name', (dialect) => {
  describe.each(gateways)('through the $name gateway', (gateway) => {
    let g: GatewayStand;
    let premiumSlug: string;

    beforeAll(async () => {
      g = await gateway.open(dialect, { at: start });
      premiumSlug = (await g.t.services.content.create(anArticle({ access: 'premium' }))).slug;
    });
    afterAll(async () => {
      await g?.close();
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
    } = billingBooks(() => g.t);

    /** The reader starts a checkout through the API; the URL is where the provider takes over. */
    async function startCheckout(
      browser: Browser,
      options: { plan?: string; coupon?: string; billingState?: string } = {},
    ) {
      const started = await browser.send('POST', '/api/v1/checkout', {
        planId: await planId(g.t, options.plan ?? 'smart-essential'),
        returnTo: '/account',
        ...(options.coupon && { coupon: options.coupon }),
        ...(options.billingState && { billingState: options.billingState }),
      });
      expect(started.statusCode, started.body).toBe(201);
      return started.json() as { checkoutId: string; checkoutUrl: string };
    }

    /** A reader subscribed at `start` through the provider and back, and reminded of the renewal. */
    async function aSubscriber(card: TestCard = 'renews') {
      at(start);
      const reader = await aSignedInReader(g.t);
      const checkout = await startCheckout(reader.browser);
      await g.pay(reader.browser, checkout, card);
      const returned = await reader.browser.get(`/api/v1/checkout/${checkout.checkoutId}`);
      expect(returned.json().checkout).toMatchObject({ status: 'completed' });
      at(later(renewal, -3));
      await sweep();
      expect(await templatesTo(reader.email)).toContain('renewal-reminder');
      return { ...reader, checkoutId: checkout.checkoutId };
    }

    const renewalPayment = async (accountId: string) => {
      const payment = (await paymentsOf(accountId)).find((p) => p.kind === 'renewal');
      if (!payment) throw new Error(`${accountId} has no renewal payment`);
      return payment;
    };
    const gatewayCalls = () =>
      (['createCheckout', 'retrieveCheckout', 'charge', 'refund'] as const).map((m) => g.calls(m));

    it('a paid checkout, the reader back first, opens a year with an invoice and the plan’s benefits; the provider’s webhooks after it — one twice — change nothing', async () => {
      at(start);
      const charges = g.calls('charge');
      const reader = await aSignedInReader(g.t);
      expect((await reader.browser.get(`/api/v1/articles/${premiumSlug}`)).json().access.granted).toBe(false);
      const checkout = await startCheckout(reader.browser, { billingState: '29' });
      const { checkoutId } = checkout;

      // Back before paying (the reader pressed Back): still open, nothing granted.
      expect((await reader.browser.get(`/api/v1/checkout/${checkoutId}`)).json().checkout.status).toBe(
        'open',
      );
      expect(await subscriptionOf(reader.accountId)).toBeNull();

      await g.pay(reader.browser, checkout);
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
        paymentMethod: g.cardLabels.renews,
      });
      expect(await subscriptionRowOf(reader.accountId)).toMatchObject({ gateway: g.name });
      const me = (await reader.browser.get('/api/v1/me')).json();
      expect(me.entitlements).toContain('premium-stories');
      expect(me.subscription.id).toBe(subscription.id);
      expect((await reader.browser.get(`/api/v1/articles/${premiumSlug}`)).json().access).toMatchObject({
        granted: true,
        reason: 'subscriber',
      });

      const [payment, ...others] = await paymentsOf(reader.accountId);
      expect(others).toEqual([]);
      expect(payment).toMatchObject({
        kind: 'initial',
        status: 'succeeded',
        amount_minor: 270_000,
        gateway: g.name,
        gateway_ref: expect.any(String),
      });
      // Karnataka (29) is not the publisher's Maharashtra (27): IGST.
      expect(await invoicesOf(reader.accountId)).toMatchObject([
        { payment_id: payment!.id, total_minor: 270_000, taxable_minor: 228_814, igst_minor: 41_186 },
      ]);
      const events = await eventsOf(reader.accountId);
      expect(events).toEqual([
        { kind: 'start', from_status: null, to_status: 'active', actor: `reader:${reader.accountId}` },
      ]);

      // The provider's events for the paid checkout, the first of them delivered twice.
      const opened = await subscriptionOf(reader.accountId);
      const deliveries = await g.checkoutEvents(checkoutId);
      expect(deliveries.length).toBeGreaterThan(0);
      for (const delivery of deliveries) {
        const response = await g.deliver(delivery);
        expect(response.statusCode, response.body).toBe(200);
        expect(response.json()).toEqual({ received: true, duplicate: false });
      }
      expect((await g.deliver(deliveries[0]!)).json()).toEqual({ received: true, duplicate: true });
      expect(await subscriptionOf(reader.accountId)).toEqual(opened);
      expect(await paymentsOf(reader.accountId)).toHaveLength(1);
      expect(await invoicesOf(reader.accountId)).toHaveLength(1);
      expect(await eventsOf(reader.accountId)).toEqual(events);
      // Paying at checkout took no off-session charge.
      expect(g.calls('charge')).toBe(charges);
    });

    it('the provider’s webhook arriving first opens the subscription once; the reader’s return finds it done', async () => {
      at(start);
      const reader = await aSignedInReader(g.t);
      const checkout = await startCheckout(reader.browser);
      await g.pay(reader.browser, checkout);

      const [completion] = await g.checkoutEvents(checkout.checkoutId);
      const response = await g.deliver(completion!);
      expect(response.statusCode, response.body).toBe(200);
      expect(await subscriptionOf(reader.accountId)).toMatchObject({
        status: 'active',
        currentPeriodEnd: renewal,
      });
      expect(await entitlementsOf(reader.accountId)).toContain('premium-stories');
      expect(await recordedWebhook(completion!.eventId)).toMatchObject({
        provider: g.name,
        type: 'checkout.completed',
      });

      const opened = await subscriptionOf(reader.accountId);
      const returned = await reader.browser.get(`/api/v1/checkout/${checkout.checkoutId}`);
      expect(returned.json().checkout).toMatchObject({ status: 'completed', returnTo: '/account' });
      expect(await subscriptionOf(reader.accountId)).toEqual(opened);
      expect((await reader.browser.get('/api/v1/me')).json().entitlements).toContain('premium-stories');
      expect(await paymentsOf(reader.accountId)).toHaveLength(1);
      expect(await invoicesOf(reader.accountId)).toHaveLength(1);
      expect(await eventsOf(reader.accountId)).toEqual([
        {
          kind: 'start',
          from_status: null,
          to_status: 'active',
          actor: `gateway:${g.name}:${completion!.eventId}`,
        },
      ]);
    });

    it('the webhooks and the return at the same moment open one subscription', async () => {
      at(start);
      const reader = await aSignedInReader(g.t);
      const checkout = await startCheckout(reader.browser);
      await g.pay(reader.browser, checkout);
      const responses = await Promise.all([
        ...(await g.checkoutEvents(checkout.checkoutId)).map((delivery) => g.deliver(delivery)),
        reader.browser.get(`/api/v1/checkout/${checkout.checkoutId}`),
      ]);
      for (const response of responses) expect(response.statusCode, response.body).toBe(200);
      expect(
        (await reader.browser.get(`/api/v1/checkout/${checkout.checkoutId}`)).json().checkout.status,
      ).toBe('completed');
      expect(await paymentsOf(reader.accountId)).toHaveLength(1);
      expect(await invoicesOf(reader.accountId)).toHaveLength(1);
      expect((await eventsOf(reader.accountId)).map((e) => e.kind)).toEqual(['start']);
    });

    it('two checkouts paid at once open one subscription; the second payment is refunded in full, once', async () => {
      at(start);
      const refunds = g.calls('refund');
      const reader = await aSignedInReader(g.t);
      // Two tabs: both checkouts start before either is paid.
      const first = await startCheckout(reader.browser);
      const second = await startCheckout(reader.browser);
      await g.pay(reader.browser, first);
      await g.pay(reader.browser, second);

      const opened = await reader.browser.get(`/api/v1/checkout/${first.checkoutId}`);
      expect(opened.json().checkout).toMatchObject({ status: 'completed' });
      const refused = await reader.browser.get(`/api/v1/checkout/${second.checkoutId}`);
      expect(refused.json().checkout).toMatchObject({
        status: 'failed',
        reason: 'You already had a subscription; this payment was refunded.',
      });
      expect(await g.refundedOf(second.checkoutId)).toBe(270_000);
      expect(await g.refundedOf(first.checkoutId)).toBe(0);
      expect(await paymentsOf(reader.accountId)).toHaveLength(1);
      expect(await invoicesOf(reader.accountId)).toHaveLength(1);
      expect((await eventsOf(reader.accountId)).map((e) => e.kind)).toEqual(['start']);

      // The provider's news of the second payment, and the reader looking again, refund nothing more.
      for (const delivery of await g.checkoutEvents(second.checkoutId)) {
        expect((await g.deliver(delivery)).statusCode).toBe(200);
      }
      expect((await reader.browser.get(`/api/v1/checkout/${second.checkoutId}`)).json().checkout.status).toBe(
        'failed',
      );
      expect(g.calls('refund')).toBe(refunds + 1);
      expect(await g.refundedOf(second.checkoutId)).toBe(270_000);
      expect(await paymentsOf(reader.accountId)).toHaveLength(1);
    });

    it('a webhook with a bad signature is a 400 and changes nothing; the genuine one completes the checkout', async () => {
      at(start);
      const reader = await aSignedInReader(g.t);
      const checkout = await startCheckout(reader.browser);
      // Paid at the provider, but the reader has not come back: only a webhook could complete it now.
      await g.pay(reader.browser, checkout);
      const [completion] = await g.checkoutEvents(checkout.checkoutId);
      for (const [how, attempt] of g.forgeries(completion!)) {
        expect((await attempt()).statusCode, how).toBe(400);
      }
      expect(await checkoutRow(checkout.checkoutId)).toMatchObject({ status: 'open', subscription_id: null });
      expect(await subscriptionOf(reader.accountId)).toBeNull();
      expect(await paymentsOf(reader.accountId)).toEqual([]);
      expect(await recordedWebhook(completion!.eventId)).toBeUndefined();

      expect((await g.deliver(completion!)).statusCode).toBe(200);
      expect(await subscriptionOf(reader.accountId)).toMatchObject({ status: 'active' });

      // Only the chosen gateway's endpoint is there.
      for (const other of everyGateway.filter((name) => name !== g.name)) {
        const response = await g.t.app.inject({ method: 'POST', url: `/webhooks/${other}`, payload: '{}' });
        expect(response.statusCode, other).toBe(404);
      }
    });

    it('renews once: a reminder three days ahead, the charge on the date, and two sweeps at once charge once; the provider’s news afterwards, and a failure out of order, change nothing', async () => {
      at(start);
      const reader = await aSignedInReader(g.t);
      const checkout = await startCheckout(reader.browser);
      await g.pay(reader.browser, checkout);
      await reader.browser.get(`/api/v1/checkout/${checkout.checkoutId}`);
      const charges = g.calls('charge');

      at(later(renewal, -3));
      expect((await sweep()).reminded).toBeGreaterThanOrEqual(1);
      expect(await templatesTo(reader.email)).toContain('renewal-reminder');
      expect(await sweep()).toMatchObject({ reminded: 0, charged: 0 });
      // The reminder charged nothing.
      expect(g.calls('charge')).toBe(charges);

      at(renewal);
      // A second instance of Masthead on the same database, sweeping at the same moment.
      const other = createServices(g.t.config, { database: g.t.database, clock: g.t.clock });
      const [a, b] = await Promise.all([sweep(), other.billing.runSweep()]);
      expect(a.succeeded + b.succeeded).toBeGreaterThanOrEqual(1);
      const payment = await renewalPayment(reader.accountId);
      expect(payment).toMatchObject({ status: 'succeeded', amount_minor: 270_000, attempt: 1 });
      expect(await g.chargesFor(payment.id)).toEqual([{ ref: payment.gateway_ref, status: 'succeeded' }]);
      expect((await paymentsOf(reader.accountId)).map((p) => [p.kind, p.status])).toEqual([
        ['initial', 'succeeded'],
        ['renewal', 'succeeded'],
      ]);
      expect(await subscriptionOf(reader.accountId)).toMatchObject({
        status: 'active',
        currentPeriodEnd: secondRenewal,
      });
      expect(await invoicesOf(reader.accountId)).toHaveLength(2);
      expect(await templatesTo(reader.email)).toContain('receipt');
      expect(await sweep()).toMatchObject({ charged: 0, unanswered: 0 });
      expect(await g.chargesFor(payment.id)).toHaveLength(1);

      // The provider's own news of the charge arrives afterwards, then a failure for it out of order.
      const renewed = await subscriptionOf(reader.accountId);
      const news = await g.chargeEvents(payment);
      expect(news.length).toBeGreaterThan(0);
      for (const delivery of news) expect((await g.deliver(delivery)).statusCode).toBe(200);
      const response = await g.deliver(g.lateFailure(payment));
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toEqual({ received: true, duplicate: false });
      expect(await renewalPayment(reader.accountId)).toMatchObject({
        status: 'succeeded',
        failure_reason: null,
      });
      expect(await subscriptionOf(reader.accountId)).toEqual(renewed);
      expect(await invoicesOf(reader.accountId)).toHaveLength(2);
      expect(await templatesTo(reader.email)).not.toContain('payment-failed');
    });

    it('the provider down at the renewal leaves it pending; the next sweep charges it once', async () => {
      const reader = await aSubscriber();
      at(renewal);
      expect(await g.withTrouble('outage', sweep)).toMatchObject({
        charged: 1,
        unanswered: 1,
        succeeded: 0,
        failed: 0,
      });
      const pending = await renewalPayment(reader.accountId);
      expect(pending.status).toBe('pending');
      expect(await g.chargesFor(pending.id)).toEqual([]);
      expect(await subscriptionOf(reader.accountId)).toMatchObject({
        status: 'active',
        currentPeriodEnd: renewal,
      });

      afterLease();

      expect(await sweep()).toMatchObject({ reconciled: 1, succeeded: 1, charged: 0 });
      const charged = await g.chargesFor(pending.id);
      expect(charged).toMatchObject([{ status: 'succeeded' }]);
      expect(await renewalPayment(reader.accountId)).toMatchObject({
        id: pending.id,
        status: 'succeeded',
        gateway_ref: charged[0]!.ref,
      });
      expect((await paymentsOf(reader.accountId)).map((p) => p.kind)).toEqual(['initial', 'renewal']);
      expect(await subscriptionOf(reader.accountId)).toMatchObject({ currentPeriodEnd: secondRenewal });
      expect(await invoicesOf(reader.accountId)).toHaveLength(2);
    });

    it('an answer lost after the provider charged: pending, left alone while its lease runs, then settled by the first charge, not a second', async () => {
      const reader = await aSubscriber();
      at(renewal);
      expect(await g.withTrouble('lostAnswer', sweep)).toMatchObject({ charged: 1, unanswered: 1 });
      const pending = await renewalPayment(reader.accountId);
      expect((await paymentsOf(reader.accountId)).map((p) => p.status)).toEqual(['succeeded', 'pending']);
      expect(await g.chargesFor(pending.id)).toMatchObject([{ status: 'succeeded' }]);
      expect(await subscriptionOf(reader.accountId)).toMatchObject({ currentPeriodEnd: renewal });

      // Straight away, another run leaves the charge to whoever started it (it may still be under way).
      expect(await sweep()).toMatchObject({ reconciled: 0, charged: 0 });

      afterLease();

      expect(await sweep()).toMatchObject({ reconciled: 1, succeeded: 1, unanswered: 0 });
      const charged = await g.chargesFor(pending.id);
      expect(charged).toHaveLength(1);
      expect(await renewalPayment(reader.accountId)).toMatchObject({
        status: 'succeeded',
        gateway_ref: charged[0]!.ref,
      });
      expect(await subscriptionOf(reader.accountId)).toMatchObject({ currentPeriodEnd: secondRenewal });
      expect(await invoicesOf(reader.accountId)).toHaveLength(2);
    });

    it('an answer lost after the provider charged, then the provider’s webhook settles it before the next sweep', async () => {
      const reader = await aSubscriber();
      at(renewal);
      expect(await g.withTrouble('lostAnswer', sweep)).toMatchObject({ unanswered: 1 });
      const pending = await renewalPayment(reader.accountId);
      const [taken] = await g.chargesFor(pending.id);

      const news = await g.chargeEvents(pending);
      expect(news.length).toBeGreaterThan(0);
      for (const delivery of news) expect((await g.deliver(delivery)).statusCode).toBe(200);
      expect(await renewalPayment(reader.accountId)).toMatchObject({
        status: 'succeeded',
        gateway_ref: taken!.ref,
      });
      expect(await subscriptionOf(reader.accountId)).toMatchObject({ currentPeriodEnd: secondRenewal });

      // Settled: the next sweep asks the provider nothing.
      const callsBefore = gatewayCalls();
      expect(await sweep()).toMatchObject({ reconciled: 0, charged: 0 });
      expect(gatewayCalls()).toEqual(callsBefore);
      expect(await g.chargesFor(pending.id)).toHaveLength(1);
      expect(await invoicesOf(reader.accountId)).toHaveLength(2);
    });

    it('a card that fails renewals goes past due with access and the payment-failed mail, is retried after 1, 3 and 5 days, then ends; the provider’s failure webhooks change nothing more', async () => {
      const reader = await aSubscriber('failsRenewals');
      at(renewal);
      expect(await sweep()).toMatchObject({ charged: 1, failed: 1, unanswered: 0 });
      const payment = await renewalPayment(reader.accountId);
      expect(payment).toMatchObject({ status: 'failed', failure_reason: g.renewalDeclineReason });
      expect(await g.chargesFor(payment.id)).toEqual([{ ref: payment.gateway_ref, status: 'failed' }]);
      const overdue = await subscriptionOf(reader.accountId);
      expect(overdue).toMatchObject({
        status: 'past_due',
        currentPeriodEnd: renewal,
        paymentMethod: g.cardLabels.failsRenewals,
        overdue: { nextAttemptAt: later(renewal, 1), accessUntil: later(renewal, 7) },
      });
      expect(await entitlementsOf(reader.accountId)).toContain('premium-stories');
      expect(await templatesTo(reader.email)).toContain('payment-failed');
      expect(await invoicesOf(reader.accountId)).toHaveLength(1);

      // The provider's failure events for the same attempt: already booked.
      const events = await eventsOf(reader.accountId);
      const news = await g.chargeEvents(payment);
      expect(news.length).toBeGreaterThan(0);
      for (const delivery of news) expect((await g.deliver(delivery)).statusCode).toBe(200);
      expect(await subscriptionOf(reader.accountId)).toEqual(overdue);
      expect(await eventsOf(reader.accountId)).toEqual(events);

      // Each retry is a new attempt (a new key, a new charge at the provider), and fails again.
      at(later(renewal, 1));
      expect(await sweep()).toMatchObject({ charged: 1, failed: 1 });
      expect(await subscriptionOf(reader.accountId)).toMatchObject({
        status: 'past_due',
        overdue: { nextAttemptAt: later(renewal, 3) },
      });
      for (const [days, status] of [
        [3, 'past_due'],
        [5, 'expired'],
      ] as const) {
        at(later(renewal, days));
        await sweep();
        expect((await subscriptionOf(reader.accountId))?.status).toBe(status);
      }
      const attempts = (await paymentsOf(reader.accountId)).filter((p) => p.kind === 'renewal');
      expect(attempts.map((p) => [p.attempt, p.status])).toEqual([
        [1, 'failed'],
        [2, 'failed'],
        [3, 'failed'],
        [4, 'failed'],
      ]);
      expect(new Set(attempts.map((p) => p.idempotency_key)).size).toBe(4);
      for (const attempt of attempts)
        expect(await g.chargesFor(attempt.id)).toMatchObject([{ status: 'failed' }]);
      expect(await entitlementsOf(reader.accountId)).toEqual([]);
      expect(await templatesTo(reader.email)).toContain('subscription-ended');
      expect((await eventsOf(reader.accountId)).map((e) => `${e.kind}:${e.to_status}`)).toEqual([
        'start:active',
        'payment_failed:past_due',
        'payment_failed:past_due',
        'payment_failed:past_due',
        'expire:expired',
      ]);
    });

    it.each([
      ['of 100%', { kind: 'percent', percentOff: 100 }],
      ['larger than the price', { kind: 'amount', amountOff: { amountMinor: 500_000, currency: 'INR' } }],
    ] as const)(
      'a forever coupon %s subscribes for ₹0 and renews the term with a ₹0 invoice, sending nothing to the gateway',
      async (_, off) => {
        at(start);
        const code = `ONTHEHOUSE${off.kind.toUpperCase()}`;
        await g.t.services.coupons.create({ code, duration: 'forever', ...off });
        const reader = await aSignedInReader(g.t);
        const checkout = await startCheckout(reader.browser, { coupon: code.toLowerCase() });
        await g.pay(reader.browser, checkout);
        expect(
          (await reader.browser.get(`/api/v1/checkout/${checkout.checkoutId}`)).json().checkout.status,
        ).toBe('completed');
        expect(await subscriptionOf(reader.accountId)).toMatchObject({
          status: 'active',
          price: { amount: 0 },
        });
        at(later(renewal, -3));
        await sweep();
        const charges = g.calls('charge');

        at(renewal);
        expect(await sweep()).toMatchObject({ unanswered: 0, failed: 0 });
        expect(g.calls('charge')).toBe(charges);
        const payment = await renewalPayment(reader.accountId);
        expect(await g.chargesFor(payment.id)).toEqual([]);
        expect((await paymentsOf(reader.accountId)).map((p) => [p.kind, p.status, p.amount_minor])).toEqual([
          ['renewal', 'succeeded', 0],
        ]);
        expect((await invoicesOf(reader.accountId)).map((i) => i.total_minor)).toEqual([0]);
        expect(await subscriptionOf(reader.accountId)).toMatchObject({
          status: 'active',
          currentPeriodEnd: secondRenewal,
        });
        // The next sweep has nothing left pending.
        expect(await sweep()).toMatchObject({ reconciled: 0, charged: 0, unanswered: 0 });
      },
    );
  });
});
