import type { Money } from '../../kernel/money.js';
import {
  benefitLines,
  perMonth,
  priceIn,
  type Plan,
  type PlanWithHistory,
  type PriceVersion,
} from './domain.js';

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

/** One price version for the admin API. */
export function priceVersionJson(version: PriceVersion) {
  return {
    id: version.id,
    ...moneyJson(version.amount),
    current: version.supersededAt === null,
    createdAt: version.createdAt,
    supersededAt: version.supersededAt,
  };
}

/** A plan for the admin API: benefits by key, current prices, and every price version. */
export function adminPlanJson(plan: Plan | PlanWithHistory) {
  return {
    id: plan.id,
    slug: plan.slug,
    name: plan.name,
    interval: { unit: plan.term.unit, count: plan.term.count },
    trialDays: plan.trialDays,
    benefits: [...plan.benefits],
    active: plan.active,
    position: plan.position,
    prices: plan.prices.map((price) => ({ id: price.id, ...moneyJson(price) })),
    ...('priceHistory' in plan && { priceHistory: plan.priceHistory.map(priceVersionJson) }),
  };
}
