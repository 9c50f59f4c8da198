import { perPartFloorToMajor, type Money } from '../../kernel/money.js';
import { benefitCatalogue, type BenefitKey } from './benefits.js';

export interface Term {
  readonly unit: 'month' | 'year';
  readonly count: number;
}

/** A plan's current price in one currency, with the id of its price version. */
export interface PlanPrice extends Money {
  readonly id: string;
}

/**
 * One version of a plan's price in one currency. A changed price is a new version; the old one
 * is superseded but kept, because its subscribers keep paying it until they are told.
 */
export interface PriceVersion {
  readonly id: string;
  readonly planId: string;
  readonly amount: Money;
  readonly createdAt: string;
  /** When a newer version replaced it; null while it is the plan's current price. */
  readonly supersededAt: string | null;
}

export interface Plan {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly term: Term;
  readonly trialDays: number;
  readonly benefits: readonly BenefitKey[];
  /** The current prices, one per currency, INR first (see `byCurrency`). */
  readonly prices: readonly PlanPrice[];
  readonly active: boolean;
  readonly position: number;
}

/** A plan as the admin sees it: with every version of its prices, superseded ones too. */
export interface PlanWithHistory extends Plan {
  /** By currency as `prices`, newest first within a currency. */
  readonly priceHistory: readonly PriceVersion[];
}

export function monthsIn(term: Term): number {
  return term.unit === 'year' ? term.count * 12 : term.count;
}

/** The price spread over the term's months, rounded down to a whole major unit. */
export function perMonth(price: Money, term: Term): Money {
  return perPartFloorToMajor(price, monthsIn(term));
}

/** "3 months", "1 year", "2 years". */
export function termLabel(term: Term): string {
  return `${term.count} ${term.unit}${term.count === 1 ? '' : 's'}`;
}

export function sameTerm(a: Term, b: Term): boolean {
  return a.unit === b.unit && a.count === b.count;
}

/** The price a reader is shown: the plan's price in `currency`, else its first. */
export function priceIn(plan: Plan, currency: string): PlanPrice | undefined {
  return plan.prices.find((price) => price.currency === currency) ?? plan.prices[0];
}

/**
 * Orders currencies INR first (the publisher's home market, and the paywall's default), then
 * alphabetically. A fixed rule rather than creation order: a new INR price version is newer
 * than the plan's USD price, and must not push INR off the front.
 */
export function byCurrency(a: string, b: string): number {
  if (a === b) return 0;
  if (a === 'INR') return -1;
  if (b === 'INR') return 1;
  return a < b ? -1 : 1;
}

/**
 * Why a plan's prices cannot be saved, as a sentence for the admin, or undefined when they can:
 * at least one, one per currency, INR first when present, each a positive amount.
 */
export function pricesProblem(prices: readonly Money[]): string | undefined {
  if (prices.length === 0) return 'A plan needs at least one price.';
  const seen = new Set<string>();
  for (const price of prices) {
    if (seen.has(price.currency))
      return `A plan has one price per currency; ${price.currency} is given twice.`;
    seen.add(price.currency);
    if (!Number.isSafeInteger(price.amountMinor) || price.amountMinor <= 0) {
      return `A price must be a positive whole number of minor units; ${price.currency} is ${price.amountMinor}.`;
    }
  }
  if (seen.has('INR') && prices[0]!.currency !== 'INR') return 'The INR price must come first.';
  return undefined;
}

/** "Smart Quarterly" → "smart-quarterly": a slug for a plan created without one. */
export function planSlugOf(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
}

export function benefitLines(
  keys: readonly BenefitKey[],
): { key: BenefitKey; title: string; detail: string }[] {
  return keys.map((key) => ({ key, ...benefitCatalogue[key] }));
}
