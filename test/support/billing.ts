import { expect } from 'vitest';
import { chargingLeaseMs } from '../../src/modules/subscriptions/renewals/charging.js';
import { subscriptionJson } from '../../src/modules/subscriptions/index.js';
import { aBrowser, type Browser } from './browser.js';
import type { TestApp } from './build-app.js';

export const cards = {
  ok: '4242424242424242',
  declined: '4000000000000002',
  authentication: '4000002760003184',
  renewalsFail: '4000000000000341',
} as const;

let readers = 0;

/** A new reader, signed in, in a browser of their own. */
export async function aSignedInReader(
  t: TestApp,
  name = 'Asha',
): Promise<{ browser: Browser; email: string; accountId: string }> {
  const browser = aBrowser(t.app, { remoteAddress: `198.51.100.${(readers % 200) + 1}` });
  const email = `subscriber${++readers}-${Date.now()}@example.com`;
  const registered = await browser.send('POST', '/api/v1/auth/register', {
    email,
    password: 'correct horse battery staple',
    name,
  });
  expect(registered.statusCode).toBe(201);
  return { browser, email, accountId: registered.json().account.id };
}

export async function planId(t: TestApp, slug: string): Promise<string> {
  const plan = (await t.services.plans.listAll()).find((p) => p.slug === slug);
  if (!plan) throw new Error(`no plan ${slug}`);
  return plan.id;
}

/** Starts a checkout through the API and pays it on the sandbox with `card`; answers the pay result. */
export async function checkoutAndPay(
  t: TestApp,
  browser: Browser,
  options: { plan?: string; card?: string; coupon?: string; returnTo?: string; billingState?: string } = {},
) {
  const started = await browser.send('POST', '/api/v1/checkout', {
    planId: await planId(t, options.plan ?? 'smart-essential'),
    returnTo: options.returnTo ?? '/account',
    ...(options.coupon && { coupon: options.coupon }),
    ...(options.billingState && { billingState: options.billingState }),
  });
  expect(started.statusCode, started.body).toBe(201);
  const { checkoutId, checkoutUrl } = started.json() as { checkoutId: string; checkoutUrl: string };
  const sessionPath = new URL(checkoutUrl).pathname;
  const paid = await browser.send('POST', `${sessionPath}/pay`, { card: options.card ?? cards.ok });
  return { checkoutId, sessionPath, paid };
}

/** A reader with a paid subscription (through checkout, the sandbox and the return). */
export async function aSubscriber(t: TestApp, options: Parameters<typeof checkoutAndPay>[2] = {}) {
  const reader = await aSignedInReader(t);
  const { checkoutId, paid } = await checkoutAndPay(t, reader.browser, options);
  expect(paid.json()).toMatchObject({ status: 'paid' });
  const returned = await reader.browser.get(`/api/v1/checkout/${checkoutId}`);
  expect(returned.json().checkout).toMatchObject({ status: 'completed' });
  return { ...reader, checkoutId };
}

/** Signs the reader in again (a web session lapses after 30 days; tests move the clock by years). */
export async function signInAgain(browser: Browser, email: string): Promise<void> {
  const response = await browser.send('POST', '/api/v1/auth/login', {
    email,
    password: 'correct horse battery staple',
  });
  expect(response.statusCode).toBe(200);
}

/** The reader's subscription as the API shows it. */
export async function subscriptionOf(browser: Browser) {
  const response = await browser.get('/api/v1/subscription');
  expect(response.statusCode).toBe(200);
  return response.json().subscription;
}

/**
 * The billing books of a test app, read the way the billing tests assert on them. `app` is a
 * function because suites build the app in `beforeAll`.
 */
export function billingBooks(app: () => TestApp) {
  const db = () => app().database.db;
  const subscriptionRowOf = (accountId: string) =>
    db().selectFrom('subscriptions').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  return {
    db,
    at: (iso: string) => app().clock.set(iso),
    /** Past the lease of a charge left pending, when another process may take it over. */
    afterLease: () => app().clock.set(new Date(app().clock.now().getTime() + chargingLeaseMs + 60_000)),
    sweep: () => app().services.billing.runSweep(),
    paymentsOf: (accountId: string) =>
      db()
        .selectFrom('payments')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('created_at')
        .orderBy('id')
        .execute(),
    invoicesOf: (accountId: string) =>
      db()
        .selectFrom('invoices')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('sequence')
        .execute(),
    subscriptionRowOf,
    checkoutRow: (checkoutId: string) =>
      db().selectFrom('checkouts').selectAll().where('id', '=', checkoutId).executeTakeFirstOrThrow(),
    async eventsOf(accountId: string) {
      const sub = await subscriptionRowOf(accountId);
      if (!sub) return [];
      return db()
        .selectFrom('subscription_events')
        .select(['kind', 'from_status', 'to_status', 'actor'])
        .where('subscription_id', '=', sub.id)
        .orderBy('id')
        .execute();
    },
    recordedWebhook: (eventId: string) =>
      db().selectFrom('webhook_events').selectAll().where('event_id', '=', eventId).executeTakeFirst(),
    /** The subscription as the API shows it, whatever the reader's session (the clock moves by a year). */
    async subscriptionOf(accountId: string) {
      const view = await app().services.billing.subscription(accountId);
      return view && subscriptionJson(view);
    },
    entitlementsOf: async (accountId: string) => [...(await app().services.billing.entitlements(accountId))],
    templatesTo: async (email: string) => (await app().services.mail.sentTo(email)).map((m) => m.template),
  };
}
