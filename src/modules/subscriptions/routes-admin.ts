import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import { noteChange, principalOf } from '../staff/index.js';
import { maxNoticeDays, minNoticeDays } from './domain/price-moves.js';
import type { PriceMoveView } from './price-moves/price-moves.js';
import { money } from '../../kernel/money.js';
import { CreatePlanBody, planSlugOf, pricesProblem, type Plan, type PlanService } from '../plans/index.js';
import { subscribePlansHtml } from './pages/views.js';
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

const PlanParams = z.object({ id: z.string().regex(/^[a-z0-9_]{1,64}$/, 'expected a plan id') });

const PriceMoveBody = z
  .object({
    priceId: z
      .string()
      .regex(/^prc_[0-9a-z]{1,64}$/, 'expected a price version id (prc_…)')
      .optional(),
    noticeDays: z
      .number()
      .int('expected a whole number of days')
      .min(
        minNoticeDays,
        `expected at least ${minNoticeDays} days: subscribers are told before a new price applies`,
      )
      .max(maxNoticeDays, `expected at most ${maxNoticeDays} days`),
  })
  .strict();

/** A price move for the admin API; amounts in minor units. */
export function priceMoveJson(move: PriceMoveView) {
  return {
    id: move.id,
    planId: move.planId,
    price: { id: move.price.id, amount: move.price.amount.amountMinor, currency: move.price.amount.currency },
    noticeDays: move.noticeDays,
    actor: move.actor,
    createdAt: move.createdAt,
    effectiveAt: move.effectiveAt,
    counts: move.counts,
  };
}

/**
 * Who is acting, as the subscription's books name actors. The staff guard sets the principal;
 * until it runs on every admin route, an API key checked by `requireAdmin` is plain `admin`.
 */
function actorOf(request: Parameters<typeof principalOf>[0]): string {
  try {
    const principal = principalOf(request);
    return `${principal.kind === 'staff' ? 'staff' : 'admin'}:${principal.id}`;
  } catch {
    return 'admin';
  }
}

/** Moving a plan's subscribers to a new price with notice: `/api/admin/v1/plans/:id/price-moves`. */
export async function adminPriceMoveRoutes(
  app: FastifyInstance,
  deps: { billing: Billing; requireAdmin: onRequestAsyncHookHandler },
): Promise<void> {
  const { billing } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  // onRequest: the key is checked before the body is even parsed or validated.
  r.addHook('onRequest', deps.requireAdmin);
  const tags = ['admin'];
  const security = [{ bearer: [] }];

  r.post(
    '/api/admin/v1/plans/:id/price-moves',
    {
      config: { staff: ['marketer'] },
      schema: {
        tags,
        security,
        summary:
          "Move the plan's subscribers on older prices to a current one, with notice by mail; the same move again changes nothing",
        params: PlanParams,
        body: PriceMoveBody,
      },
    },
    async (request, reply) => {
      const { move, created } = await billing.movePrice({
        planId: request.params.id,
        priceId: request.body.priceId,
        noticeDays: request.body.noticeDays,
        actor: actorOf(request),
      });
      const json = priceMoveJson(move);
      if (!created) return reply.status(200).send({ priceMove: json });
      noteChange(request, {
        action: 'price-move.create',
        target: request.params.id,
        before: null,
        after: json,
      });
      return reply.status(201).send({ priceMove: json });
    },
  );

  r.get(
    '/api/admin/v1/plans/:id/price-moves',
    {
      config: { staff: ['marketer'] },
      schema: {
        tags,
        security,
        summary:
          "The plan's price moves, newest first, with how many subscribers are pending, notified, moved or left",
        params: PlanParams,
      },
    },
    async (request) => ({ priceMoves: (await billing.priceMoves(request.params.id)).map(priceMoveJson) }),
  );
}

const SubscribePreviewBody = z
  .object({
    /** The plans as they would be offered, in order; without it, the plans on offer now. */
    plans: z.array(CreatePlanBody).min(1, 'expected at least one plan').max(20).optional(),
  })
  .strict();

/**
 * `POST /api/admin/v1/previews/subscribe`: the plans part of `/subscribe` rendered for draft
 * plans (or those on offer), with the page's own views; nothing is saved.
 */
export async function adminSubscribePreviewRoutes(
  app: FastifyInstance,
  deps: { plans: PlanService; requireAdmin: onRequestAsyncHookHandler },
): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', deps.requireAdmin);
  r.post(
    '/api/admin/v1/previews/subscribe',
    {
      config: { staff: ['marketer'] },
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Render the plans of /subscribe for draft plans (or those on offer), without saving them',
        body: SubscribePreviewBody,
      },
    },
    async (request) => {
      const drafts = request.body.plans;
      if (drafts === undefined) return { html: subscribePlansHtml(await deps.plans.listActive()) };
      const plans = drafts.map((draft, index): Plan => {
        const prices = draft.prices.map((price) => money(price.amount, price.currency));
        const problem = pricesProblem(prices);
        if (problem) throw new AppError('validation_failed', `plans.${index}.prices: ${problem}`);
        return {
          id: `draft-${index}`,
          slug: draft.slug ?? planSlugOf(draft.name),
          name: draft.name,
          term: draft.interval,
          trialDays: draft.trialDays ?? 0,
          benefits: draft.benefits,
          prices: prices.map((price) => ({ id: `draft-${index}-${price.currency}`, ...price })),
          active: true,
          position: index,
        };
      });
      return { html: subscribePlansHtml(plans.filter((_, index) => drafts[index]!.active !== false)) };
    },
  );
}
