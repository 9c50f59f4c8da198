import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money } from '../../src/kernel/money.js';
import { aSignedInReader, aSubscriber, billingBooks, cards, checkoutAndPay } from '../support/billing.js';
import { buildTestApp, sandboxOf, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { pdfText } from '../support/pdf.js';

// Support refunds a payment over the admin API: through the gateway, never more than was paid,
// with a GST credit note the reader can fetch.
describe.each(dialects)('refunds on $name', (dialect) => {
  let t: TestApp;
  const books = billingBooks(() => t);

  beforeAll(async () => {
    t = await buildTestApp(dialect, { at: '2026-11-15T06:00:00.000Z' });
  });
  afterAll(() => t.close());

  const refund = (paymentId: string, body: unknown = {}, headers: Record<string, string> = t.admin) =>
    t.app.inject({
      method: 'POST',
      url: `/api/admin/v1/payments/${paymentId}/refund`,
      payload: body as object,
      headers,
    });

  async function paidPayment() {
    const reader = await aSubscriber(t);
    const [payment] = await books.paymentsOf(reader.accountId);
    return { reader, payment: payment! };
  }

  const creditNotesOf = (invoiceId: string) =>
    books
      .db()
      .selectFrom('credit_notes')
      .selectAll()
      .where('invoice_id', '=', invoiceId)
      .orderBy('sequence')
      .execute();

  it('refunds a whole payment with a credit note that reverses the invoice exactly', async () => {
    const { reader, payment } = await paidPayment();
    const response = await refund(payment.id);
    expect(response.statusCode, response.body).toBe(201);
    const answer = response.json().refund;
    expect(answer).toMatchObject({
      id: expect.stringMatching(/^rfd_/),
      paymentId: payment.id,
      amount: { amount: payment.amount_minor, currency: 'INR' },
      remaining: { amount: 0, currency: 'INR' },
      creditNote: {
        number: expect.stringMatching(/^CN\d{4}-\d{6}$/),
        url: expect.stringContaining('/api/admin/v1/credit-notes/crn_'),
      },
    });
    const [invoice] = await books.invoicesOf(reader.accountId);
    const [note] = await creditNotesOf(invoice!.id);
    expect(note).toMatchObject({
      total_minor: invoice!.total_minor,
      taxable_minor: invoice!.taxable_minor,
      cgst_minor: invoice!.cgst_minor,
      sgst_minor: invoice!.sgst_minor,
      igst_minor: invoice!.igst_minor,
    });
    expect((await books.paymentsOf(reader.accountId))[0]).toMatchObject({
      status: 'refunded',
      refunded_minor: payment.amount_minor,
    });
    expect((await books.eventsOf(reader.accountId)).map((e) => e.kind)).toContain('refund');

    // Nothing left: a second refund is refused; the gateway's webhook books nothing again.
    expect((await refund(payment.id)).statusCode).toBe(409);
    await sandboxOf(t).webhooks.deliverDue();
    const rows = await books
      .db()
      .selectFrom('refunds')
      .selectAll()
      .where('payment_id', '=', payment.id)
      .execute();
    expect(rows).toHaveLength(1);
    expect(await creditNotesOf(invoice!.id)).toHaveLength(1);

    // Staff see it as HTML and PDF; the audit log has the refund.
    const html = await t.app.inject({
      url: new URL(answer.creditNote.url).pathname + '?format=html',
      headers: t.admin,
    });
    expect(html.statusCode).toBe(200);
    expect(html.body).toContain(answer.creditNote.number);
    expect(html.body).toContain(invoice!.number);
    const pdf = await t.app.inject({
      url: new URL(answer.creditNote.pdfUrl).pathname + '?format=pdf',
      headers: t.admin,
    });
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdfText(pdf.rawPayload)).toContain('Credit Note');
    const audit = await t.app.inject({ url: '/api/admin/v1/audit-log', headers: t.admin });
    expect(JSON.stringify(audit.json())).toContain('payment.refund');
  });

  it('refunds in parts up to the total, numbering credit notes in their own series with exact tax sums', async () => {
    const { reader, payment } = await paidPayment();
    const total = payment.amount_minor;
    const first = await refund(payment.id, { amount: 1001 });
    expect(first.statusCode, first.body).toBe(201);
    const second = await refund(payment.id, { amount: 333 });
    expect(second.statusCode, second.body).toBe(201);
    expect((await refund(payment.id, { amount: total })).statusCode).toBe(422);
    const rest = await refund(payment.id);
    expect(rest.statusCode, rest.body).toBe(201);
    expect(rest.json().refund.amount.amount).toBe(total - 1334);

    const numbers = [first, second, rest].map((r) => r.json().refund.creditNote.number as string);
    const sequences = numbers.map((n) => Number(n.slice(-6)));
    expect(sequences[1]).toBe(sequences[0]! + 1);
    expect(sequences[2]).toBe(sequences[1]! + 1);
    const [invoice] = await books.invoicesOf(reader.accountId);
    expect(numbers.every((n) => n !== invoice!.number)).toBe(true);

    const notes = await creditNotesOf(invoice!.id);
    for (const note of notes) {
      expect(note.taxable_minor + note.cgst_minor + note.sgst_minor + note.igst_minor).toBe(note.total_minor);
      expect(
        Math.min(note.taxable_minor, note.cgst_minor, note.sgst_minor, note.igst_minor),
      ).toBeGreaterThanOrEqual(0);
    }
    const sum = (key: 'total_minor' | 'taxable_minor' | 'cgst_minor' | 'sgst_minor' | 'igst_minor') =>
      notes.reduce((s, n) => s + n[key], 0);
    expect(sum('total_minor')).toBe(invoice!.total_minor);
    expect(sum('taxable_minor')).toBe(invoice!.taxable_minor);
    expect(sum('cgst_minor')).toBe(invoice!.cgst_minor);
    expect(sum('sgst_minor')).toBe(invoice!.sgst_minor);
  });

  it('never refunds more than was paid, however many refunds run at once', async () => {
    const { payment } = await paidPayment();
    const part = Math.floor(payment.amount_minor / 3) + 1;
    const answers = await Promise.all(Array.from({ length: 6 }, () => refund(payment.id, { amount: part })));
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(2);
    expect(statuses.every((s) => s === 201 || s === 409 || s === 422)).toBe(true);
    const row = await books
      .db()
      .selectFrom('payments')
      .selectAll()
      .where('id', '=', payment.id)
      .executeTakeFirstOrThrow();
    expect(row.refunded_minor).toBe(2 * part);
    const charge = await sandboxOf(t).processor.refund({
      idempotencyKey: 'probe',
      chargeId: row.gateway_ref!,
      amount: money(payment.amount_minor, 'INR'),
    });
    expect(charge.ok).toBe(false);
  });

  it('refuses bad amounts, unknown and unsuccessful payments with a clear 4xx', async () => {
    const { payment } = await paidPayment();
    for (const amount of [0, -5, 12.5, '100']) {
      const response = await refund(payment.id, { amount });
      expect(response.statusCode, String(amount)).toBeGreaterThanOrEqual(400);
      expect(response.statusCode).toBeLessThan(500);
    }
    expect((await refund(payment.id, { amount: payment.amount_minor + 1 })).statusCode).toBe(422);
    expect((await refund('pay_00000000000000000000000000')).statusCode).toBe(404);
    expect((await refund('not-a-payment')).statusCode).toBe(422);

    const declined = await aSignedInReader(t);
    await checkoutAndPay(t, declined.browser, { card: cards.declined });
    const failed = await books
      .db()
      .insertInto('payments')
      .values({
        id: 'pay_0000000000000000000000fail',
        account_id: declined.accountId,
        subscription_id: null,
        checkout_id: null,
        plan_id: null,
        price_id: null,
        kind: 'renewal',
        status: 'failed',
        amount_minor: 90_000,
        currency: 'INR',
        idempotency_key: 'failed-payment-for-refund-test',
        gateway: 'sandbox',
        gateway_ref: null,
        failure_reason: 'declined',
        period_start: null,
        period_end: null,
        created_at: t.clock.now().toISOString(),
        settled_at: t.clock.now().toISOString(),
      })
      .execute();
    expect(failed).toBeDefined();
    expect((await refund('pay_0000000000000000000000fail')).statusCode).toBe(409);
  });

  it('gives the reservation back when the gateway declines', async () => {
    const { payment } = await paidPayment();
    // The charge is refunded at the processor behind Masthead's back: the gateway then declines.
    const behind = await sandboxOf(t).processor.refund({
      idempotencyKey: `behind-${payment.id}`,
      chargeId: payment.gateway_ref!,
      amount: money(payment.amount_minor, 'INR'),
    });
    expect(behind.ok).toBe(true);
    const response = await refund(payment.id, { amount: 500 });
    expect(response.statusCode).toBe(402);
    expect(response.json().error).toMatchObject({
      code: 'payment_failed',
      message: expect.stringContaining('declined'),
    });
    const row = await books
      .db()
      .selectFrom('payments')
      .selectAll()
      .where('id', '=', payment.id)
      .executeTakeFirstOrThrow();
    expect(row.refunded_minor).toBe(0);
    const refunds = await books
      .db()
      .selectFrom('refunds')
      .selectAll()
      .where('payment_id', '=', payment.id)
      .execute();
    expect(refunds.map((r) => r.status)).toEqual(['failed']);
  });

  /** Runs `work` with the gateway's refund call failing: before refunding, or after (the answer lost). */
  async function withRefundTrouble<T>(trouble: 'outage' | 'lostAnswer', work: () => Promise<T>): Promise<T> {
    const gateway = t.services.payments.gateway;
    const original = gateway.refund;
    gateway.refund = async (request) => {
      if (trouble === 'outage') throw new Error('503 Service Unavailable');
      await original.call(gateway, request);
      throw new Error('connection reset');
    };
    try {
      return await work();
    } finally {
      gateway.refund = original;
    }
  }
  const refundRowsOf = (paymentId: string) =>
    books.db().selectFrom('refunds').selectAll().where('payment_id', '=', paymentId).execute();
  const paymentRow = (paymentId: string) =>
    books.db().selectFrom('payments').selectAll().where('id', '=', paymentId).executeTakeFirstOrThrow();
  const minutes = (n: number) => t.clock.set(new Date(t.clock.now().getTime() + n * 60_000));

  it('a refund the gateway does not answer stays pending with its amount held; a later sweep books it once', async () => {
    const { reader, payment } = await paidPayment();
    const response = await withRefundTrouble('outage', () => refund(payment.id, { amount: 700 }));
    expect(response.statusCode).toBe(503);
    expect(response.json().error).toMatchObject({ code: 'gateway_unavailable' });
    expect(response.body).not.toContain('503 Service Unavailable');
    const [pending] = await refundRowsOf(payment.id);
    expect(pending).toMatchObject({ status: 'pending', amount_minor: 700 });
    expect((await paymentRow(payment.id)).refunded_minor).toBe(700);
    // The amount held counts: no second refund can take it.
    expect((await refund(payment.id, { amount: payment.amount_minor - 699 })).statusCode).toBe(422);

    // A sweep while the refund may still be in flight leaves it alone; one after its lease asks again.
    expect(await t.services.billing.runSweep()).toMatchObject({ refundsSettled: 0, refundsStillPending: 0 });
    minutes(6);
    expect(await withRefundTrouble('outage', () => t.services.billing.runSweep())).toMatchObject({
      refundsSettled: 0,
      refundsStillPending: 1,
    });
    expect(await t.services.billing.runSweep()).toMatchObject({ refundsSettled: 1, refundsStillPending: 0 });
    expect(await t.services.billing.runSweep()).toMatchObject({ refundsSettled: 0 });

    const [settled] = await refundRowsOf(payment.id);
    expect(settled).toMatchObject({ status: 'succeeded', gateway_ref: expect.any(String) });
    const [invoice] = await books.invoicesOf(reader.accountId);
    expect((await creditNotesOf(invoice!.id)).map((n) => n.total_minor)).toEqual([700]);
    expect((await books.eventsOf(reader.accountId)).filter((e) => e.kind === 'refund')).toHaveLength(1);
    expect(
      await sandboxOf(t).processor.refund({
        idempotencyKey: settled!.idempotency_key,
        chargeId: payment.gateway_ref!,
        amount: money(700, 'INR'),
      }),
    ).toMatchObject({ ok: true });
    const listed = await reader.browser.get('/api/v1/payments');
    expect(listed.json().payments[0]).toMatchObject({
      id: payment.id,
      status: 'succeeded',
      refunded: { amount: 700, currency: 'INR' },
    });
  });

  it('a refund the gateway made but whose answer was lost is booked by the sweep, not made twice', async () => {
    const { payment } = await paidPayment();
    const response = await withRefundTrouble('lostAnswer', () => refund(payment.id));
    expect(response.statusCode).toBe(503);
    const refundedAtGateway = async () =>
      (
        await books
          .db()
          .selectFrom('sandbox_charges')
          .select('refunded_minor')
          .where('id', '=', payment.gateway_ref!)
          .executeTakeFirstOrThrow()
      ).refunded_minor;
    expect(await refundedAtGateway()).toBe(payment.amount_minor);
    minutes(6);
    expect(await t.services.billing.runSweep()).toMatchObject({ refundsSettled: 1 });
    expect(await refundedAtGateway()).toBe(payment.amount_minor);
    expect(await paymentRow(payment.id)).toMatchObject({
      status: 'refunded',
      refunded_minor: payment.amount_minor,
    });
    expect((await refundRowsOf(payment.id)).map((r) => r.status)).toEqual(['succeeded']);
  });

  it('a refund already booked as declined is never given a credit note by a late success', async () => {
    const { reader, payment } = await paidPayment();
    expect((await withRefundTrouble('outage', () => refund(payment.id, { amount: 400 }))).statusCode).toBe(
      503,
    );
    // Booked as declined by another path while this one was asked again.
    await books
      .db()
      .updateTable('refunds')
      .set({ status: 'failed' })
      .where('payment_id', '=', payment.id)
      .execute();
    const gateway = t.services.payments.gateway;
    const original = gateway.refund;
    gateway.refund = async (request) => {
      await books
        .db()
        .updateTable('refunds')
        .set({ status: 'pending' })
        .where('payment_id', '=', payment.id)
        .execute();
      const answer = await original.call(gateway, request);
      await books
        .db()
        .updateTable('refunds')
        .set({ status: 'failed' })
        .where('payment_id', '=', payment.id)
        .execute();
      return answer;
    };
    try {
      minutes(6);
      await books
        .db()
        .updateTable('refunds')
        .set({ status: 'pending' })
        .where('payment_id', '=', payment.id)
        .execute();
      expect(await t.services.billing.runSweep()).toMatchObject({
        refundsSettled: 0,
        refundsStillPending: 1,
      });
    } finally {
      gateway.refund = original;
    }
    const [invoice] = await books.invoicesOf(reader.accountId);
    expect(await creditNotesOf(invoice!.id)).toEqual([]);
  });

  it("lets the reader fetch their own credit note and nobody else's", async () => {
    const { reader, payment } = await paidPayment();
    const made = (await refund(payment.id, { amount: 2500 })).json().refund;
    const own = await reader.browser.get(`/api/v1/credit-notes/${made.creditNote.id}`);
    expect(own.statusCode).toBe(200);
    expect(own.json().creditNote).toMatchObject({
      number: made.creditNote.number,
      total: { amount: 2500, currency: 'INR' },
    });
    const page = await reader.browser.get(`/api/v1/credit-notes/${made.creditNote.id}?format=html`);
    expect(page.body).toContain('Credit Note');
    const pdf = await reader.browser.get(`/api/v1/credit-notes/${made.creditNote.id}?format=pdf`);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const list = (await reader.browser.get('/api/v1/invoices')).json();
    expect(list.creditNotes.map((n: { id: string }) => n.id)).toEqual([made.creditNote.id]);
    const account = await reader.browser.get('/account/invoices');
    expect(account.body).toContain(made.creditNote.number);

    const other = await aSignedInReader(t);
    expect((await other.browser.get(`/api/v1/credit-notes/${made.creditNote.id}`)).statusCode).toBe(404);
    expect((await other.browser.get(`/account/invoices/${made.creditNote.id}`)).statusCode).toBe(404);
  });

  it('refuses a refund without a key or with the wrong role, and lets support refund', async () => {
    const { payment } = await paidPayment();
    expect((await refund(payment.id, {}, {})).statusCode).toBe(401);
    const marketer = await t.services.apiKeys.create('marketing', 'admin', 'marketer');
    expect(
      (await refund(payment.id, { amount: 100 }, { authorization: `Bearer ${marketer.key}` })).statusCode,
    ).toBe(403);
    const support = await t.services.apiKeys.create('support desk', 'admin', 'support');
    expect(
      (await refund(payment.id, { amount: 100 }, { authorization: `Bearer ${support.key}` })).statusCode,
    ).toBe(201);
  });

  it('counts refunds in the analytics figures', async () => {
    const response = await t.app.inject({
      url: '/api/admin/v1/analytics?from=2026-11-01&to=2026-11-30',
      headers: t.admin,
    });
    expect(response.statusCode, response.body).toBe(200);
    const { refunds } = response.json().figures;
    expect(refunds).toMatchObject({ count: expect.any(Number), total: { currency: 'INR' } });
    expect(refunds.count).toBeGreaterThanOrEqual(5);
    expect(refunds.total.amount).toBeGreaterThan(0);
  });
});
