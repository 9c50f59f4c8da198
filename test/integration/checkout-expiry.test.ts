import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSignedInReader, billingBooks, cards, planId } from '../support/billing.js';
import type { Browser } from '../support/browser.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { startStripeStandIn, type StripeStandIn } from '../support/stripe-stand-in.js';

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
  const { at, checkoutRow } = billingBooks(() => t);

  it('asks Stripe for a session that ends with the checkout, not a day later', async () => {
    at(start);
    const reader = await aSignedInReader(t);
    const { checkoutId, sessionId } = await startCheckout(t, reader.browser);
    const expiresAt = Date.parse((await checkoutRow(checkoutId)).expires_at) / 1000;
    expect(expiresAt).toBe(Date.parse(start) / 1000 + 3600);
    expect(standIn.object(sessionId)).toMatchObject({ expires_at: expiresAt });
  });
});
