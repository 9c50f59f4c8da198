import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import { paymentJson, subscriptionJson } from './routes.js';
import type { Billing } from './service.js';

const statuses = ['trialing', 'active', 'past_due', 'canceling', 'expired'] as const;
const subscriptionId = z.string().regex(/^sub_[0-9a-z]{26}$/, 'expected a subscription id (sub_…)');

/** Support's view of subscribers: `/api/admin/v1/subscribers`. */
export async function adminSubscriberRoutes(
  app: FastifyInstance,
  deps: { billing: Billing; requireAdmin: onRequestAsyncHookHandler },
): Promise<void> {
  const { billing } = deps;
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
      return { subscribers: await billing.subscribers(request.query) };
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
      const history = await billing.subscriberHistory(request.params.id);
      if (!history) throw new AppError('not_found', 'The subscription was not found.');
      return {
        ...history,
        subscription: history.subscription && subscriptionJson(history.subscription),
        payments: history.payments.map(paymentJson),
      };
    },
  );
}
