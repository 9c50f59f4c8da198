import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { newId } from '../../kernel/ids.js';
import { noCache } from '../../kernel/ttl-cache.js';
import type { Money } from '../../kernel/money.js';
import { createSettingsStore, type SettingsStore } from '../settings/index.js';
import { invoiceFromRow, type Buyer, type InvoiceView, type Seller } from './domain.js';
import { financialYear, invoiceNumber } from './numbering.js';
import {
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

/** GST invoices: one per successful payment, numbered per financial year. */
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

/** The caller's input is its own data, already validated: a bad value is a bug (RangeError). */
function checkInput(input: IssueInput): void {
  if (Number.isNaN(input.issuedAt.getTime())) throw new RangeError('An invoice needs a valid issue date.');
  if (input.total.amountMinor < 0) throw new RangeError('An invoice total cannot be negative.');
  if (input.buyer.stateCode !== null && !isStateCode(input.buyer.stateCode)) {
    throw new RangeError(`"${input.buyer.stateCode}" is not a GST state code.`);
  }
  if (input.description.trim() === '') throw new RangeError('An invoice line needs a description.');
}
