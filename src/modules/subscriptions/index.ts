export { createBilling, type Billing, type SubscriptionView, type PaymentView } from './service.js';
export { paymentJson, subscriptionRoutes, subscriptionJson } from './routes.js';
export type { BillingNotices } from './notices.js';
export type { CheckoutState } from './checkouts.js';
export { defaultBillingPolicy, type BillingPolicy } from './dunning.js';
export type { SweepLog, SweepReport } from './renewals.js';
export type { TaxTerms } from './pricing.js';
export { createBillingScheduler } from './scheduler.js';
export { adminSubscriberRoutes } from './routes-admin.js';
export { accountBillingSection, subscriptionPageRoutes, type SubscriptionPageDeps } from './routes-pages.js';
export { Benefits, PlanCards } from './views.js';
export { createBillingNotices } from './billing-notices.js';
export {
  billingMail,
  billingTemplateNames,
  type BillingMailVariables,
  type BillingTemplateName,
} from './notices/mail-copy.js';
