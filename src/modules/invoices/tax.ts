import { money, type Money } from '../../kernel/money.js';
import { isStateCode } from './states.js';

/**
 * GST arithmetic, in integer minor units (paise) only. One rounding rule everywhere: a
 * fraction of a paisa is rounded half up (to the nearer paisa, a half upwards), computed
 * exactly with BigInt so that no amount, however large, meets a float. `docs/tax.md` says why
 * the rule is safe in both directions.
 *
 * A bad argument here is a bug in the caller (amounts and rates are validated before they
 * reach tax), so it is a RangeError, as in `kernel/money.ts`.
 */

/** How the publisher states prices: `inclusive` means the displayed price already holds GST. */
export interface TaxTerms {
  /** Basis points: 1800 is 18%. */
  readonly rateBp: number;
  readonly inclusive: boolean;
}

export interface SplitTerms {
  readonly rateBp: number;
  /** The publisher's GST state code (the first two digits of its GSTIN). */
  readonly supplierState: string;
  /** The state code the supply is made to; see `placeOfSupply`. */
  readonly placeOfSupply: string;
}

/**
 * `intra_state`: supplier and place of supply in one state, tax split into CGST and SGST.
 * `inter_state`: different states, all of it IGST.
 */
export type SplitKind = 'intra_state' | 'inter_state';

export interface GstSplit {
  readonly kind: SplitKind;
  /** The taxable value: the total without GST. */
  readonly taxable: Money;
  readonly cgst: Money;
  readonly sgst: Money;
  readonly igst: Money;
  /** cgst + sgst + igst. */
  readonly tax: Money;
  /** taxable + tax: what was charged. */
  readonly total: Money;
}

const fullRate = 10_000n;

/** `numerator / denominator` rounded half up; both non-negative, denominator positive. */
export function roundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (numerator < 0n || denominator <= 0n) {
    throw new RangeError('roundHalfUp takes a non-negative numerator and a positive denominator.');
  }
  return (2n * numerator + denominator) / (2n * denominator);
}

function checkRate(rateBp: number): bigint {
  if (!Number.isSafeInteger(rateBp) || rateBp < 0 || rateBp > 10_000) {
    throw new RangeError(`A GST rate is a whole number of basis points from 0 to 10000, got ${rateBp}.`);
  }
  return BigInt(rateBp);
}

function checkAmount(value: Money): bigint {
  if (!Number.isSafeInteger(value.amountMinor) || value.amountMinor < 0) {
    throw new RangeError(`GST is computed on a non-negative whole amount, got ${value.amountMinor}.`);
  }
  return BigInt(value.amountMinor);
}

const toMoney = (amount: bigint, currency: string): Money => money(Number(amount), currency);

/**
 * The amount to charge for a displayed price: the price itself when it includes GST, else
 * the price plus `roundHalfUp(price × rate)`.
 */
export function grossUp(price: Money, terms: TaxTerms): Money {
  const amount = checkAmount(price);
  const rate = checkRate(terms.rateBp);
  if (terms.inclusive) return price;
  return toMoney(amount + roundHalfUp(amount * rate, fullRate), price.currency);
}

/**
 * Splits what was charged into its taxable value and GST:
 * `taxable = roundHalfUp(total × 10000 / (10000 + rate))`, `tax = total − taxable` — so the
 * parts always add up to the total. Within one state the tax is halved into CGST and SGST;
 * an odd paisa goes to CGST (`cgst = ceil(tax / 2)`, `sgst = tax − cgst`). Between states it
 * is all IGST.
 */
export function splitGst(total: Money, terms: SplitTerms): GstSplit {
  const amount = checkAmount(total);
  const rate = checkRate(terms.rateBp);
  for (const code of [terms.supplierState, terms.placeOfSupply]) {
    if (!isStateCode(code)) throw new RangeError(`"${code}" is not a GST state code.`);
  }
  const taxable = roundHalfUp(amount * fullRate, fullRate + rate);
  const tax = amount - taxable;
  const kind: SplitKind = terms.supplierState === terms.placeOfSupply ? 'intra_state' : 'inter_state';
  const cgst = kind === 'intra_state' ? (tax + 1n) / 2n : 0n;
  const sgst = kind === 'intra_state' ? tax - cgst : 0n;
  const igst = kind === 'inter_state' ? tax : 0n;
  const c = total.currency;
  return {
    kind,
    taxable: toMoney(taxable, c),
    cgst: toMoney(cgst, c),
    sgst: toMoney(sgst, c),
    igst: toMoney(igst, c),
    tax: toMoney(tax, c),
    total,
  };
}

/**
 * Where a supply to a reader is made: the reader's state when they gave one, else the
 * publisher's own. Readers are unregistered recipients; for them IGST Act s.12(2)(b) puts
 * the place of supply at their address on record, or, with none, at the supplier's location.
 */
export function placeOfSupply(readerState: string | null, supplierState: string): string {
  return readerState ?? supplierState;
}
