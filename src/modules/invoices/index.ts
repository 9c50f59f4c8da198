export {
  createInvoiceService,
  type CreditNoteInput,
  type InvoiceExport,
  type InvoiceService,
  type IssueInput,
} from './service.js';
export { creditNoteParts, type CreditNoteView, type CreditParts } from './credit-notes.js';
export type { Buyer, InvoiceLine, InvoiceView, Seller } from './domain.js';
export { adminCreditNoteRoutes, invoiceRoutes, type InvoiceRouteDeps } from './routes.js';
export { creditNotePdf, invoicePdf } from './pdf.js';
export {
  creditNoteJson,
  creditNoteUrls,
  invoiceJson,
  invoiceSummaryJson,
  invoiceUrls,
} from './serializers.js';
export { CreditNoteTable, InvoiceTable } from './views.js';
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
