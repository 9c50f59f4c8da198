export {
  createJobQueue,
  createJobWorker,
  type JobQueueAdmin,
  type JobWorker,
  type WorkSummary,
} from './service.js';
export {
  LeaseLostError,
  type EnqueueOptions,
  type JobContext,
  type JobHandler,
  type JobProgress,
  type JobQueue,
  type JobStatus,
  type JobView,
} from './types.js';
export { defaultRetryDelayMs, afterFailure } from './domain.js';
export { adminJobRoutes } from './routes-admin.js';
export { jobPageRoutes } from './routes-pages.js';
