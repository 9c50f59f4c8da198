export {
  changeNotedOn,
  isStaffRole,
  noteChange,
  principalOf,
  roleMayUse,
  setPrincipal,
  staffRoles,
  type AuditNote,
  type StaffAccess,
  type StaffPrincipal,
  type StaffRole,
} from '../../kernel/staff-access.js';
export {
  staffSettingsKey,
  staffSettingsSchema,
  type StaffInvitation,
  type StaffMember,
  type SessionStage,
} from './domain.js';
export { createStaffService, type StaffService, type StaffSessionView } from './service.js';
export { staffMail, type StaffMailVariables } from './mail-copy.js';
export {
  adminRoutesOf,
  clearStaffCookie,
  isAdminUrl,
  setStaffCookie,
  staffCookie,
  staffGuard,
  staffTokenOf,
  type AdminRoute,
} from './guard.js';
export { adminStaffRoutes } from './routes-api.js';
export { staffPageRoutes } from './routes-pages.js';
