export { createBilling, type Billing, type SubscriptionView, type PaymentView } from './service.js';
export { paymentJson, subscriptionRoutes, subscriptionJson } from './routes.js';
export type { BillingNotices } from './notices.js';
export type { CheckoutState } from './checkouts.js';
export { defaultBillingPolicy, type BillingPolicy } from './dunning.js';
export type { SweepReport } from './renewals.js';
export type { TaxTerms } from './pricing.js';
export { createBillingScheduler } from './scheduler.js';
export { adminSubscriberRoutes } from './routes-admin.js';
