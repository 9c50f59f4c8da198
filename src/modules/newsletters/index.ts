export {
  createNewsletterService,
  NewsletterLinkError,
  type IssueInput,
  type NewsletterDeps,
  type NewsletterInput,
  type NewsletterService,
  type ReaderNewsletter,
  type SubscribingReader,
} from './service.js';
export {
  checkUnsubscribeToken,
  deliveryMessageId,
  newsletterBenefit,
  unsubscribeToken,
  type IssueStatus,
  type IssueView,
  type Newsletter,
  type NewsletterAccess,
} from './domain.js';
export { newsletterSendJob, type SendRecipient } from './send.js';
export { newsletterMail, type NewsletterMailVariables } from './mail-copy.js';
export { adminNewsletterRoutes, newsletterApiRoutes } from './routes.js';
export { newsletterAdminPageRoutes } from './routes-admin-pages.js';
export {
  accountNewsletterSection,
  newsletterPageRoutes,
  oneClickUnsubscribeRoute,
  signUpLimits,
} from './routes-pages.js';
