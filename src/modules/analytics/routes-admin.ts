import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { spanDays } from './domain.js';
import type { AnalyticsService } from './service.js';

/** The longest range one request may ask for: a year and a day (a leap year, whole). */
export const maxSpanDays = 367;

const day = z.iso.date({ message: 'expected a date (YYYY-MM-DD)' });
/** A range of whole UTC days, both included (the admin page checks its form by it too). */
export const RangeQuery = z.object({ from: day, to: day }).superRefine((query, ctx) => {
  if (query.from > query.to) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: '`to` is before `from`' });
  } else if (spanDays(query.from, query.to) > maxSpanDays) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: `at most ${maxSpanDays} days at a time` });
  }
});
const CsvQuery = z
  .object({ table: z.enum(['revenueByPlan', 'topConvertingArticles', 'daily']), from: day, to: day })
  .superRefine((query, ctx) => {
    if (query.from > query.to) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: '`to` is before `from`' });
    } else if (spanDays(query.from, query.to) > maxSpanDays) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `at most ${maxSpanDays} days at a time` });
    }
  });

/** The analytics part of the admin API: `/api/admin/v1/analytics` (owners). */
export async function adminAnalyticsRoutes(
  app: FastifyInstance,
  deps: { analytics: AnalyticsService },
): Promise<void> {
  const { analytics } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['admin'];
  // Figures are read-only and may be fresh to the second: no cache may keep them.
  const noStore = 'private, no-store';

  r.get(
    '/api/admin/v1/analytics',
    {
      config: { staff: ['owner'] },
      schema: {
        tags,
        summary: 'Paywall, conversion and revenue figures for a range of days (UTC, both included)',
        querystring: RangeQuery,
      },
    },
    async (request, reply) => {
      // Events still in the writer's buffer belong to the answer.
      await analytics.flush();
      const figures = await analytics.figures(request.query.from, request.query.to);
      return reply.header('cache-control', noStore).send({ figures });
    },
  );

  r.get(
    '/api/admin/v1/analytics.csv',
    {
      config: { staff: ['owner'] },
      schema: { tags, summary: 'One table of the figures as CSV', querystring: CsvQuery },
    },
    async (request, reply) => {
      const { table, from, to } = request.query;
      await analytics.flush();
      const csv = await analytics.csv(table, from, to);
      return reply
        .header('cache-control', noStore)
        .header('content-disposition', `attachment; filename="analytics-${table}-${from}-${to}.csv"`)
        .type('text/csv; charset=utf-8')
        .send(csv);
    },
  );

  r.get(
    '/api/admin/v1/analytics/daily.svg',
    {
      config: { staff: ['owner'] },
      schema: { tags, summary: 'The daily series as an SVG chart', querystring: RangeQuery },
    },
    async (request, reply) => {
      await analytics.flush();
      const svg = await analytics.chart(request.query.from, request.query.to);
      return reply.header('cache-control', noStore).type('image/svg+xml; charset=utf-8').send(svg);
    },
  );
}
