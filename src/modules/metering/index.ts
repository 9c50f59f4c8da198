export { createMeterService, type MeterService } from './service.js';
export { createSqlMeterStore } from './sql-store.js';
export { createRedisMeterStore } from './redis-store.js';
export type { MeterStore, MeterRead, ConsumeResult } from './store.js';
export {
  meterPeriod,
  meterView,
  periodKeyMonthsBefore,
  type MeterPeriod,
  type MeterSnapshot,
  type MeterView,
} from './domain.js';
