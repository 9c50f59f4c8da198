import { z } from 'zod';
import type { CreditNoteRow } from '../../db/schema.js';
import { money, type Money } from '../../kernel/money.js';
import type { InvoiceView } from './domain.js';
import { periodText } from './format.js';
import { roundHalfUp, type SplitKind } from './tax.js';

/**
 * A GST credit note (CGST Act s.34): the tax document of a refund, against the invoice of the
 * refunded payment. It reverses that invoice's taxable value and GST in proportion to the amount
 * refunded. Every figure is stored as issued; the supplier, the buyer, the place of supply and
 * the rate are the invoice's (a credit note corrects that supply, it is not a new one).
 */
export interface CreditNoteView {
  readonly id: string;
  /** `CN2627-000001`: a series of its own, apart from the invoices'. */
  readonly number: string;
  readonly financialYear: string;
  readonly sequence: number;
  readonly refundId: string;
  readonly paymentId: string;
  readonly accountId: string;
  /** ISO 8601 UTC. */
  readonly issuedAt: string;
  readonly reason: string;
  readonly taxable: Money;
  readonly cgst: Money;
  readonly sgst: Money;
  readonly igst: Money;
  /** cgst + sgst + igst. */
  readonly tax: Money;
  /** What was refunded: taxable + tax. */
  readonly total: Money;
  /** The invoice it credits, as issued. */
  readonly invoice: InvoiceView;
}

/** A credit note's figures in minor units. */
export interface CreditParts {
  readonly taxableMinor: number;
  readonly cgstMinor: number;
  readonly sgstMinor: number;
  readonly igstMinor: number;
  readonly totalMinor: number;
}

export const noCredit: CreditParts = {
  taxableMinor: 0,
  cgstMinor: 0,
  sgstMinor: 0,
  igstMinor: 0,
  totalMinor: 0,
};

export function addParts(a: CreditParts, b: CreditParts): CreditParts {
  return {
    taxableMinor: a.taxableMinor + b.taxableMinor,
    cgstMinor: a.cgstMinor + b.cgstMinor,
    sgstMinor: a.sgstMinor + b.sgstMinor,
    igstMinor: a.igstMinor + b.igstMinor,
    totalMinor: a.totalMinor + b.totalMinor,
  };
}

/**
 * The figures of a credit note for `amountMinor` against an invoice, given what earlier credit
 * notes on it already credited (`before`). Pure and integer-exact.
 *
 * The rule works on the running total rather than on each note alone: after this note,
 * `credited = before.total + amount`, its taxable value `roundHalfUp(invoice taxable × credited
 * / invoice total)`, its tax the rest, split as the invoice split it (CGST takes the odd paisa,
 * `ceil(tax / 2)`; or all IGST). This note is the running figures less `before`. So each note's
 * parts add up to its amount exactly, no part is ever negative (each running figure only grows
 * with the amount), and the notes of a fully refunded invoice add up to the invoice exactly —
 * rounding each note on its own could leave a paisa over or short.
 *
 * A RangeError for an amount that is not a positive whole number or that would credit more than
 * the invoice: the caller (the refund's reservation on the payment) must never let that happen.
 */
export function creditNoteParts(
  invoice: { readonly totalMinor: number; readonly taxableMinor: number; readonly split: SplitKind },
  before: CreditParts,
  amountMinor: number,
): CreditParts {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) {
    throw new RangeError(`A credit note is for a positive whole amount, got ${amountMinor}.`);
  }
  const credited = before.totalMinor + amountMinor;
  if (credited > invoice.totalMinor) {
    throw new RangeError(
      `Credit notes of ${credited} would exceed the invoice's total of ${invoice.totalMinor}.`,
    );
  }
  const total = BigInt(invoice.totalMinor);
  const taxable = roundHalfUp(BigInt(invoice.taxableMinor) * BigInt(credited), total);
  const tax = BigInt(credited) - taxable;
  const cgst = invoice.split === 'intra_state' ? (tax + 1n) / 2n : 0n;
  const sgst = invoice.split === 'intra_state' ? tax - cgst : 0n;
  const igst = invoice.split === 'inter_state' ? tax : 0n;
  return {
    taxableMinor: Number(taxable) - before.taxableMinor,
    cgstMinor: Number(cgst) - before.cgstMinor,
    sgstMinor: Number(sgst) - before.sgstMinor,
    igstMinor: Number(igst) - before.igstMinor,
    totalMinor: amountMinor,
  };
}

export const partsOfRow = (row: CreditNoteRow): CreditParts => ({
  taxableMinor: row.taxable_minor,
  cgstMinor: row.cgst_minor,
  sgstMinor: row.sgst_minor,
  igstMinor: row.igst_minor,
  totalMinor: row.total_minor,
});

const reasonText = z.string().min(1);

export function creditNoteFromRow(row: CreditNoteRow, invoice: InvoiceView): CreditNoteView {
  const amount = (minor: number) => money(minor, row.currency);
  const cgst = amount(row.cgst_minor);
  const sgst = amount(row.sgst_minor);
  const igst = amount(row.igst_minor);
  return {
    id: row.id,
    number: row.number,
    financialYear: row.financial_year,
    sequence: row.sequence,
    refundId: row.refund_id,
    paymentId: row.payment_id,
    accountId: row.account_id,
    issuedAt: row.issued_at,
    reason: reasonText.parse(row.reason),
    taxable: amount(row.taxable_minor),
    cgst,
    sgst,
    igst,
    tax: amount(cgst.amountMinor + sgst.amountMinor + igst.amountMinor),
    total: amount(row.total_minor),
    invoice,
  };
}

/** The one line of a credit note: the invoice's first line's description and SAC. */
export function creditNoteLine(note: CreditNoteView) {
  const first = note.invoice.lines[0];
  return {
    description: `${note.reason}: ${first?.description ?? note.invoice.number}`,
    period: first ? periodText(first) : undefined,
    sac: first?.sac ?? '',
    taxable: note.taxable,
    tax: note.tax,
    total: note.total,
  };
}
