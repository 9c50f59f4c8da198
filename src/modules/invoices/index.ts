export { createInvoiceService, type InvoiceExport, type InvoiceService, type IssueInput } from './service.js';
export type { Buyer, InvoiceLine, InvoiceView, Seller } from './domain.js';
export { invoiceRoutes, type InvoiceRouteDeps } from './routes.js';
export { invoicePdf } from './pdf.js';
export { invoiceJson, invoiceSummaryJson, invoiceUrls } from './serializers.js';
export { InvoiceTable } from './views.js';
export {
  billingSettingsKey,
  billingSettingsSchema,
  readBillingSettings,
  type BillingSettings,
} from './settings.js';
export {
  grossUp,
  placeOfSupply,
  splitGst,
  type GstSplit,
  type SplitKind,
  type SplitTerms,
  type TaxTerms,
} from './tax.js';
export { financialYear, invoiceNumber, maxInvoiceNumberLength } from './numbering.js';
export { gstStates, isStateCode, selectableStates, stateLabel, stateName, type GstState } from './states.js';
export { gstinProblem, isGstin } from './gstin.js';
