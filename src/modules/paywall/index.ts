export {
  createPaywallService,
  type PaywallService,
  type Reader,
  type AccessOutcome,
  type RequestOrigin,
} from './service.js';
export {
  decideAccess,
  decideBenefit,
  type BenefitDecision,
  type BenefitRefusalReason,
  UNLIMITED_STORIES,
  ARCHIVES,
  isArchived,
  type AccessDecision,
  type AccessReason,
  type AccessRequest,
  type ArticleAccess,
} from './access.js';
export { crawlerVerifier, type CrawlerCheck } from './crawler.js';
export { checkTemplate, renderCopy, copyVariables } from './copy.js';
export {
  archiveSettingsSchema,
  meterSettingsCheck,
  meterSettingsSchema,
  paywallSettingsSchema,
} from './settings.js';
export {
  PaywallDraft,
  draftCopy,
  previewPaywall,
  previewStates,
  type PreviewState,
  type PreviewedState,
} from './preview.js';
export { adminPaywallPreviewRoutes } from './routes-admin.js';
export { paywallPageRoutes } from './routes-pages.js';
