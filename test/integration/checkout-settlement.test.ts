import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSignedInReader, billingBooks, checkoutAndPay } from '../support/billing.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';

// A checkout that ends without what it was paid for gives the money back, whatever the reason.

describe.each(dialects)('settling a checkout on $name', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(() => t?.close());
  const { checkoutRow, subscriptionOf } = billingBooks(() => t);

  it('a payment of another amount than the checkout asked opens nothing and is refunded', async () => {
    const reader = await aSignedInReader(t);
    const { checkoutId, sessionPath, paid } = await checkoutAndPay(t, reader.browser);
    expect(paid.json()).toMatchObject({ status: 'paid' });
    // What the gateway took is not what the checkout asked (a provider's bug, a tampered session).
    await t.database.db
      .updateTable('checkouts')
      .set({ amount_minor: 100 })
      .where('id', '=', checkoutId)
      .execute();
    const returned = await reader.browser.get(`/api/v1/checkout/${checkoutId}`);
    expect(returned.json().checkout).toMatchObject({
      status: 'failed',
      reason: 'The amount paid does not match the checkout; the payment was refunded.',
    });
    expect(await checkoutRow(checkoutId)).toMatchObject({ status: 'failed' });
    expect(await subscriptionOf(reader.accountId)).toBeNull();
    const session = await t.database.db
      .selectFrom('sandbox_sessions')
      .select('charge_id')
      .where('id', '=', sessionPath.split('/').at(-1)!)
      .executeTakeFirstOrThrow();
    const refunds = await t.database.db
      .selectFrom('sandbox_refunds')
      .select(['charge_id', 'amount_minor'])
      .where('charge_id', '=', session.charge_id!)
      .execute();
    expect(refunds).toEqual([{ charge_id: session.charge_id, amount_minor: 270_000 }]);
  });
});
