import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSignedInReader, aSubscriber } from '../support/billing.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { signedInStaff, type StaffBrowser } from '../support/staff-browser.js';

// The support desk's admin pages: search, one reader's page, and each of its forms.
describe.each(dialects)('the readers admin pages on $name', (dialect) => {
  let t: TestApp;
  let support: StaffBrowser;
  let editor: StaffBrowser;

  beforeAll(async () => {
    t = await buildTestApp(dialect, { at: '2026-11-15T06:00:00.000Z' });
    support = await signedInStaff(t, 'support');
    editor = await signedInStaff(t, 'editor');
  });
  afterAll(() => t.close());

  it('finds a reader and shows their page to support, and refuses an editor', async () => {
    const reader = await aSubscriber(t);
    const found = await support.get(`/admin/readers?q=${encodeURIComponent(reader.email)}`);
    expect(found.statusCode).toBe(200);
    expect(found.body).toContain(`href="/admin/readers/${reader.accountId}"`);
    expect(found.body).toContain('href="/admin/readers"');
    const page = await support.get(`/admin/readers/${reader.accountId}`);
    expect(page.statusCode).toBe(200);
    for (const part of ['Subscription', 'Payments', 'Invoices', 'Devices', 'Meter', 'Event history'])
      expect(page.body).toContain(`<h2>${part}</h2>`);
    expect(page.body).toContain('data-status="active"');
    expect(page.body).toContain(`/admin/readers/${reader.accountId}/export`);

    expect((await editor.get('/admin/readers')).statusCode).toBe(403);
    expect((await editor.get(`/admin/readers/${reader.accountId}`)).statusCode).toBe(403);
    expect((await editor.post(`/admin/readers/${reader.accountId}/sign-out`, {})).statusCode).toBe(403);
    expect((await support.get(`/admin/readers/acc_${'0'.repeat(26)}`)).statusCode).toBe(404);
  });

  it('comps through the form, and the reader is entitled at once; bad input shows why', async () => {
    const reader = await aSignedInReader(t);
    const comped = await support.post(`/admin/readers/${reader.accountId}/comp`, {
      benefits: 'epaper',
      days: '30',
    });
    expect(comped.statusCode, comped.body.slice(0, 300)).toBe(303);
    expect((await support.get(comped.headers.location as string)).body).toContain('Comp granted');
    expect((await reader.browser.get('/api/v1/me')).json().entitlements).toEqual(['epaper']);

    const refused = await support.post(`/admin/readers/${reader.accountId}/comp`, { days: '30' });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('name a planId or benefits');
  });

  it('refunds part of a payment, then the rest, through the form; each has a credit note; never more', async () => {
    const reader = await aSubscriber(t);
    const base = `/admin/readers/${reader.accountId}`;
    const [payment] = (await t.services.billing.payments(reader.accountId)).filter(
      (p) => p.status === 'succeeded',
    );
    expect(payment).toBeDefined();
    const page = await support.get(base);
    expect(page.body).toContain(`action="${base}/payments/${payment!.id}/refund"`);

    const notAnAmount = await support.post(`${base}/payments/${payment!.id}/refund`, { amount: '-5' });
    expect(notAnAmount.statusCode).toBe(422);
    expect(notAnAmount.body).toContain('is not an amount');

    const part = await support.post(`${base}/payments/${payment!.id}/refund`, { amount: '100.50' });
    expect(part.statusCode, part.body.slice(0, 300)).toBe(303);
    const shown = await support.get(part.headers.location as string);
    expect(shown.body).toContain('Refunded through the payment gateway');
    const note = /\/api\/admin\/v1\/credit-notes\/(crn_[0-9a-z]{26})/.exec(shown.body)?.[1];
    expect(note).toBeDefined();
    const credit = await support.get(`/api/admin/v1/credit-notes/${note}?format=html`);
    expect(credit.statusCode).toBe(200);

    const tooMuch = await support.post(`${base}/payments/${payment!.id}/refund`, {
      amount: String(payment!.amount.amountMinor / 100),
    });
    expect(tooMuch.statusCode).toBe(422);
    const rest = await support.post(`${base}/payments/${payment!.id}/refund`, { amount: '' });
    expect(rest.statusCode).toBe(303);
    const refunds = await t.services.billing.refundsBetween(
      '2000-01-01T00:00:00.000Z',
      '2100-01-01T00:00:00.000Z',
    );
    const ofPayment = refunds.filter((r) => r.paymentId === payment!.id);
    expect(ofPayment.map((r) => r.amountMinor).sort((a, b) => a - b)).toEqual(
      [10_050, payment!.amount.amountMinor - 10_050].sort((a, b) => a - b),
    );
    // Another reader's payment cannot be refunded through this reader's page.
    const other = await aSubscriber(t);
    const [theirs] = await t.services.billing.payments(other.accountId);
    expect((await support.post(`${base}/payments/${theirs!.id}/refund`, {})).statusCode).toBe(404);
    expect((await editor.post(`${base}/payments/${payment!.id}/refund`, {})).statusCode).toBe(403);
  });

  it('extends, resends a receipt, cancels at period end and now, signs out, exports and deletes', async () => {
    const reader = await aSubscriber(t);
    const base = `/admin/readers/${reader.accountId}`;
    const before = (await t.services.billing.subscription(reader.accountId))!;
    expect((await support.post(`${base}/extend`, { days: '7' })).statusCode).toBe(303);
    const after = (await t.services.billing.subscription(reader.accountId))!;
    expect(Date.parse(after.currentPeriodEnd) - Date.parse(before.currentPeriodEnd)).toBe(7 * 86_400_000);
    expect((await support.post(`${base}/extend`, { days: '400' })).statusCode).toBe(422);

    const [invoice] = await t.services.invoices.list(reader.accountId);
    expect((await support.post(`${base}/receipt`, { invoiceId: invoice!.id })).statusCode).toBe(303);
    const receipts = (await t.services.mail.sentTo(reader.email)).filter((m) => m.template === 'receipt');
    expect(receipts).toHaveLength(2);

    const refusedDelete = await support.post(`${base}/delete`, { confirm: 'yes' });
    expect(refusedDelete.statusCode).toBe(409);
    expect((await support.post(`${base}/delete`, {})).statusCode).toBe(422);

    expect((await support.post(`${base}/cancel`, { when: 'period_end' })).statusCode).toBe(303);
    expect((await t.services.billing.subscription(reader.accountId))!.status).toBe('canceling');
    expect((await support.post(`${base}/cancel`, { when: 'now' })).statusCode).toBe(303);
    expect((await t.services.billing.subscription(reader.accountId))!.status).toBe('expired');

    expect((await support.post(`${base}/sign-out`, {})).statusCode).toBe(303);
    expect((await reader.browser.get('/api/v1/me')).statusCode).toBe(401);

    const exported = await support.get(`${base}/export`);
    expect(exported.statusCode).toBe(200);
    expect(exported.headers['content-disposition']).toContain('attachment');
    expect(JSON.parse(exported.body).account.id).toBe(reader.accountId);

    const deleted = await support.post(`${base}/delete`, { confirm: 'yes' });
    expect(deleted.statusCode).toBe(303);
    expect((await support.get(deleted.headers.location as string)).body).toContain('account is deleted');
    expect(await t.services.accounts.account(reader.accountId)).toBeUndefined();
  });
});
