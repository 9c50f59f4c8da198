// The subscriptions module: one service (`Billing`), its views, its routes and its pages.
export {
  createBilling,
  type AccountDirectory,
  type Billing,
  type BillingRunReport,
  type CheckoutSummary,
  type CompFact,
  type PaymentView,
  type PlanChangeResult,
  type RefundFact as BillingRefundFact,
  type RefundView,
  type ReaderBilling,
  type SubscriberHistory,
  type SubscriberListing,
  type SubscriptionView,
  type TaxPolicy,
  type ReceiptInvoice,
  type SubscriberExportRow,
} from './service.js';
export { paymentJson, subscriptionRoutes, subscriptionJson, type CheckoutStartRecorder } from './routes.js';
export { accountMembership, billingPrivacy } from './adapters.js';
export type { BillingNotices } from './notices/notices.js';
export type { CheckoutState } from './checkout/checkouts.js';
export type { BillingReporting, PaymentFact, SubscriptionFact } from './reporting/reporting.js';
export type { ChangePreview } from './changes/preview.js';
export type { PriceMoveView } from './price-moves/price-moves.js';
export { minNoticeDays, maxNoticeDays } from './domain/price-moves.js';
export { defaultBillingPolicy, type BillingPolicy } from './domain/dunning.js';
export type { SweepLog, SweepReport } from './renewals/renewals.js';
export type { TaxTerms } from './domain/pricing.js';
export {
  adminPriceMoveRoutes,
  adminSubscribePreviewRoutes,
  adminSubscriberRoutes,
  priceMoveJson,
} from './routes-admin.js';
export { adminReaderRoutes } from './routes-admin.js';
export { readerPageRoutes } from './support/routes-pages.js';
export {
  createSupportDesk,
  subscriberCsvHeader,
  type ReaderDirectory,
  type ReaderFile,
  type SupportDesk,
} from './support/desk.js';
export { adminRefundRoutes, refundJson } from './routes-admin.js';
export { accountBillingSection, subscriptionPageRoutes, type SubscriptionPageDeps } from './pages/routes.js';
export { Benefits, PlanCards, subscribePlansHtml } from './pages/views.js';
export { createBillingNotices } from './notices/billing-notices.js';
export {
  billingMail,
  billingTemplateNames,
  type BillingMailVariables,
  type BillingTemplateName,
} from './notices/mail-copy.js';
