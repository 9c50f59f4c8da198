export {
  createAccountService,
  type AccountService,
  type AccountView,
  type SessionView,
  type SignedIn,
} from './service.js';
export {
  accountFields,
  accountRoutes,
  attemptLimits,
  clearSessionCookie,
  requireReader,
  openFormSession,
  sessionCookie,
  type Authenticated,
  type FormSessionDeps,
} from './routes.js';
export { accountPageRoutes, safeReturnTo } from './routes-pages.js';
export { readerSessions } from './session-plugin.js';
export {
  checkLink,
  createAccountLinks,
  linkPurposes,
  type AccountLinks,
  type LinkOutcome,
  type LinkPurpose,
  type LinkRefusal,
} from './links.js';
export { linkRequestLimits, linkRoutes } from './routes-links.js';
export {
  createAccountPrivacy,
  type AccountExport,
  type AccountPrivacy,
  type BillingRecords,
} from './privacy.js';
export { accountSettingsKey, accountSettingsSchema } from './settings.js';
export {
  accountMail,
  accountTemplateNames,
  type AccountLinkVariables,
  type AccountMailVariables,
  type AccountTemplateName,
} from './mail-copy.js';
