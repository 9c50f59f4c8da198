import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSignedInReader, aSubscriber, checkoutAndPay } from '../support/billing.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { newId } from '../../src/kernel/ids.js';

const day = 86_400_000;
const nobody = `acc_${'0'.repeat(26)}`;

// The support desk's actions on a reader, over the admin API: extend, resend a receipt, sign out
// everywhere, export, delete, and the subscriber list as CSV.
describe.each(dialects)('support desk actions on $name', (dialect) => {
  let t: TestApp;
  let editor: { authorization: string };
  let support: { authorization: string };

  beforeAll(async () => {
    t = await buildTestApp(dialect, { at: '2026-11-15T06:00:00.000Z' });
    editor = { authorization: `Bearer ${(await t.services.apiKeys.create('desk', 'admin', 'editor')).key}` };
    support = {
      authorization: `Bearer ${(await t.services.apiKeys.create('support', 'admin', 'support')).key}`,
    };
  });
  afterAll(() => t.close());

  const call = (
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    payload?: object,
    headers: { authorization: string } = support,
  ) => t.app.inject({ method, url, headers, ...(payload && { payload }) });
  const readerOf = async (accountId: string) =>
    (await call('GET', `/api/admin/v1/readers/${accountId}`)).json().reader;

  it('extends the current term by N days, free: the renewal moves and an event records it', async () => {
    const reader = await aSubscriber(t);
    const before = (await readerOf(reader.accountId)).subscription;
    const extended = await call('POST', `/api/admin/v1/readers/${reader.accountId}/extend`, { days: 10 });
    expect(extended.statusCode, extended.body).toBe(200);
    const after = extended.json().subscription;
    expect(Date.parse(after.currentPeriodEnd) - Date.parse(before.currentPeriodEnd)).toBe(10 * day);
    expect(Date.parse(after.renewal.at)).toBeGreaterThan(Date.parse(before.renewal.at));

    const shown = await readerOf(reader.accountId);
    expect(shown.payments).toHaveLength(1); // nothing was charged
    const event = shown.events.find((e: { kind: string }) => e.kind === 'extend');
    expect(event).toMatchObject({
      from: 'active',
      to: 'active',
      actor: expect.stringMatching(/^admin:key_/),
      detail: { days: 10, from: before.currentPeriodEnd, to: after.currentPeriodEnd },
    });
    // The reader sees the later date too.
    const own = (await reader.browser.get('/api/v1/subscription')).json();
    expect(JSON.stringify(own)).toContain(after.currentPeriodEnd);
  });

  it('refuses an extension without a subscription, out of range or for nobody', async () => {
    const plain = await aSignedInReader(t);
    const none = await call('POST', `/api/admin/v1/readers/${plain.accountId}/extend`, { days: 5 });
    expect(none.statusCode).toBe(404);
    expect(none.json().error.message).toMatch(/no subscription/);

    const reader = await aSubscriber(t);
    for (const days of [0, 367, 1.5, -3, '7']) {
      const refused = await call('POST', `/api/admin/v1/readers/${reader.accountId}/extend`, { days });
      expect(refused.statusCode, `days ${String(days)}`).toBe(422);
    }
    expect((await call('POST', `/api/admin/v1/readers/${reader.accountId}/extend`, {})).statusCode).toBe(422);
    expect((await call('POST', `/api/admin/v1/readers/${nobody}/extend`, { days: 3 })).statusCode).toBe(404);
    expect(
      (await call('POST', `/api/admin/v1/readers/${reader.accountId}/extend`, { days: 3 }, editor))
        .statusCode,
    ).toBe(403);
    // The longest allowed works.
    expect(
      (await call('POST', `/api/admin/v1/readers/${reader.accountId}/extend`, { days: 366 })).statusCode,
    ).toBe(200);
  });

  it('mails the receipt again, of the latest invoice or of one named', async () => {
    const reader = await aSubscriber(t);
    const receipts = async () =>
      (await t.services.mail.sentTo(reader.email)).filter((m) => m.template === 'receipt');
    expect(await receipts()).toHaveLength(1);
    const [invoice] = (await readerOf(reader.accountId)).invoices;

    const latest = await call('POST', `/api/admin/v1/readers/${reader.accountId}/receipts/resend`, {});
    expect(latest.statusCode, latest.body).toBe(202);
    expect(latest.json().resent).toEqual({ invoiceId: invoice.id, number: invoice.number });
    const named = await call('POST', `/api/admin/v1/readers/${reader.accountId}/receipts/resend`, {
      invoiceId: invoice.id,
    });
    expect(named.statusCode).toBe(202);
    const sent = await receipts();
    expect(sent).toHaveLength(3);
    expect(sent.every((m) => m.subject.includes(invoice.number))).toBe(true);

    // Another reader's invoice is not this reader's to resend; nor a made-up one.
    const other = await aSubscriber(t);
    const theirs = await call('POST', `/api/admin/v1/readers/${other.accountId}/receipts/resend`, {
      invoiceId: invoice.id,
    });
    expect(theirs.statusCode).toBe(404);
    const plain = await aSignedInReader(t);
    expect(
      (await call('POST', `/api/admin/v1/readers/${plain.accountId}/receipts/resend`, {})).statusCode,
    ).toBe(404);
    expect(
      (await call('POST', `/api/admin/v1/readers/${reader.accountId}/receipts/resend`, { invoiceId: 'x' }))
        .statusCode,
    ).toBe(422);
    expect(
      (await call('POST', `/api/admin/v1/readers/${reader.accountId}/receipts/resend`, {}, editor))
        .statusCode,
    ).toBe(403);
  });

  it('signs the reader out on every device, app refresh tokens too', async () => {
    const reader = await aSignedInReader(t);
    const app = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: reader.email, password: 'correct horse battery staple', client: 'app' },
    });
    expect(app.statusCode, app.body).toBe(200);
    const { accessToken, refreshToken } = app.json();
    expect((await reader.browser.get('/api/v1/me')).statusCode).toBe(200);

    const out = await call('POST', `/api/admin/v1/readers/${reader.accountId}/sign-out`);
    expect(out.statusCode, out.body).toBe(200);
    expect(out.json().sessionsEnded).toBe(2);

    expect((await reader.browser.get('/api/v1/me')).statusCode).toBe(401);
    const me = await t.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${accessToken}` } });
    expect(me.statusCode).toBe(401);
    const refreshed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken },
    });
    expect(refreshed.statusCode).toBe(401);
    expect((await readerOf(reader.accountId)).devices).toEqual([]);

    expect((await call('POST', `/api/admin/v1/readers/${nobody}/sign-out`)).statusCode).toBe(404);
    expect(
      (await call('POST', `/api/admin/v1/readers/${reader.accountId}/sign-out`, undefined, editor))
        .statusCode,
    ).toBe(403);
  });

  it('exports the reader’s data as the reader’s own export does', async () => {
    const reader = await aSubscriber(t);
    const own = (await reader.browser.get('/api/v1/me/export')).json();
    const exported = await call('GET', `/api/admin/v1/readers/${reader.accountId}/export`);
    expect(exported.statusCode, exported.body).toBe(200);
    expect(exported.headers['content-disposition']).toContain(`account-${reader.accountId}.json`);
    const data = exported.json();
    expect(data.account).toEqual(own.account);
    expect(data.billing.payments).toHaveLength(1);
    expect(data.billing.invoices).toHaveLength(1);
    expect(JSON.stringify(data)).not.toMatch(/token_hash|password_hash/);
    // Personal data leaving the system is on the record, although nothing changed; a refused one is not.
    const audit = await call('GET', '/api/admin/v1/audit-log?action=reader.export', undefined, t.admin);
    expect(
      audit.json().entries.filter((e: { target: string }) => e.target === reader.accountId),
    ).toHaveLength(1);

    expect((await call('GET', `/api/admin/v1/readers/${nobody}/export`)).statusCode).toBe(404);
    expect(
      (await call('GET', `/api/admin/v1/readers/${reader.accountId}/export`, undefined, editor)).statusCode,
    ).toBe(403);
  });

  it('deletes a reader as their own deletion does, keeping the invoices; refused while it renews', async () => {
    const reader = await aSubscriber(t);
    const [invoice] = (await readerOf(reader.accountId)).invoices;
    const renewing = await call('DELETE', `/api/admin/v1/readers/${reader.accountId}`);
    expect(renewing.statusCode).toBe(409);
    expect(renewing.json().error.message).toMatch(/cancel it/);
    expect(
      (await call('DELETE', `/api/admin/v1/readers/${reader.accountId}`, undefined, editor)).statusCode,
    ).toBe(403);

    expect(
      (await call('POST', `/api/admin/v1/readers/${reader.accountId}/cancel`, { when: 'period_end' }))
        .statusCode,
    ).toBe(200);
    const deleted = await call('DELETE', `/api/admin/v1/readers/${reader.accountId}`);
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect((await call('GET', `/api/admin/v1/readers/${reader.accountId}`)).statusCode).toBe(404);
    expect((await reader.browser.get('/api/v1/me')).statusCode).toBe(401);
    expect(await t.services.mail.sentTo(reader.email)).toEqual([]);
    // The invoice stays, as tax law requires.
    expect(await t.services.invoices.get(reader.accountId, invoice.id)).toMatchObject({
      number: invoice.number,
    });
    expect((await call('DELETE', `/api/admin/v1/readers/${reader.accountId}`)).statusCode).toBe(404);
    expect((await call('DELETE', '/api/admin/v1/readers/nonsense')).statusCode).toBe(422);
  });

  it('lists the subscribers as CSV, every subscription once, formula cells defused', async () => {
    const dangerous = await aSignedInReader(t, '=HYPERLINK("http://evil.example","click")');
    const paid = await checkoutAndPay(t, dangerous.browser);
    expect(paid.paid.json()).toMatchObject({ status: 'paid' });
    await dangerous.browser.get(`/api/v1/checkout/${paid.checkoutId}`);

    const csv = await call('GET', '/api/admin/v1/subscribers.csv');
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toContain('subscribers.csv');
    const lines = csv.body.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe(
      'subscription_id,reader_id,email,name,plan_id,plan,status,started_at,current_period_end,canceled_at,ended_at,price_minor,currency',
    );
    const listed = await t.services.billing.subscribers({ limit: 200 });
    expect(lines).toHaveLength(listed.length + 1);
    const row = lines.find((line) => line.includes(dangerous.accountId));
    expect(row).toContain(`${dangerous.email},"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(row).toMatch(/,Smart Essential,active,/);
    const listing = await call(
      'GET',
      '/api/admin/v1/audit-log?action=subscribers.export',
      undefined,
      t.admin,
    );
    expect(listing.json().entries[0]).toMatchObject({ target: 'subscribers.csv', after: { status: 'all' } });
    expect(row).toMatch(/,\d+,INR$/);

    const active = await call('GET', '/api/admin/v1/subscribers.csv?status=expired');
    expect(
      active.body
        .split('\r\n')
        .filter(Boolean)
        .slice(1)
        .every((line) => line.includes(',expired,')),
    ).toBe(true);
    expect((await call('GET', '/api/admin/v1/subscribers.csv?status=lapsed')).statusCode).toBe(422);
    expect((await call('GET', '/api/admin/v1/subscribers.csv', undefined, editor)).statusCode).toBe(403);
    expect((await t.app.inject({ url: '/api/admin/v1/subscribers.csv' })).statusCode).toBe(401);
  });

  it('streams thousands of subscriptions page by page, each once, accounts deleted since included', async () => {
    // Written straight into the books: going through checkout 2,500 times would take minutes.
    const plan = (await t.services.plans.listAll())[0]!;
    const price = plan.prices[0]!;
    const at = '2026-01-01T00:00:00.000Z';
    const ids: string[] = [];
    for (let i = 0; i < 2500; i += 500) {
      const rows = Array.from({ length: 500 }, () => {
        const id = newId('sub');
        ids.push(id);
        return {
          id,
          account_id: newId('acc'),
          plan_id: plan.id,
          price_id: price.id,
          status: 'expired' as const,
          currency: price.currency,
          discount: null,
          billing_name: 'Gone',
          billing_state: null,
          gateway: 'sandbox',
          gateway_customer: null,
          payment_method_ref: null,
          payment_method_label: null,
          current_period_start: at,
          current_period_end: at,
          trial_ends_at: null,
          cancel_requested_at: null,
          cancel_reason: null,
          pending_plan_id: null,
          pending_price_id: null,
          next_attempt_at: null,
          reminded_for: null,
          reminded_at: null,
          ended_at: at,
          created_at: at,
          updated_at: at,
        };
      });
      await t.database.db.insertInto('subscriptions').values(rows).execute();
    }
    const csv = await call('GET', '/api/admin/v1/subscribers.csv?status=expired');
    expect(csv.statusCode).toBe(200);
    const listed = csv.body
      .split('\r\n')
      .filter(Boolean)
      .slice(1)
      .map((line) => line.split(',')[0]!);
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed).toEqual(expect.arrayContaining(ids));
    expect([...listed].sort()).toEqual(listed);
    const gone = csv.body.split('\r\n').find((line) => line.startsWith(ids[0]!));
    expect(gone).toMatch(new RegExp(`^${ids[0]},acc_[0-9a-z]{26},,,${plan.id},`));
  });
});
