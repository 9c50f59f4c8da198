import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf } from '../../kernel/staff-access.js';
import type { AdminNavItem } from '../../web/admin/shell.js';
import { renderPage, sendHtml } from '../../web/render.js';
import { RangeQuery } from './routes-admin.js';
import type { AnalyticsService } from './service.js';
import { AnalyticsPage } from './views.js';

/** The form's fields as typed: checked by the admin API's own range schema in the handler. */
const PageQuery = z.object({ from: z.string().max(40).optional(), to: z.string().max(40).optional() });

const defaultDays = 30;
const dayOf = (at: Date) => at.toISOString().slice(0, 10);

/**
 * `/admin/analytics`: the owner's figures for a range of days (the last 30 by default), with
 * each table's CSV and the daily chart from the admin API.
 */
export async function analyticsPageRoutes(
  app: FastifyInstance,
  deps: { analytics: AnalyticsService; now: () => Date; nav: readonly AdminNavItem[] },
): Promise<void> {
  const { analytics, now, nav } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/admin/analytics',
    { config: { staff: ['owner'] }, schema: { hide: true, querystring: PageQuery } },
    async (request, reply) => {
      const today = now();
      const from = request.query.from ?? dayOf(new Date(today.getTime() - (defaultDays - 1) * 86_400_000));
      const to = request.query.to ?? dayOf(today);
      const principal = principalOf(request);
      const parsed = RangeQuery.safeParse({ from, to });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const error = `${issue?.path.join('.') || 'range'}: ${issue?.message ?? 'invalid'}`;
        return sendHtml(
          reply,
          renderPage(AnalyticsPage({ principal, nav, from, to, figures: null, error })),
          422,
        );
      }
      // Events still in the writer's buffer belong to the answer, as in the API.
      await analytics.flush();
      const figures = await analytics.figures(parsed.data.from, parsed.data.to);
      return sendHtml(reply, renderPage(AnalyticsPage({ principal, nav, from, to, figures })));
    },
  );
}
