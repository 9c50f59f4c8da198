export { createWireService, type ImportOptions, type ImportSummary, type WireService } from './service.js';
export { adminWireRoutes, feedMaxBytes } from './routes-admin.js';
export { adminWirePageRoutes } from './routes-pages.js';
