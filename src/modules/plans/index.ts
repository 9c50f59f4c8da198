export { createPlanService, type PlanService, type PlanInput, type PlanPatch } from './service.js';
export {
  perMonth,
  monthsIn,
  termLabel,
  priceIn,
  benefitLines,
  planSlugOf,
  pricesProblem,
  type Plan,
  type PlanPrice,
  type PlanWithHistory,
  type PriceVersion,
  type Term,
} from './domain.js';
export { benefitCatalogue, benefitKeys, benefitTitle, isBenefitKey, type BenefitKey } from './benefits.js';
export { planJson, adminPlanJson, priceVersionJson } from './serializers.js';
export { adminPlanRoutes, CreatePlanBody } from './routes-admin.js';
export { planPageRoutes, amountOf as amountFromForm } from './routes-pages.js';
