import type { Money } from '../../kernel/money.js';
import { benefitLines, perMonth, priceIn, type Plan } from './domain.js';

const moneyJson = (value: Money) => ({ amount: value.amountMinor, currency: value.currency });

/** A plan as the JSON API shows it; amounts in minor units. */
export function planJson(plan: Plan, currency = 'INR') {
  const price = priceIn(plan, currency);
  return {
    id: plan.id,
    slug: plan.slug,
    name: plan.name,
    price: price ? moneyJson(price) : null,
    interval: { unit: plan.term.unit, count: plan.term.count },
    perMonth: price ? moneyJson(perMonth(price, plan.term)) : null,
    trialDays: plan.trialDays,
    benefits: benefitLines(plan.benefits),
  };
}
