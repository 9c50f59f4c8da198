export {
  createEpaperService,
  processKind,
  type EpaperService,
  type EpaperReader,
  type EditionStatusView,
} from './service.js';
export { epaperRoutes, type EpaperAccount, type EpaperRouteDeps } from './routes.js';
export { adminEpaperRoutes } from './routes-admin.js';
export { epaperPageRoutes } from './routes-pages.js';
export { editionJson, editionAdminJson } from './serializers.js';
export { shareLifetimeMs, type Edition, type EditionStatus } from './domain.js';
