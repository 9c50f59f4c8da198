import type { Plan, PlanPrice } from '../../plans/index.js';

/** How the price a reader is shown becomes the amount charged (GST inclusive or on top). */
export interface TaxTerms {
  readonly rateBp: number;
  readonly inclusive: boolean;
}

/** The reader's price for a plan: INR first, else the plan's first currency. */
export function priceFor(plan: Plan, currency = 'INR'): PlanPrice | undefined {
  return plan.prices.find((price) => price.currency === currency) ?? plan.prices[0];
}

/** Whether a plan's trial applies: only to a reader who never subscribed before. */
export function trialDaysFor(plan: Plan, hasEverSubscribed: boolean): number {
  return hasEverSubscribed ? 0 : plan.trialDays;
}
