import { money, type Money } from '../../../kernel/money.js';

/**
 * The unused part of the current term, in the currency's minor unit, rounded down: the reader
 * is credited for whole paise of time not yet used, never more than they paid.
 * Time is measured in milliseconds between the term's start and end.
 */
export function unusedCredit(paid: Money, period: { start: Date; end: Date }, at: Date): Money {
  const total = period.end.getTime() - period.start.getTime();
  if (total <= 0) throw new RangeError('A term must end after it starts.');
  const left = Math.min(Math.max(period.end.getTime() - at.getTime(), 0), total);
  // BigInt: paid × left can exceed 2^53 (₹10 lakh over two years in milliseconds).
  const credit = (BigInt(paid.amountMinor) * BigInt(left)) / BigInt(total);
  return money(Number(credit), paid.currency);
}

export type PlanChange =
  { readonly kind: 'upgrade'; readonly credit: Money; readonly due: Money } | { readonly kind: 'downgrade' };

/**
 * An upgrade is a move to a plan whose term costs more: it starts now, with the unused part of
 * the current term credited against its first charge. Anything else is a downgrade and waits
 * for the next renewal, so the reader keeps what they paid for.
 */
export function planChange(input: {
  readonly currentPrice: Money;
  /** What the reader actually paid for the current term (after any discount). */
  readonly paidForTerm: Money;
  readonly newPrice: Money;
  readonly period: { readonly start: Date; readonly end: Date };
  readonly at: Date;
}): PlanChange {
  const { currentPrice, paidForTerm, newPrice, period, at } = input;
  if (newPrice.currency !== currentPrice.currency) throw new RangeError('A plan change keeps the currency.');
  if (newPrice.amountMinor <= currentPrice.amountMinor) return { kind: 'downgrade' };
  const credit = unusedCredit(paidForTerm, period, at);
  const due = Math.max(newPrice.amountMinor - credit.amountMinor, 0);
  return { kind: 'upgrade', credit, due: money(due, newPrice.currency) };
}
