export { createPlanService, type PlanService, type PlanInput } from './service.js';
export { perMonth, monthsIn, termLabel, priceIn, benefitLines, type Plan, type Term } from './domain.js';
export { benefitCatalogue, benefitKeys, type BenefitKey } from './benefits.js';
export { planJson } from './serializers.js';
