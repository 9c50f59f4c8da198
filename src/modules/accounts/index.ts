export {
  createAccountService,
  type AccountService,
  type AccountView,
  type SessionView,
  type SignedIn,
} from './service.js';
export { accountRoutes, attemptLimits, authenticate, sessionCookie } from './routes.js';
export { accountSettingsKey, accountSettingsSchema } from './settings.js';
