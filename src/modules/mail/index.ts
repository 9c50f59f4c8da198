export {
  createMailer,
  MailDeliveryError,
  type Mailer,
  type MailMessage,
  type MailMessageOf,
  type MailRecord,
  type SentMail,
} from './service.js';
export {
  checkMailTemplate,
  mailTemplateNames,
  mailVariablesOf,
  type AccountLinkVariables,
  type MailTemplate,
  type MailTemplateName,
  type MailVariables,
  type MailVariablesByTemplate,
} from './templates.js';
export type { BillingMailVariables, BillingTemplateName } from './billing-templates.js';
export { devOutboxRoutes } from './routes-dev.js';
