import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import { noteChange, principalOf } from '../../kernel/staff-access.js';
import { maxNoticeDays, minNoticeDays } from './domain/price-moves.js';
import type { PriceMoveView } from './price-moves/price-moves.js';
import { money } from '../../kernel/money.js';
import { CreatePlanBody, planSlugOf, pricesProblem, type Plan, type PlanService } from '../plans/index.js';
import { subscribePlansHtml } from './pages/views.js';
import { paymentJson, subscriptionJson } from './routes.js';
import type { Billing } from './service.js';
import type { AccountService } from '../accounts/index.js';
import type { InvoiceService } from '../invoices/index.js';
import { invoiceSummaryJson } from '../invoices/index.js';
import type { MeterService } from '../metering/index.js';
import { benefitKeys } from '../plans/index.js';

const statuses = ['trialing', 'active', 'past_due', 'canceling', 'expired'] as const;
const subscriptionId = z.string().regex(/^sub_[0-9a-z]{26}$/, 'expected a subscription id (sub_…)');

/** Support's view of subscribers: `/api/admin/v1/subscribers`. */
export async function adminSubscriberRoutes(app: FastifyInstance, deps: { billing: Billing }): Promise<void> {
  const { billing } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['admin'];
  const security = [{ bearer: [] }];

  r.get(
    '/api/admin/v1/subscribers',
    {
      config: { staff: ['support'] },
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
      config: { staff: ['support'] },
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

/** Who is acting, as the subscription's books name actors (the staff guard found them). */
function actorOf(request: Parameters<typeof principalOf>[0]): string {
  const principal = principalOf(request);
  return `${principal.kind === 'staff' ? 'staff' : 'admin'}:${principal.id}`;
}

/** Moving a plan's subscribers to a new price with notice: `/api/admin/v1/plans/:id/price-moves`. */
export async function adminPriceMoveRoutes(app: FastifyInstance, deps: { billing: Billing }): Promise<void> {
  const { billing } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  // onRequest: the key is checked before the body is even parsed or validated.
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
  deps: { plans: PlanService },
): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
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

/** What the support desk needs of the accounts module: who readers are and their devices. */
export type ReaderDirectory = Pick<AccountService, 'account' | 'accountsById' | 'search' | 'sessions'>;

const readerId = z.string().regex(/^acc_[0-9a-z]{26}$/, 'expected a reader id (acc_…)');

/** The support desk: `/api/admin/v1/readers`, one reader with everything billing, invoices and the meter know. */
export async function adminReaderRoutes(
  app: FastifyInstance,
  deps: {
    billing: Billing;
    accounts: ReaderDirectory;
    invoices: Pick<InvoiceService, 'list' | 'accountOfNumber'>;
    meter: Pick<MeterService, 'reads'>;
    publicUrl: string;
  },
): Promise<void> {
  const { billing, accounts, invoices, meter } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['admin'];
  const security = [{ bearer: [] }];

  r.get(
    '/api/admin/v1/readers',
    {
      config: { staff: ['support'] },
      schema: {
        tags,
        security,
        summary:
          'Search readers by email, name (contains) or invoice number (exact); newest first, paged by before=<last id>',
        querystring: z.object({
          q: z.string().trim().min(1).max(254),
          before: readerId.optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
      },
    },
    async (request) => {
      const { q, before, limit } = request.query;
      const found = await accounts.search({ term: q, before, limit });
      const byInvoice = before ? undefined : await invoices.accountOfNumber(q);
      if (byInvoice && !found.some((a) => a.id === byInvoice)) {
        const [owner] = await accounts.accountsById([byInvoice]);
        if (owner) found.unshift(owner);
      }
      return {
        readers: found.slice(0, limit).map((a) => ({
          id: a.id,
          email: a.email,
          name: a.name,
          emailVerified: a.emailVerified,
          createdAt: a.createdAt,
        })),
      };
    },
  );

  r.get(
    '/api/admin/v1/readers/:id',
    {
      config: { staff: ['support'] },
      schema: {
        tags,
        security,
        summary: 'One reader: subscription, payments, invoices, devices, meter and subscription events',
        params: z.object({ id: readerId }),
      },
    },
    async (request) => {
      const account = await accounts.account(request.params.id);
      if (!account) throw new AppError('not_found', 'The reader was not found.');
      const [held, invoiced, devices, reads] = await Promise.all([
        billing.readerBilling(account.id),
        invoices.list(account.id),
        accounts.sessions(account.id, ''),
        meter.reads(account.id),
      ]);
      return {
        reader: {
          ...account,
          subscription: held.subscription && subscriptionJson(held.subscription),
          payments: held.payments.map(paymentJson),
          invoices: invoiced.map((invoice) => invoiceSummaryJson(invoice, deps.publicUrl)),
          devices: devices.map(({ current: _current, ...device }) => device),
          meter: { reads: reads.length, recent: reads.slice(-20) },
          comps: held.comps,
          events: held.events,
        },
      };
    },
  );

  r.post(
    '/api/admin/v1/readers/:id/comp',
    {
      config: { staff: ['support'] },
      schema: {
        tags,
        security,
        summary:
          "Comp a reader: a plan's benefits or named benefits, free, for `days` from now (not a subscription)",
        params: z.object({ id: readerId }),
        body: z
          .object({
            planId: z
              .string()
              .regex(/^pln_[0-9a-z]{26}$/, 'expected a plan id (pln_…)')
              .optional(),
            benefits: z
              .array(z.enum(benefitKeys, { error: `expected one of ${benefitKeys.join(', ')}` }))
              .min(1)
              .max(benefitKeys.length)
              .optional(),
            days: z.number().int().min(1).max(3660),
          })
          .strict()
          .refine((body) => body.planId !== undefined || body.benefits !== undefined, {
            message: 'name a planId or benefits',
          }),
      },
    },
    async (request, reply) => {
      const comp = await billing.grantComp(request.params.id, request.body, actorOf(request));
      noteChange(request, { action: 'reader.comp', target: request.params.id, before: null, after: comp });
      return reply.status(201).send({ comp });
    },
  );

  r.post(
    '/api/admin/v1/readers/:id/cancel',
    {
      config: { staff: ['support'] },
      schema: {
        tags,
        security,
        summary: "Cancel a reader's subscription now or at the end of the paid term",
        params: z.object({ id: readerId }),
        body: z.object({ when: z.enum(['now', 'period_end']) }).strict(),
      },
    },
    async (request) => {
      const before = await billing.subscription(request.params.id);
      const after = await billing.cancelFor(request.params.id, request.body.when, actorOf(request));
      noteChange(request, {
        action: 'reader.cancel',
        target: request.params.id,
        before: before && { id: before.id, status: before.status },
        after: { id: after.id, status: after.status, when: request.body.when },
      });
      return { subscription: subscriptionJson(after) };
    },
  );
}
