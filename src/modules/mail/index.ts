export {
  createMailer,
  type ComposedMail,
  type ComposedMailSender,
  mailDeliveryJob,
  MailDeliveryError,
  type MailLog,
  type Mailer,
  type MailMessage,
  type MailMessageOf,
  type MailRecord,
  type MailSender,
  type PreparedMail,
  type SentMail,
} from './service.js';
export {
  checkMailTemplate,
  joinMailCatalogues,
  keepInLog,
  mailVariablesOf,
  renderMail,
  withheldLink,
  type MailCatalogue,
  type MailKind,
  type MailTemplate,
  type MailVariablesMap,
  type RenderedMail,
} from './templates.js';
export { devOutboxRoutes } from './routes-dev.js';
export {
  checkPublisherTemplate,
  createMailCopy,
  mailCopySettingsKey,
  type MailCopy,
  type MailTemplateDetail,
  type MailTemplateSummary,
} from './publisher-copy.js';
export { adminMailTemplateRoutes } from './routes-admin.js';
export { mailPageRoutes } from './routes-pages.js';
