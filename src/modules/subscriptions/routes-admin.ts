import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../kernel/errors.js';
import { eventsOf, listSubscribers, subscriptionById } from './queries.js';
import { paymentJson, subscriptionJson } from './routes.js';
import type { Billing } from './service.js';

const statuses = ['trialing', 'active', 'past_due', 'canceling', 'expired'] as const;
const subscriptionId = z.string().regex(/^sub_[0-9a-z]{26}$/, 'expected a subscription id (sub_…)');

/** Support's view of subscribers: `/api/admin/v1/subscribers`. */
export async function adminSubscriberRoutes(
  app: FastifyInstance,
  deps: { db: Kysely<Database>; billing: Billing; requireAdmin: onRequestAsyncHookHandler },
): Promise<void> {
  const { db, billing } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['admin'];
  const security = [{ bearer: [] }];

  r.get(
    '/api/admin/v1/subscribers',
    {
      onRequest: deps.requireAdmin,
      schema: {
        tags,
        security,
        summary: 'Subscribers, newest first (filter by status or email; page with before=<last id>)',
        querystring: z.object({
          status: z.enum(statuses).optional(),
          email: z.email().max(254).optional(),
          before: subscriptionId.optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
      },
    },
    async (request) => {
      const rows = await listSubscribers(db, request.query);
      return {
        subscribers: rows.map((row) => ({
          subscriptionId: row.id,
          accountId: row.account_id,
          email: row.email,
          name: row.name,
          planId: row.plan_id,
          status: row.status,
          currentPeriodEnd: row.current_period_end,
          createdAt: row.created_at,
        })),
      };
    },
  );

  r.get(
    '/api/admin/v1/subscribers/:id',
    {
      onRequest: deps.requireAdmin,
      schema: {
        tags,
        security,
        summary: 'One subscription with its history of events and payments',
        params: z.object({ id: subscriptionId }),
      },
    },
    async (request) => {
      const sub = await subscriptionById(db, request.params.id);
      if (!sub) throw new AppError('not_found', 'The subscription was not found.');
      const [view, events, payments] = await Promise.all([
        billing.subscription(sub.account_id),
        eventsOf(db, sub.id),
        billing.payments(sub.account_id),
      ]);
      return {
        accountId: sub.account_id,
        subscription: view && view.id === sub.id ? subscriptionJson(view) : null,
        events: events.map((event) => ({
          kind: event.kind,
          from: event.from_status,
          to: event.to_status,
          actor: event.actor,
          detail: JSON.parse(event.detail) as unknown,
          at: event.created_at,
        })),
        payments: payments.map(paymentJson),
      };
    },
  );
}
