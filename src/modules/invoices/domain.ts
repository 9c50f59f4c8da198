import { z } from 'zod';
import type { InvoiceRow } from '../../db/schema.js';
import { money, type Money } from '../../kernel/money.js';
import type { SplitKind } from './tax.js';

/** The publisher as supplier, as it stood when the invoice was issued. */
export interface Seller {
  readonly legalName: string;
  /** Lines separated by newlines. */
  readonly address: string;
  /** Null when the publisher was not registered for GST (then no tax was charged). */
  readonly gstin: string | null;
  readonly stateCode: string;
  readonly stateName: string;
}

/** The reader as recipient, as they stood when the invoice was issued. */
export interface Buyer {
  readonly name: string;
  readonly email: string;
  /** Null when the reader gave no state; the place of supply is then the publisher's. */
  readonly stateCode: string | null;
  readonly stateName: string | null;
}

export interface InvoiceLine {
  readonly description: string;
  /** Services Accounting Code. */
  readonly sac: string;
  /** The period the payment covers (ISO 8601), when it is a subscription period. */
  readonly periodStart: string | null;
  readonly periodEnd: string | null;
  readonly taxable: Money;
  readonly tax: Money;
  readonly total: Money;
}

/** A GST invoice as the rest of Masthead sees it: every figure as issued, never recomputed. */
export interface InvoiceView {
  readonly id: string;
  /** `INV2627-000001`. */
  readonly number: string;
  /** `2026-27`. */
  readonly financialYear: string;
  readonly sequence: number;
  readonly accountId: string;
  readonly paymentId: string;
  readonly subscriptionId: string | null;
  /** ISO 8601 UTC. */
  readonly issuedAt: string;
  readonly taxable: Money;
  readonly cgst: Money;
  readonly sgst: Money;
  readonly igst: Money;
  /** cgst + sgst + igst. */
  readonly tax: Money;
  /** What the reader paid. */
  readonly total: Money;
  /** Basis points: 1800 is 18%. */
  readonly taxRateBp: number;
  /** Whether the price the reader saw included GST. */
  readonly taxInclusive: boolean;
  readonly split: SplitKind;
  readonly placeOfSupply: { readonly code: string; readonly name: string };
  readonly seller: Seller;
  readonly buyer: Buyer;
  readonly lines: readonly InvoiceLine[];
}

// The JSON columns as written by `service.ts`. Parsing them (rather than casting) means a
// damaged row fails loudly here instead of rendering `undefined` on a tax document.
export const sellerJson = z.object({
  legalName: z.string(),
  address: z.string(),
  gstin: z.string().nullable(),
  stateCode: z.string(),
  stateName: z.string(),
});
export const buyerJson = z.object({
  name: z.string(),
  email: z.string(),
  stateCode: z.string().nullable(),
  stateName: z.string().nullable(),
});
export const linesJson = z.array(
  z.object({
    description: z.string(),
    sac: z.string(),
    periodStart: z.string().nullable(),
    periodEnd: z.string().nullable(),
    taxableMinor: z.number().int(),
    taxMinor: z.number().int(),
    totalMinor: z.number().int(),
  }),
);

/** `27-Maharashtra` → code and name. */
function parsePlace(text: string): { code: string; name: string } {
  const dash = text.indexOf('-');
  if (dash < 1) throw new Error(`Unreadable place of supply "${text}".`);
  return { code: text.slice(0, dash), name: text.slice(dash + 1) };
}

export function invoiceFromRow(row: InvoiceRow): InvoiceView {
  const seller = sellerJson.parse(JSON.parse(row.seller));
  const buyer = buyerJson.parse(JSON.parse(row.buyer));
  const lines = linesJson.parse(JSON.parse(row.lines));
  const place = parsePlace(row.place_of_supply);
  // money() refuses anything but a safe integer: bigint columns arrive as numbers (db/database.ts).
  const amount = (minor: number) => money(minor, row.currency);
  const cgst = amount(row.cgst_minor);
  const sgst = amount(row.sgst_minor);
  const igst = amount(row.igst_minor);
  return {
    id: row.id,
    number: row.number,
    financialYear: row.financial_year,
    sequence: row.sequence,
    accountId: row.account_id,
    paymentId: row.payment_id,
    subscriptionId: row.subscription_id,
    issuedAt: row.issued_at,
    taxable: amount(row.taxable_minor),
    cgst,
    sgst,
    igst,
    tax: amount(cgst.amountMinor + sgst.amountMinor + igst.amountMinor),
    total: amount(row.total_minor),
    taxRateBp: row.tax_rate_bp,
    taxInclusive: row.tax_inclusive === 1,
    split: place.code === seller.stateCode ? 'intra_state' : 'inter_state',
    placeOfSupply: place,
    seller,
    buyer,
    lines: lines.map((line) => ({
      description: line.description,
      sac: line.sac,
      periodStart: line.periodStart,
      periodEnd: line.periodEnd,
      taxable: amount(line.taxableMinor),
      tax: amount(line.taxMinor),
      total: amount(line.totalMinor),
    })),
  };
}
