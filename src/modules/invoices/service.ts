import type { Kysely } from 'kysely';
import type { CreditNoteRow, Database } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { newId } from '../../kernel/ids.js';
import { noCache } from '../../kernel/ttl-cache.js';
import type { Money } from '../../kernel/money.js';
import { createSettingsStore, type SettingsStore } from '../settings/index.js';
import { invoiceFromRow, type Buyer, type InvoiceView, type Seller } from './domain.js';
import {
  addParts,
  creditNoteFromRow,
  creditNoteParts,
  noCredit,
  partsOfRow,
  type CreditNoteView,
} from './credit-notes.js';
import { financialYear, invoiceNumber } from './numbering.js';
import {
  insertCreditNote,
  selectCreditNoteById,
  selectCreditNoteByRefund,
  selectCreditNotesOfInvoice,
  selectInvoiceById,
  selectInvoicesByIds,
  selectOwnCreditNotes,
  takeCreditNoteSequence,
  insertInvoice,
  returnSequence,
  selectAccountOfNumber,
  selectInvoiceByPayment,
  selectOwnInvoice,
  selectOwnInvoices,
  takeSequence,
} from './queries.js';
import { readBillingSettings, type BillingSettings } from './settings.js';
import { isStateCode, stateLabel, stateName } from './states.js';
import { grossUp, placeOfSupply, splitGst, type TaxTerms } from './tax.js';

/** What the subscriptions module knows about a successful payment when it asks for its invoice. */
export interface IssueInput {
  readonly paymentId: string;
  readonly accountId: string;
  readonly subscriptionId: string | null;
  readonly issuedAt: Date;
  /** What was charged, GST included. */
  readonly total: Money;
  /** The line's text, e.g. "Smart Quarterly subscription". */
  readonly description: string;
  readonly periodStart?: Date | undefined;
  readonly periodEnd?: Date | undefined;
  readonly buyer: {
    readonly name: string;
    readonly email: string;
    /** The reader's GST state code, or null when they gave none. */
    readonly stateCode: string | null;
  };
}

/** What the subscriptions module knows about a refund when it asks for its credit note. */
export interface CreditNoteInput {
  readonly refundId: string;
  /** The refunded payment: its invoice is the one credited. */
  readonly paymentId: string;
  readonly issuedAt: Date;
  /** What was refunded, GST included. */
  readonly total: Money;
  /** Why, in a few words, e.g. "Refund". */
  readonly reason: string;
}

/** GST invoices: one per successful payment, numbered per financial year; credit notes for refunds. */
export interface InvoiceService {
  /**
   * Issues the invoice of a payment inside the caller's transaction `trx` (so the invoice and
   * its number exist exactly when the payment does). Idempotent per payment: a second call
   * returns the invoice the first issued, whatever its input.
   *
   * Everything is read through `trx`: on SQLite the caller's transaction holds the only
   * connection, so a read through another handle would wait for it forever.
   */
  issue(trx: Kysely<Database>, input: IssueInput): Promise<InvoiceView>;
  /** The account's invoices, newest first. */
  list(accountId: string): Promise<InvoiceView[]>;
  /** The account an invoice number was issued to (numbers compared case-insensitively), for support's search. */
  accountOfNumber(number: string): Promise<string | undefined>;
  /** One of the account's invoices; undefined for an unknown id or another account's invoice. */
  get(accountId: string, invoiceId: string): Promise<InvoiceView | undefined>;
  /** The publisher's GST details, tax terms and invoice prefix, as configured now. */
  billingSettings(): Promise<BillingSettings>;
  /** How prices are taxed now, for `grossUp` at checkout and renewal. */
  taxTerms(): Promise<TaxTerms>;
  /** What the reader pays for `price` under `terms` (the tax added, unless prices include it). */
  grossUp(price: Money, terms: TaxTerms): Money;
  /** The account's invoices as its data export describes them, newest first. */
  exportOf(accountId: string): Promise<InvoiceExport[]>;

  /**
   * Issues the credit note of a refund inside the caller's transaction `trx`, against the
   * refunded payment's invoice, numbered in the credit notes' own series (so it exists exactly
   * when the refund is booked). Its GST is the invoice's reversed in proportion (see
   * `creditNoteParts`). Idempotent per refund. Throws (a bug in the caller) when the payment has
   * no invoice or the credit would exceed it.
   */
  issueCreditNote(trx: Kysely<Database>, input: CreditNoteInput): Promise<CreditNoteView>;
  /** The account's credit notes, newest first. */
  creditNotes(accountId: string): Promise<CreditNoteView[]>;
  /** One of the account's credit notes; undefined for an unknown id or another account's. */
  creditNote(accountId: string, creditNoteId: string): Promise<CreditNoteView | undefined>;
  /** Any credit note, for the staff; undefined for an unknown id. */
  creditNoteForStaff(creditNoteId: string): Promise<CreditNoteView | undefined>;
}

/** One invoice in a reader's data export (the document itself stays downloadable). */
export interface InvoiceExport {
  readonly id: string;
  readonly number: string;
  readonly issuedAt: string;
  readonly total: { readonly amount: number; readonly currency: string };
}

export function createInvoiceService(deps: {
  db: Kysely<Database>;
  clock: Clock;
  settings: SettingsStore;
}): InvoiceService {
  const { db, clock, settings } = deps;

  return {
    async issue(trx, input) {
      const existing = await selectInvoiceByPayment(trx, input.paymentId);
      if (existing) return invoiceFromRow(existing);
      checkInput(input);

      // A store of our own over `trx`, with nothing cached: the settings in force now.
      const billing = await readBillingSettings(createSettingsStore({ db: trx, clock, cache: noCache() }));
      const seller: Seller = {
        legalName: billing.legalName,
        address: billing.address,
        gstin: billing.gstin,
        stateCode: billing.stateCode,
        stateName: stateName(billing.stateCode) ?? billing.stateCode,
      };
      const buyer: Buyer = {
        name: input.buyer.name,
        email: input.buyer.email,
        stateCode: input.buyer.stateCode,
        stateName: input.buyer.stateCode === null ? null : (stateName(input.buyer.stateCode) ?? null),
      };
      const place = placeOfSupply(input.buyer.stateCode, billing.stateCode);
      const split = splitGst(input.total, {
        rateBp: billing.taxRateBp,
        supplierState: billing.stateCode,
        placeOfSupply: place,
      });

      const fy = financialYear(input.issuedAt);
      const sequence = await takeSequence(trx, fy);
      // On PostgreSQL a racing issue for the same payment may have committed while we waited
      // for the sequence row: look again before using the number, and give it back if so.
      const raced = await selectInvoiceByPayment(trx, input.paymentId);
      if (raced) {
        await returnSequence(trx, fy, sequence);
        return invoiceFromRow(raced);
      }

      const id = newId('inv');
      const inserted = await insertInvoice(trx, {
        id,
        number: invoiceNumber(billing.invoicePrefix, fy, sequence),
        financial_year: fy,
        sequence,
        payment_id: input.paymentId,
        account_id: input.accountId,
        subscription_id: input.subscriptionId,
        issued_at: input.issuedAt.toISOString(),
        currency: input.total.currency,
        taxable_minor: split.taxable.amountMinor,
        cgst_minor: split.cgst.amountMinor,
        sgst_minor: split.sgst.amountMinor,
        igst_minor: split.igst.amountMinor,
        total_minor: split.total.amountMinor,
        tax_rate_bp: billing.taxRateBp,
        tax_inclusive: billing.taxInclusive ? 1 : 0,
        place_of_supply: stateLabel(place),
        seller: JSON.stringify(seller),
        buyer: JSON.stringify(buyer),
        lines: JSON.stringify([
          {
            description: input.description,
            sac: billing.sac,
            periodStart: input.periodStart?.toISOString() ?? null,
            periodEnd: input.periodEnd?.toISOString() ?? null,
            taxableMinor: split.taxable.amountMinor,
            taxMinor: split.tax.amountMinor,
            totalMinor: split.total.amountMinor,
          },
        ]),
      });
      if (!inserted) await returnSequence(trx, fy, sequence);
      const row = await selectInvoiceByPayment(trx, input.paymentId);
      if (!row) throw new Error(`The invoice of payment ${input.paymentId} vanished while it was issued.`);
      return invoiceFromRow(row);
    },

    async list(accountId) {
      return (await selectOwnInvoices(db, accountId)).map(invoiceFromRow);
    },

    async accountOfNumber(number) {
      const row = await selectAccountOfNumber(db, number.trim().toUpperCase());
      return row?.account_id;
    },

    async get(accountId, invoiceId) {
      const row = await selectOwnInvoice(db, accountId, invoiceId);
      return row && invoiceFromRow(row);
    },

    billingSettings: () => readBillingSettings(settings),

    async taxTerms() {
      const billing = await readBillingSettings(settings);
      return { rateBp: billing.taxRateBp, inclusive: billing.taxInclusive };
    },
    grossUp,

    async issueCreditNote(trx, input) {
      const existing = await selectCreditNoteByRefund(trx, input.refundId);
      if (existing) return withInvoice(trx, existing);
      const invoiceRow = await selectInvoiceByPayment(trx, input.paymentId);
      if (!invoiceRow) throw new Error(`Payment ${input.paymentId} has no invoice to credit.`);
      const invoice = invoiceFromRow(invoiceRow);
      if (input.total.currency !== invoice.total.currency) {
        throw new RangeError(
          `A credit note in ${input.total.currency} against an invoice in ${invoice.total.currency}.`,
        );
      }
      const billing = await readBillingSettings(createSettingsStore({ db: trx, clock, cache: noCache() }));
      const fy = financialYear(input.issuedAt);
      // The sequence first: its row lock makes racing credit notes wait for each other (on
      // PostgreSQL), so the earlier notes read next include every committed one.
      const sequence = await takeCreditNoteSequence(trx, fy);
      const before = (await selectCreditNotesOfInvoice(trx, invoice.id))
        .map(partsOfRow)
        .reduce(addParts, noCredit);
      const parts = creditNoteParts(
        {
          totalMinor: invoice.total.amountMinor,
          taxableMinor: invoice.taxable.amountMinor,
          split: invoice.split,
        },
        before,
        input.total.amountMinor,
      );
      await insertCreditNote(trx, {
        id: newId('crn'),
        number: invoiceNumber(billing.creditNotePrefix, fy, sequence),
        financial_year: fy,
        sequence,
        refund_id: input.refundId,
        invoice_id: invoice.id,
        payment_id: input.paymentId,
        account_id: invoice.accountId,
        issued_at: input.issuedAt.toISOString(),
        currency: invoice.total.currency,
        taxable_minor: parts.taxableMinor,
        cgst_minor: parts.cgstMinor,
        sgst_minor: parts.sgstMinor,
        igst_minor: parts.igstMinor,
        total_minor: parts.totalMinor,
        reason: input.reason,
      });
      const row = await selectCreditNoteByRefund(trx, input.refundId);
      if (!row) throw new Error(`The credit note of refund ${input.refundId} vanished while it was issued.`);
      return creditNoteFromRow(row, invoice);
    },

    async creditNotes(accountId) {
      const rows = await selectOwnCreditNotes(db, accountId);
      const invoicesById = new Map(
        (await selectInvoicesByIds(db, [...new Set(rows.map((row) => row.invoice_id))])).map((row) => [
          row.id,
          invoiceFromRow(row),
        ]),
      );
      return rows.map((row) => {
        const invoice = invoicesById.get(row.invoice_id);
        if (!invoice) throw new Error(`Credit note ${row.id} credits a missing invoice.`);
        return creditNoteFromRow(row, invoice);
      });
    },

    async creditNote(accountId, creditNoteId) {
      const row = await selectCreditNoteById(db, creditNoteId);
      return row && row.account_id === accountId ? withInvoice(db, row) : undefined;
    },

    async creditNoteForStaff(creditNoteId) {
      const row = await selectCreditNoteById(db, creditNoteId);
      return row && withInvoice(db, row);
    },

    async exportOf(accountId) {
      return (await selectOwnInvoices(db, accountId)).map(invoiceFromRow).map((invoice) => ({
        id: invoice.id,
        number: invoice.number,
        issuedAt: invoice.issuedAt,
        total: { amount: invoice.total.amountMinor, currency: invoice.total.currency },
      }));
    },
  };
}

async function withInvoice(db: Kysely<Database>, row: CreditNoteRow): Promise<CreditNoteView> {
  const invoice = await selectInvoiceById(db, row.invoice_id);
  if (!invoice) throw new Error(`Credit note ${row.id} credits a missing invoice.`);
  return creditNoteFromRow(row, invoiceFromRow(invoice));
}

/** The caller's input is its own data, already validated: a bad value is a bug (RangeError). */
function checkInput(input: IssueInput): void {
  if (Number.isNaN(input.issuedAt.getTime())) throw new RangeError('An invoice needs a valid issue date.');
  if (input.total.amountMinor < 0) throw new RangeError('An invoice total cannot be negative.');
  if (input.buyer.stateCode !== null && !isStateCode(input.buyer.stateCode)) {
    throw new RangeError(`"${input.buyer.stateCode}" is not a GST state code.`);
  }
  if (input.description.trim() === '') throw new RangeError('An invoice line needs a description.');
}
