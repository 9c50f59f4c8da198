import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money } from '../../src/kernel/money.js';
import {
  billingSettingsKey,
  billingSettingsSchema,
  type IssueInput,
} from '../../src/modules/invoices/index.js';
import { aBrowser, type Browser } from '../support/browser.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { pdfText } from '../support/pdf.js';

const password = 'correct horse battery staple';

describe.each(dialects)('invoices on $name', (dialect) => {
  let t: TestApp;
  let payments = 0;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(() => t.close());

  const anInput = (overrides: Partial<IssueInput> = {}): IssueInput => ({
    paymentId: `pay_test_${dialect.name}_${++payments}`,
    accountId: 'acc_someone',
    subscriptionId: 'sub_someone',
    issuedAt: new Date('2026-11-15T06:00:00Z'),
    total: money(270_000, 'INR'),
    description: 'Smart Quarterly subscription',
    periodStart: new Date('2026-11-15T06:00:00Z'),
    periodEnd: new Date('2027-02-15T06:00:00Z'),
    buyer: { name: 'Asha Rao', email: 'asha@example.com', stateCode: '27' },
    ...overrides,
  });
  /** Issues in a transaction of its own, as the subscriptions module does. */
  const issue = (input: IssueInput) =>
    t.database.db.transaction().execute((trx) => t.services.invoices.issue(trx, input));

  it('numbers invoices 1, 2, 3 in a financial year and starts again at 1 in the next', async () => {
    const numbers = [];
    for (const at of ['2026-04-01T00:00:00+05:30', '2026-11-15T06:00:00Z', '2027-03-31T18:29:59Z']) {
      numbers.push((await issue(anInput({ issuedAt: new Date(at) }))).number);
    }
    const next = await issue(anInput({ issuedAt: new Date('2027-03-31T18:30:00Z') }));
    expect([...numbers, next.number]).toEqual([
      'INV2627-000001',
      'INV2627-000002',
      'INV2627-000003',
      'INV2728-000001',
    ]);
    expect(next).toMatchObject({ financialYear: '2027-28', sequence: 1 });
  });

  it('stores every figure, the seller and the buyer as issued', async () => {
    const input = anInput({ issuedAt: new Date('2028-05-01T06:00:00Z') });
    const invoice = await issue(input);
    expect(invoice).toEqual({
      id: expect.stringMatching(/^inv_[0-9a-z]{26}$/),
      number: 'INV2829-000001',
      financialYear: '2028-29',
      sequence: 1,
      accountId: 'acc_someone',
      paymentId: input.paymentId,
      subscriptionId: 'sub_someone',
      issuedAt: '2028-05-01T06:00:00.000Z',
      taxable: money(228_814, 'INR'),
      cgst: money(20_593, 'INR'),
      sgst: money(20_593, 'INR'),
      igst: money(0, 'INR'),
      tax: money(41_186, 'INR'),
      total: money(270_000, 'INR'),
      taxRateBp: 1800,
      taxInclusive: true,
      split: 'intra_state',
      placeOfSupply: { code: '27', name: 'Maharashtra' },
      seller: {
        legalName: 'The Daily Ledger Media Pvt Ltd',
        address: expect.stringContaining('Mumbai'),
        gstin: '27AABCD1234E1Z8',
        stateCode: '27',
        stateName: 'Maharashtra',
      },
      buyer: { name: 'Asha Rao', email: 'asha@example.com', stateCode: '27', stateName: 'Maharashtra' },
      lines: [
        {
          description: 'Smart Quarterly subscription',
          sac: '998431',
          periodStart: '2026-11-15T06:00:00.000Z',
          periodEnd: '2027-02-15T06:00:00.000Z',
          taxable: money(228_814, 'INR'),
          tax: money(41_186, 'INR'),
          total: money(270_000, 'INR'),
        },
      ],
    });
    expect(await t.services.invoices.get('acc_someone', invoice.id)).toEqual(invoice);
  });

  it("charges IGST to a reader in another state, and uses the publisher's state when the reader gave none", async () => {
    const elsewhere = await issue(
      anInput({
        total: money(90_000, 'INR'),
        buyer: { name: 'Ravi', email: 'ravi@example.com', stateCode: '29' },
      }),
    );
    expect(elsewhere).toMatchObject({
      split: 'inter_state',
      placeOfSupply: { code: '29', name: 'Karnataka' },
      taxable: money(76_271, 'INR'),
      cgst: money(0, 'INR'),
      sgst: money(0, 'INR'),
      igst: money(13_729, 'INR'),
    });
    const unknown = await issue(
      anInput({ total: money(90_000, 'INR'), buyer: { name: '', email: 'x@example.com', stateCode: null } }),
    );
    expect(unknown).toMatchObject({
      split: 'intra_state',
      placeOfSupply: { code: '27', name: 'Maharashtra' },
      cgst: money(6865, 'INR'),
      sgst: money(6864, 'INR'),
      buyer: { stateCode: null, stateName: null },
    });
  });

  it('gives 20 concurrent issues 20 distinct consecutive numbers', async () => {
    const issuedAt = new Date('2030-06-01T06:00:00Z');
    const invoices = await Promise.all(Array.from({ length: 20 }, () => issue(anInput({ issuedAt }))));
    expect(invoices.map((i) => i.sequence).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(new Set(invoices.map((i) => i.number)).size).toBe(20);
    expect(new Set(invoices.map((i) => i.id)).size).toBe(20);
  });

  it('returns the same invoice when a payment is issued twice, even at once, without skipping a number', async () => {
    const issuedAt = new Date('2031-06-01T06:00:00Z');
    const input = anInput({ issuedAt });
    const first = await issue(input);
    const again = await issue({ ...input, total: money(1, 'INR'), description: 'something else' });
    expect(again).toEqual(first);

    const racing = anInput({ issuedAt });
    const [a, b, c] = await Promise.all([issue(racing), issue(racing), issue(racing)]);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(a.sequence).toBe(2);
    // The racers that found the invoice gave their numbers back: the next one is 3.
    expect((await issue(anInput({ issuedAt }))).sequence).toBe(3);
  });

  it('takes no number when the payment it belongs to is rolled back', async () => {
    const issuedAt = new Date('2032-06-01T06:00:00Z');
    const input = anInput({ issuedAt });
    await expect(
      t.database.db.transaction().execute(async (trx) => {
        await t.services.invoices.issue(trx, input);
        throw new Error('the payment failed to record');
      }),
    ).rejects.toThrow('the payment failed to record');
    const invoice = await issue(input);
    expect(invoice.number).toBe('INV3233-000001');
  });

  it('snapshots the billing settings in force when it issues, and keeps what it issued', async () => {
    const issuedAt = new Date('2033-06-01T06:00:00Z');
    const before = await issue(anInput({ issuedAt }));
    const patch = (billing: object) =>
      t.app.inject({
        method: 'PATCH',
        url: '/api/admin/v1/settings',
        headers: t.admin,
        payload: { billing },
      });
    const refused = await patch({ gstin: '29AAGCB7383J1Z4' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.message).toBe(
      'billing.stateCode: the GSTIN 29AAGCB7383J1Z4 is registered in state 29, not 27',
    );
    const changed = await patch({
      legalName: 'Ledger Digital LLP',
      gstin: '29AAGCB7383J1Z4',
      stateCode: '29',
      taxRateBp: 500,
      invoicePrefix: 'LD',
    });
    expect(changed.statusCode).toBe(200);
    try {
      const after = await issue(anInput({ issuedAt }));
      expect(after).toMatchObject({
        number: 'LD3334-000002',
        taxRateBp: 500,
        split: 'inter_state', // the reader is in 27, the publisher now in 29
        taxable: money(257_143, 'INR'),
        igst: money(12_857, 'INR'),
        seller: { legalName: 'Ledger Digital LLP', gstin: '29AAGCB7383J1Z4', stateCode: '29' },
      });
      expect(await t.services.invoices.get('acc_someone', before.id)).toEqual(before);
    } finally {
      await t.services.settings.write(billingSettingsKey, billingSettingsSchema, {});
    }
  });

  describe('over HTTP', () => {
    let asha: Browser;
    let ashaId: string;
    let other: Browser;
    let invoiceId: string;
    let number: string;

    async function registered(email: string) {
      const browser = aBrowser(t.app);
      const response = await browser.send('POST', '/api/v1/auth/register', {
        email,
        password,
        name: 'Asha Rao',
      });
      expect(response.statusCode).toBe(201);
      return { browser, id: response.json().account.id as string };
    }

    beforeAll(async () => {
      ({ browser: asha, id: ashaId } = await registered(`asha-${dialect.name}@example.com`));
      ({ browser: other } = await registered(`other-${dialect.name}@example.com`));
      const invoice = await issue(
        anInput({
          accountId: ashaId,
          issuedAt: new Date('2034-07-01T06:00:00Z'),
          buyer: { name: 'Asha Rao', email: `asha-${dialect.name}@example.com`, stateCode: '27' },
        }),
      );
      invoiceId = invoice.id;
      number = invoice.number;
    });

    const privateAnswer = (response: LightMyRequestResponse) =>
      expect(response.headers['cache-control']).toBe('private, no-store');

    it("lists the reader's invoices as JSON", async () => {
      const response = await asha.get('/api/v1/invoices');
      expect(response.statusCode).toBe(200);
      privateAnswer(response);
      expect(response.json()).toEqual({
        creditNotes: [],
        invoices: [
          {
            id: invoiceId,
            number,
            issuedAt: '2034-07-01T06:00:00.000Z',
            total: { amount: 270_000, currency: 'INR' },
            taxable: { amount: 228_814, currency: 'INR' },
            cgst: { amount: 20_593, currency: 'INR' },
            sgst: { amount: 20_593, currency: 'INR' },
            igst: { amount: 0, currency: 'INR' },
            placeOfSupply: { code: '27', name: 'Maharashtra' },
            urls: {
              html: `${t.config.publicUrl}/api/v1/invoices/${invoiceId}?format=html`,
              pdf: `${t.config.publicUrl}/api/v1/invoices/${invoiceId}?format=pdf`,
            },
          },
        ],
      });
    });

    it('answers one invoice as JSON, HTML and PDF', async () => {
      const json = await asha.get(`/api/v1/invoices/${invoiceId}`);
      expect(json.statusCode).toBe(200);
      privateAnswer(json);
      expect(json.json().invoice).toMatchObject({
        id: invoiceId,
        number,
        financialYear: '2034-35',
        tax: { amount: 41_186, currency: 'INR' },
        taxRateBp: 1800,
        taxInclusive: true,
        split: 'intra_state',
        seller: { legalName: 'The Daily Ledger Media Pvt Ltd', gstin: '27AABCD1234E1Z8', stateCode: '27' },
        buyer: { name: 'Asha Rao', stateCode: '27', stateName: 'Maharashtra' },
        lines: [{ description: 'Smart Quarterly subscription', sac: '998431' }],
      });

      const html = await asha.get(`/api/v1/invoices/${invoiceId}?format=html`);
      expect(html.statusCode).toBe(200);
      privateAnswer(html);
      expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
      for (const text of [
        '<h1>Tax Invoice</h1>',
        number,
        'The Daily Ledger Media Pvt Ltd',
        '27AABCD1234E1Z8',
        '27-Maharashtra',
        'Asha Rao',
        '998431',
        'CGST @ 9%',
        'SGST @ 9%',
        '₹2,288.14',
        '₹205.93',
        '₹2,700',
        '1 July 2034',
      ])
        expect(html.body).toContain(text);
      expect(html.body).not.toContain('IGST');

      for (const response of [
        await asha.get(`/api/v1/invoices/${invoiceId}?format=pdf`),
        await t.app.inject({
          url: `/api/v1/invoices/${invoiceId}`,
          headers: {
            cookie: [...asha.jar].map(([k, v]) => `${k}=${v}`).join('; '),
            accept: 'application/pdf',
          },
        }),
      ]) {
        expect(response.statusCode).toBe(200);
        privateAnswer(response);
        expect(response.headers['content-type']).toBe('application/pdf');
        expect(response.headers['content-disposition']).toBe(`attachment; filename="${number}.pdf"`);
        expect(response.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
        const text = pdfText(response.rawPayload);
        for (const expected of [
          'Tax Invoice',
          number,
          'The Daily Ledger Media Pvt Ltd',
          'GSTIN: 27AABCD1234E1Z8',
          '27-Maharashtra',
          '998431',
          'CGST @ 9%',
          'INR 2,288.14',
          'INR 205.93',
          'INR 2,700.00',
        ])
          expect(text).toContain(expected);
      }
    });

    it('draws the buyer on the lines it has, whatever line breaks a stored name holds', async () => {
      // A name saved before names had to be one line: its line break must not add a line of its
      // own (a GSTIN the buyer does not have) to a tax document.
      const email = `ravi-${dialect.name}@example.com`;
      const ravi = await registered(email);
      const forged = await issue(
        anInput({
          accountId: ravi.id,
          issuedAt: new Date('2034-07-02T06:00:00Z'),
          buyer: { name: 'Asha Rao\nGSTIN: 29ABCDE1234F1Z5\u2028Karnataka', email, stateCode: '27' },
        }),
      );
      const response = await ravi.browser.get(`/api/v1/invoices/${forged.id}?format=pdf`);
      expect(response.statusCode).toBe(200);
      const lines = pdfText(response.rawPayload).split('\n');
      expect(lines.filter((line) => line.startsWith('GSTIN: 29ABCDE1234F1Z5'))).toEqual([]);
      expect(lines.some((line) => line.includes('Asha Rao GSTIN: 29ABCDE1234F1Z5 Karnataka'))).toBe(true);
    });

    it('serves the reader pages: the list, the printable invoice and its PDF', async () => {
      const list = await asha.get('/account/invoices');
      expect(list.statusCode).toBe(200);
      privateAnswer(list);
      expect(list.body).toContain(`href="/account/invoices/${invoiceId}"`);
      expect(list.body).toContain(number);

      const page = await asha.get(`/account/invoices/${invoiceId}`);
      expect(page.statusCode).toBe(200);
      privateAnswer(page);
      expect(page.body).toContain(number);
      expect(page.body).toContain(`href="/account/invoices/${invoiceId}.pdf"`);

      const pdf = await asha.get(`/account/invoices/${invoiceId}.pdf`);
      expect(pdf.statusCode).toBe(200);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      expect(pdf.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    });

    it('works with an app access token too', async () => {
      const login = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: `asha-${dialect.name}@example.com`, password, client: 'app' },
      });
      expect(login.statusCode).toBe(200);
      const authorization = `Bearer ${login.json().accessToken as string}`;
      const list = await t.app.inject({ url: '/api/v1/invoices', headers: { authorization } });
      expect(list.json().invoices.map((i: { id: string }) => i.id)).toEqual([invoiceId]);
    });

    it("does not show another reader's invoice, in any form", async () => {
      expect((await other.get('/api/v1/invoices')).json()).toEqual({ invoices: [], creditNotes: [] });
      for (const url of [
        `/api/v1/invoices/${invoiceId}`,
        `/api/v1/invoices/${invoiceId}?format=pdf`,
        `/api/v1/invoices/${invoiceId}?format=html`,
        `/account/invoices/${invoiceId}`,
        `/account/invoices/${invoiceId}.pdf`,
      ]) {
        const response = await other.get(url);
        expect(response.statusCode, url).toBe(404);
        expect(response.body).not.toContain(number);
      }
      expect((await other.get('/api/v1/invoices/inv_unknown')).json().error.code).toBe('not_found');
      expect((await asha.get('/account/invoices/not-an-invoice')).statusCode).toBe(404);
    });

    it('asks a signed-out caller to sign in', async () => {
      const stranger = aBrowser(t.app);
      for (const url of [
        '/api/v1/invoices',
        `/api/v1/invoices/${invoiceId}`,
        `/api/v1/invoices/${invoiceId}?format=pdf`,
      ]) {
        const response = await stranger.get(url);
        expect(response.statusCode, url).toBe(401);
        expect(response.json().error.code).toBe('unauthorized');
      }
      const page = await stranger.get(`/account/invoices/${invoiceId}`);
      expect(page.statusCode).toBe(303);
      expect(page.headers.location).toBe(`/login?returnTo=/account/invoices/${invoiceId}`);
      expect((await stranger.get('/account/invoices')).headers.location).toBe(
        '/login?returnTo=/account/invoices',
      );
    });

    it('refuses an unknown format', async () => {
      const response = await asha.get(`/api/v1/invoices/${invoiceId}?format=docx`);
      expect(response.statusCode).toBe(422);
    });
  });
});
