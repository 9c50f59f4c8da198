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
} from './roles.js';
