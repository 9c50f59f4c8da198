// The analytics module: paywall impressions and checkout starts (recorded in batches), and the
// figures computed from them and from billing's facts.
export {
  createAnalyticsService,
  type AnalyticsRecorder,
  type AnalyticsService,
  type BillingFacts,
  type CheckoutStart,
  type CsvTable,
  type FiguresAnswer,
  type PaywallImpression,
} from './service.js';
export type { CompFact, RefundFact } from './domain.js';
export { renderDailyChart, type DailyChart, type ChartSeries } from './charts.js';
export { adminAnalyticsRoutes } from './routes-admin.js';
export { analyticsPageRoutes } from './routes-pages.js';
