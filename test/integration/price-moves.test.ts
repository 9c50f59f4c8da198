import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSubscriber, billingBooks, planId } from '../support/billing.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';

interface PriceMove {
  id: string;
  planId: string;
  price: { id: string; amount: number; currency: string };
  noticeDays: number;
  createdAt: string;
  effectiveAt: string;
  counts: { pending: number; notified: number; moved: number; left: number };
}

describe.each(dialects)('moving subscribers to a new price on $name', (dialect) => {
  const start = '2026-11-15T06:00:00.000Z';
  let t: TestApp;
  const books = billingBooks(() => t);

  beforeAll(async () => {
    t = await buildTestApp(dialect, { at: start });
  });
  afterAll(() => t.close());

  const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: t.admin, ...(payload && { payload }) });
  const moves = async (plan: string) =>
    (await call('GET', `/api/admin/v1/plans/${plan}/price-moves`)).json().priceMoves as PriceMove[];
  const amountsPaid = async (accountId: string) =>
    (await books.paymentsOf(accountId)).filter((p) => p.status === 'succeeded').map((p) => p.amount_minor);
  const priceMails = async (email: string) =>
    (await t.services.mail.sentTo(email)).filter((m) => m.template === 'price-change');

  it(
    'tells each subscriber once, keeps the old price until the notice allows, and never charges a reader who cancelled',
    { timeout: 60_000 },
    async () => {
      books.at(start);
      const quarterly = await planId(t, 'smart-quarterly');
      const staying = await aSubscriber(t, { plan: 'smart-quarterly' });
      const leaving = await aSubscriber(t, { plan: 'smart-quarterly' });
      const other = await aSubscriber(t, { plan: 'smart-essential' });
      const oldPriceId = (await t.services.plans.get(quarterly))!.prices[0]!.id;

      const raised = await call('POST', `/api/admin/v1/plans/${quarterly}/prices`, {
        amount: 120_000,
        currency: 'INR',
      });
      expect(raised.statusCode).toBe(201);
      const newPriceId = raised.json().price.id as string;
      // A reader who subscribes after the change pays the new price already: nobody tells them.
      const newcomer = await aSubscriber(t, { plan: 'smart-quarterly' });

      // Refusals, each naming the problem; nothing is recorded.
      for (const [body, status, message] of [
        [{ noticeDays: 29 }, 422, /at least 30 days/],
        [{ noticeDays: 30.5 }, 422, /whole number/],
        [{ noticeDays: 400 }, 422, /at most 365/],
        [{}, 422, /noticeDays/],
        [{ noticeDays: 30, priceId: oldPriceId }, 422, /superseded/],
        [{ noticeDays: 30, priceId: 'prc_nosuch' }, 422, /not a price of Smart Quarterly/],
        [{ noticeDays: 30, colour: 'red' }, 422, /colour/],
      ] as const) {
        const response = await call('POST', `/api/admin/v1/plans/${quarterly}/price-moves`, body);
        expect(response.statusCode, JSON.stringify(body)).toBe(status);
        expect(response.json().error.message, JSON.stringify(body)).toMatch(message);
      }
      expect(
        (await call('POST', '/api/admin/v1/plans/pln_nosuch/price-moves', { noticeDays: 30 })).statusCode,
      ).toBe(404);
      expect(await moves(quarterly)).toEqual([]);
      expect((await call('GET', '/api/admin/v1/plans/pln_nosuch/price-moves')).statusCode).toBe(404);

      books.at('2026-11-16T06:00:00.000Z');
      const created = await call('POST', `/api/admin/v1/plans/${quarterly}/price-moves`, { noticeDays: 100 });
      expect(created.statusCode, created.body).toBe(201);
      const move = created.json().priceMove as PriceMove;
      expect(move).toMatchObject({
        planId: quarterly,
        price: { id: newPriceId, amount: 120_000, currency: 'INR' },
        noticeDays: 100,
        createdAt: '2026-11-16T06:00:00.000Z',
        effectiveAt: '2027-02-24T06:00:00.000Z',
        counts: { pending: 2, notified: 0, moved: 0, left: 0 },
      });
      // The same move again is the same move; other notice for it is a conflict.
      const again = await call('POST', `/api/admin/v1/plans/${quarterly}/price-moves`, {
        noticeDays: 100,
        priceId: newPriceId,
      });
      expect(again.statusCode).toBe(200);
      expect(again.json().priceMove.id).toBe(move.id);
      const otherNotice = await call('POST', `/api/admin/v1/plans/${quarterly}/price-moves`, {
        noticeDays: 60,
      });
      expect(otherNotice.statusCode).toBe(409);
      expect(await moves(quarterly)).toHaveLength(1);

      // Two billing runs at once, then another: each subscriber on the old price is told once.
      const [first, second] = await Promise.all([books.sweep(), books.sweep()]);
      expect(first.priceNotices + second.priceNotices).toBe(2);
      expect((await books.sweep()).priceNotices).toBe(0);
      expect(await priceMails(staying.email)).toHaveLength(1);
      expect(await priceMails(leaving.email)).toHaveLength(1);
      expect(await priceMails(newcomer.email)).toHaveLength(0);
      expect(await priceMails(other.email)).toHaveLength(0);
      const [notice] = await priceMails(staying.email);
      expect(notice!.subject).toBe(
        'The price of your Smart Quarterly subscription changes from 24 February 2027',
      );
      expect(notice!.text).toContain('renewals from 24 February 2027 are charged ₹1,200 instead of ₹900');
      expect(notice!.text).toContain('The first renewal at the new price is on 15 May 2027');
      expect((await books.eventsOf(staying.accountId)).map((e) => e.kind)).toContain('price_notice');
      expect((await moves(quarterly))[0]!.counts).toEqual({ pending: 0, notified: 2, moved: 0, left: 0 });
      // Until the renewal the notice allows, the reader's subscription still shows the old price.
      expect((await books.subscriptionOf(staying.accountId))!.price).toEqual({
        amount: 90_000,
        currency: 'INR',
      });

      // One reader cancels in the notice period.
      expect((await leaving.browser.send('POST', '/api/v1/subscription/cancel', {})).statusCode).toBe(200);

      // The renewal before the effective date is at the old price.
      books.at('2027-02-12T06:00:00.000Z');
      await books.sweep();
      books.at('2027-02-15T06:00:00.000Z');
      expect(await books.sweep()).toMatchObject({ succeeded: 2, expired: 1, priceNotices: 0 });
      expect(await amountsPaid(staying.accountId)).toEqual([90_000, 90_000]);
      expect(await amountsPaid(leaving.accountId)).toEqual([90_000]);
      expect((await books.subscriptionOf(staying.accountId))!.price).toEqual({
        amount: 120_000,
        currency: 'INR',
      });

      // The first renewal on or after it is at the new price, once however often the run goes.
      books.at('2027-05-12T06:00:00.000Z');
      await books.sweep();
      const reminders = (await t.services.mail.sentTo(staying.email)).filter(
        (m) => m.template === 'renewal-reminder',
      );
      expect(reminders.at(-1)!.subject).toContain('₹1,200 will be charged on 15 May 2027');
      books.at('2027-05-15T06:00:00.000Z');
      await Promise.all([books.sweep(), books.sweep()]);
      await books.sweep();
      expect(await amountsPaid(staying.accountId)).toEqual([90_000, 90_000, 120_000]);
      expect(await amountsPaid(leaving.accountId)).toEqual([90_000]);
      expect(await amountsPaid(newcomer.accountId)).toEqual([120_000, 120_000, 120_000]);
      expect((await books.subscriptionRowOf(staying.accountId))!.price_id).toBe(newPriceId);
      expect((await moves(quarterly))[0]!.counts).toEqual({ pending: 0, notified: 0, moved: 1, left: 1 });
      expect(await priceMails(staying.email)).toHaveLength(1);
    },
  );

  it('is refused without an admin key', async () => {
    const quarterly = await planId(t, 'smart-quarterly');
    for (const method of ['GET', 'POST'] as const) {
      const response = await t.app.inject({
        method,
        url: `/api/admin/v1/plans/${quarterly}/price-moves`,
        ...(method === 'POST' && { payload: { noticeDays: 30 } }),
      });
      expect(response.statusCode).toBe(401);
    }
  });
});
