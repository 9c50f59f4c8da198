export {
  createRateLimiter,
  type RateLimiter,
  type RateLimitRule,
  type RateLimitDecision,
} from './service.js';
export { createSqlRateLimitStore } from './sql-store.js';
export { createRedisRateLimitStore } from './redis-store.js';
export type { RateLimitStore, RateLimitWindow } from './store.js';
