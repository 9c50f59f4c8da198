export { createReadingService, type ReadingService, type OpenedArticle } from './service.js';
export { readingRoutes, type PaywallImpressionRecorder, type ReadingRouteDeps } from './routes.js';
