import type { Money } from '../../kernel/money.js';
import type { CreditNoteView } from './credit-notes.js';
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

/** Where a credit note can be fetched: the reader's own URLs, and the staff's. */
export function creditNoteUrls(publicUrl: string, note: Pick<CreditNoteView, 'id'>) {
  const reader = `${publicUrl}/api/v1/credit-notes/${note.id}`;
  const staff = `${publicUrl}/api/admin/v1/credit-notes/${note.id}`;
  return {
    html: `${reader}?format=html`,
    pdf: `${reader}?format=pdf`,
    staff: { html: `${staff}?format=html`, pdf: `${staff}?format=pdf` },
  };
}

/** A credit note with its figures, the invoice it credits and its URLs; amounts in minor units. */
export function creditNoteJson(note: CreditNoteView, publicUrl: string) {
  return {
    id: note.id,
    number: note.number,
    financialYear: note.financialYear,
    issuedAt: note.issuedAt,
    refundId: note.refundId,
    paymentId: note.paymentId,
    reason: note.reason,
    invoice: { id: note.invoice.id, number: note.invoice.number, issuedAt: note.invoice.issuedAt },
    taxable: moneyJson(note.taxable),
    cgst: moneyJson(note.cgst),
    sgst: moneyJson(note.sgst),
    igst: moneyJson(note.igst),
    tax: moneyJson(note.tax),
    total: moneyJson(note.total),
    taxRateBp: note.invoice.taxRateBp,
    split: note.invoice.split,
    placeOfSupply: note.invoice.placeOfSupply,
    urls: creditNoteUrls(publicUrl, note),
  };
}
