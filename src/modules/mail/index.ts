export {
  createMailer,
  MailDeliveryError,
  type Mailer,
  type MailMessage,
  type MailRecord,
  type SentMail,
} from './service.js';
export {
  checkMailTemplate,
  type MailTemplate,
  type MailTemplateName,
  type MailVariables,
} from './templates.js';
export { devOutboxRoutes } from './routes-dev.js';
