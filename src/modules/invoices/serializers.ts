import type { Money } from '../../kernel/money.js';
import type { InvoiceView } from './domain.js';
import { invoiceTimeZone, servicePeriod } from './format.js';

const moneyJson = (value: Money) => ({ amount: value.amountMinor, currency: value.currency });

/** Where an invoice can be fetched as a page and as a PDF: the API's own URLs, for either kind of session. */
export function invoiceUrls(publicUrl: string, invoice: InvoiceView) {
  const base = `${publicUrl}/api/v1/invoices/${invoice.id}`;
  return { html: `${base}?format=html`, pdf: `${base}?format=pdf` };
}

/** An invoice in a list; amounts in minor units. */
export function invoiceSummaryJson(invoice: InvoiceView, publicUrl: string) {
  return {
    id: invoice.id,
    number: invoice.number,
    issuedAt: invoice.issuedAt,
    total: moneyJson(invoice.total),
    taxable: moneyJson(invoice.taxable),
    cgst: moneyJson(invoice.cgst),
    sgst: moneyJson(invoice.sgst),
    igst: moneyJson(invoice.igst),
    placeOfSupply: invoice.placeOfSupply,
    urls: invoiceUrls(publicUrl, invoice),
  };
}

/** One invoice with every field it was issued with. */
export function invoiceJson(invoice: InvoiceView, publicUrl: string) {
  return {
    ...invoiceSummaryJson(invoice, publicUrl),
    financialYear: invoice.financialYear,
    paymentId: invoice.paymentId,
    subscriptionId: invoice.subscriptionId,
    tax: moneyJson(invoice.tax),
    taxRateBp: invoice.taxRateBp,
    taxInclusive: invoice.taxInclusive,
    split: invoice.split,
    seller: invoice.seller,
    buyer: invoice.buyer,
    lines: invoice.lines.map((line) => ({
      description: line.description,
      sac: line.sac,
      periodStart: line.periodStart,
      periodEnd: line.periodEnd,
      // The days the invoice states, as its HTML and PDF print them.
      servicePeriod: servicePeriodJson(line),
      taxable: moneyJson(line.taxable),
      tax: moneyJson(line.tax),
      total: moneyJson(line.total),
    })),
  };
}

function servicePeriodJson(line: InvoiceView['lines'][number]) {
  const period = servicePeriod(line);
  return period && { ...period, timeZone: invoiceTimeZone };
}
