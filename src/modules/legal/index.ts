/** The publisher's policy pages (terms, privacy, refunds, contact) and their settings. */
export { legalRoutes, type LegalRouteDeps } from './routes.js';
export { legalSettingsKey, legalSettingsSchema, policyPages, type LegalSettings } from './settings.js';
