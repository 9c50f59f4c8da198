import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSubscriber, signInAgain } from '../support/billing.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { pdfText } from '../support/pdf.js';

// A payment at 20:00 UTC on 1 December is 01:30 on 2 December in India, the invoice's time
// zone: the year it buys is 2 December 2026 – 1 December 2027 there. The invoice used to state
// the UTC days as well ("2026-12-01 to 2027-11-30") beside the Indian ones: two periods on one
// invoice, for every payment made between 18:30 and 24:00 UTC.

const paidAt = '2026-12-01T20:00:00.000Z';
const period = '2 December 2026 – 1 December 2027';
/** The other period the invoice must not state, in any of the forms it could take. */
const otherDays = ['2026-12-01', '2027-11-30', '1 December 2026', '30 November 2027', '2 December 2027'];

describe.each(dialects)('the service period on an invoice, on $name', (dialect) => {
  let t: TestApp;
  let reader: Awaited<ReturnType<typeof aSubscriber>>;
  let invoiceId: string;

  beforeAll(async () => {
    t = await buildTestApp(dialect, { at: paidAt });
    reader = await aSubscriber(t, { plan: 'smart-essential' });
    const list = await reader.browser.get('/api/v1/invoices');
    expect(list.statusCode).toBe(200);
    invoiceId = list.json().invoices[0].id;
  });
  afterAll(() => t?.close());

  it('is one period of days in the invoice time zone in the API', async () => {
    const response = await reader.browser.get(`/api/v1/invoices/${invoiceId}`);
    expect(response.statusCode).toBe(200);
    const [line, ...others] = response.json().invoice.lines;
    expect(others).toEqual([]);
    expect(line).toMatchObject({
      description: 'Smart Essential subscription',
      periodStart: paidAt,
      periodEnd: '2027-12-01T20:00:00.000Z',
      servicePeriod: { firstDay: '2026-12-02', lastDay: '2027-12-01', timeZone: 'Asia/Kolkata' },
    });
    for (const day of otherDays) expect(line.description).not.toContain(day);
  });

  it('is the same single period on the HTML invoice', async () => {
    const response = await reader.browser.get(`/api/v1/invoices/${invoiceId}?format=html`);
    expect(response.statusCode).toBe(200);
    // What the page says (a `datetime` attribute holds the payment's UTC instant, for machines).
    const text = response.body.replace(/<[^>]*>/g, ' ');
    expect(text).toContain(period);
    expect(text.split(period)).toHaveLength(2);
    for (const day of otherDays) expect(text).not.toContain(day);
  });

  it('is the same single period in the PDF', async () => {
    const response = await reader.browser.get(`/api/v1/invoices/${invoiceId}?format=pdf`);
    expect(response.statusCode).toBe(200);
    const text = pdfText(response.rawPayload);
    expect(text).toContain(period);
    expect(text.split(period)).toHaveLength(2);
    for (const day of otherDays) expect(text).not.toContain(day);
  });

  it('tiles with the renewal: the next invoice starts the day after this one ends', async () => {
    // The pre-debit reminder three days before, then the renewal itself.
    t.clock.set('2027-11-28T20:00:00.000Z');
    await t.services.billing.runSweep();
    t.clock.set('2027-12-01T20:00:00.000Z');
    expect(await t.services.billing.runSweep()).toMatchObject({ charged: 1 });
    await signInAgain(reader.browser, reader.email);
    const list = await reader.browser.get('/api/v1/invoices');
    const renewal = list.json().invoices.find((invoice: { id: string }) => invoice.id !== invoiceId);
    expect(renewal).toBeDefined();
    const response = await reader.browser.get(`/api/v1/invoices/${renewal.id}`);
    expect(response.json().invoice.lines[0].servicePeriod).toEqual({
      firstDay: '2027-12-02',
      lastDay: '2028-12-01',
      timeZone: 'Asia/Kolkata',
    });
  });
});
