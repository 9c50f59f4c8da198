import { perPartFloorToMajor, type Money } from '../../kernel/money.js';
import { benefitCatalogue, type BenefitKey } from './benefits.js';

export interface Term {
  readonly unit: 'month' | 'year';
  readonly count: number;
}

export interface Plan {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly term: Term;
  readonly trialDays: number;
  readonly benefits: readonly BenefitKey[];
  /** One per currency, INR first. */
  readonly prices: readonly Money[];
  readonly active: boolean;
  readonly position: number;
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

/** The price a reader is shown: the plan's price in `currency`, else its first. */
export function priceIn(plan: Plan, currency: string): Money | undefined {
  return plan.prices.find((price) => price.currency === currency) ?? plan.prices[0];
}

export function benefitLines(
  keys: readonly BenefitKey[],
): { key: BenefitKey; title: string; detail: string }[] {
  return keys.map((key) => ({ key, ...benefitCatalogue[key] }));
}
