export { createAuditLog, type AuditEntry, type AuditFilter, type AuditLog } from './service.js';
export { adminAuditRoutes } from './routes-admin.js';
