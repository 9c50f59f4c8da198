import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import { noteChange, noteDataExport, noteNoChange, principalOf } from '../../kernel/staff-access.js';
import { maxNoticeDays, minNoticeDays } from './domain/price-moves.js';
import type { PriceMoveView } from './price-moves/price-moves.js';
import { money } from '../../kernel/money.js';
import { CreatePlanBody, planSlugOf, pricesProblem, type Plan, type PlanService } from '../plans/index.js';
import { subscribePlansHtml } from './pages/views.js';
import { paymentJson, subscriptionJson } from './routes.js';
import type { Billing, RefundView } from './service.js';
import { Readable } from 'node:stream';
import { creditNoteUrls, invoiceSummaryJson } from '../invoices/index.js';
import { benefitKeys } from '../plans/index.js';
import type { ReaderFile, SupportDesk } from './support/desk.js';

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
export function actorOf(request: Parameters<typeof principalOf>[0]): string {
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
      noteNoChange(request);
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

const readerId = z.string().regex(/^acc_[0-9a-z]{26}$/, 'expected a reader id (acc_…)');
const ReaderParams = z.object({ id: readerId });

/** The longest extension support may give at once, in days (a year, a leap year's too). */
export const maxExtendDays = 366;

/** The request bodies of the support desk's actions, shared by the admin API and the admin's forms. */
export const CompBody = z
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
  });
export const CancelBody = z.object({ when: z.enum(['now', 'period_end']) }).strict();
export const ExtendBody = z
  .object({
    days: z
      .number()
      .int('expected a whole number of days')
      .min(1, 'expected at least 1 day')
      .max(maxExtendDays, `expected at most ${maxExtendDays} days`),
  })
  .strict();
export const ResendReceiptBody = z
  .object({
    invoiceId: z
      .string()
      .regex(/^inv_[0-9a-z]{26}$/, 'expected an invoice id (inv_…)')
      .optional(),
  })
  .strict();

/** One reader's file as the admin API answers it; amounts in minor units. */
export function readerFileJson(file: ReaderFile, publicUrl: string) {
  const { account, billing: held } = file;
  return {
    ...account,
    subscription: held.subscription && subscriptionJson(held.subscription),
    payments: held.payments.map(paymentJson),
    invoices: file.invoices.map((invoice) => invoiceSummaryJson(invoice, publicUrl)),
    devices: file.devices.map(({ current: _current, ...device }) => device),
    meter: { reads: file.reads.length, recent: file.reads.slice(-20) },
    comps: held.comps,
    events: held.events,
  };
}

/**
 * The support desk: `/api/admin/v1/readers` (search, one reader with everything billing,
 * invoices and the meter know, and support's actions on them) and the subscriber list as CSV.
 */
export async function adminReaderRoutes(
  app: FastifyInstance,
  deps: { desk: SupportDesk; publicUrl: string },
): Promise<void> {
  const { desk } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['admin'];
  const security = [{ bearer: [] }];
  const staff = ['support'] as const;

  r.get(
    '/api/admin/v1/readers',
    {
      config: { staff },
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
      const found = await desk.search({ term: q, before, limit });
      return {
        readers: found.map((a) => ({
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
      config: { staff },
      schema: {
        tags,
        security,
        summary: 'One reader: subscription, payments, invoices, devices, meter and subscription events',
        params: ReaderParams,
      },
    },
    async (request) => {
      const file = await desk.reader(request.params.id);
      if (!file) throw new AppError('not_found', 'The reader was not found.');
      return { reader: readerFileJson(file, deps.publicUrl) };
    },
  );

  r.post(
    '/api/admin/v1/readers/:id/comp',
    {
      config: { staff },
      schema: {
        tags,
        security,
        summary:
          "Comp a reader: a plan's benefits or named benefits, free, for `days` from now (not a subscription)",
        params: ReaderParams,
        body: CompBody,
      },
    },
    async (request, reply) => {
      const comp = await desk.grantComp(request.params.id, request.body, actorOf(request));
      noteChange(request, { action: 'reader.comp', target: request.params.id, before: null, after: comp });
      return reply.status(201).send({ comp });
    },
  );

  r.post(
    '/api/admin/v1/readers/:id/cancel',
    {
      config: { staff },
      schema: {
        tags,
        security,
        summary: "Cancel a reader's subscription now or at the end of the paid term",
        params: ReaderParams,
        body: CancelBody,
      },
    },
    async (request) => {
      const { before, after } = await desk.cancel(request.params.id, request.body.when, actorOf(request));
      noteChange(request, {
        action: 'reader.cancel',
        target: request.params.id,
        before: before && { id: before.id, status: before.status },
        after: { id: after.id, status: after.status, when: request.body.when },
      });
      return { subscription: subscriptionJson(after) };
    },
  );

  r.post(
    '/api/admin/v1/readers/:id/extend',
    {
      config: { staff },
      schema: {
        tags,
        security,
        summary: `Extend a reader's current term by \`days\` (1 to ${maxExtendDays}), free: the renewal moves with it`,
        params: ReaderParams,
        body: ExtendBody,
      },
    },
    async (request) => {
      const { before, after } = await desk.extend(request.params.id, request.body.days, actorOf(request));
      noteChange(request, {
        action: 'reader.extend',
        target: request.params.id,
        before: { id: before.id, currentPeriodEnd: before.currentPeriodEnd },
        after: { id: after.id, currentPeriodEnd: after.currentPeriodEnd, days: request.body.days },
      });
      return { subscription: subscriptionJson(after) };
    },
  );

  r.post(
    '/api/admin/v1/readers/:id/receipts/resend',
    {
      config: { staff },
      schema: {
        tags,
        security,
        summary: "Mail the receipt of one of the reader's invoices again (by default their latest)",
        params: ReaderParams,
        body: ResendReceiptBody,
      },
    },
    async (request, reply) => {
      const invoice = await desk.resendReceipt(request.params.id, request.body.invoiceId);
      noteChange(request, { action: 'reader.receipt-resend', target: request.params.id, after: invoice });
      return reply.status(202).send({ resent: { invoiceId: invoice.id, number: invoice.number } });
    },
  );

  r.post(
    '/api/admin/v1/readers/:id/sign-out',
    {
      config: { staff },
      schema: {
        tags,
        security,
        summary: 'Sign the reader out on every device: every session and its refresh tokens end',
        params: ReaderParams,
      },
    },
    async (request) => {
      const ended = await desk.signOutEverywhere(request.params.id);
      noteChange(request, { action: 'reader.sign-out', target: request.params.id, after: { ended } });
      return { sessionsEnded: ended };
    },
  );

  r.get(
    '/api/admin/v1/readers/:id/export',
    {
      config: { staff },
      schema: {
        tags,
        security,
        summary: "The reader's data export: the document the reader downloads from their account",
        params: ReaderParams,
      },
    },
    async (request, reply) => {
      const data = await desk.exportData(request.params.id);
      noteDataExport(request, { action: 'reader.export', target: request.params.id, after: null });
      return reply
        .header('cache-control', 'private, no-store')
        .header('content-disposition', `attachment; filename="account-${data.account.id}.json"`)
        .send(data);
    },
  );

  r.delete(
    '/api/admin/v1/readers/:id',
    {
      config: { staff },
      schema: {
        tags,
        security,
        summary:
          "Delete the reader's account as their own deletion does (payments and invoices are kept); 409 while the subscription renews",
        params: ReaderParams,
      },
    },
    async (request, reply) => {
      await desk.deleteReader(request.params.id);
      noteChange(request, { action: 'reader.delete', target: request.params.id, after: null });
      return reply.status(204).send();
    },
  );

  r.get(
    '/api/admin/v1/subscribers.csv',
    {
      config: { staff },
      schema: {
        tags,
        security,
        summary: 'Every subscription (or those of one status) as CSV, oldest first, streamed',
        querystring: z.object({ status: z.enum(statuses).optional() }).strict(),
      },
    },
    async (request, reply) => {
      noteDataExport(request, {
        action: 'subscribers.export',
        target: 'subscribers.csv',
        after: { status: request.query.status ?? 'all' },
      });
      return reply
        .type('text/csv; charset=utf-8')
        .header('cache-control', 'private, no-store')
        .header('content-disposition', 'attachment; filename="subscribers.csv"')
        .send(Readable.from(desk.subscriberCsv({ status: request.query.status })));
    },
  );
}

const paymentId = z.string().regex(/^pay_[0-9a-z]{26}$/, 'expected a payment id (pay_…)');

/** A refund for the admin API: amounts in minor units, the credit note with its URLs. */
export function refundJson(refund: RefundView, publicUrl: string) {
  const urls = creditNoteUrls(publicUrl, refund.creditNote);
  return {
    id: refund.id,
    paymentId: refund.paymentId,
    accountId: refund.accountId,
    amount: { amount: refund.amount.amountMinor, currency: refund.amount.currency },
    remaining: { amount: refund.remaining.amountMinor, currency: refund.remaining.currency },
    createdAt: refund.createdAt,
    creditNote: {
      id: refund.creditNote.id,
      number: refund.creditNote.number,
      url: urls.staff.html,
      pdfUrl: urls.staff.pdf,
      readerUrls: { html: urls.html, pdf: urls.pdf },
    },
  };
}

/** Support refunds a payment: `POST /api/admin/v1/payments/:id/refund`. */
export async function adminRefundRoutes(
  app: FastifyInstance,
  deps: { billing: Billing; publicUrl: string },
): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/api/admin/v1/payments/:id/refund',
    {
      config: { staff: ['support'] },
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary:
          'Refund all (amount omitted) or part of a payment through the gateway, with a GST credit note',
        params: z.object({ id: paymentId }),
        body: z
          .object({
            amount: z
              .number()
              .int('expected a whole number of minor units')
              .positive('expected a positive amount')
              .max(Number.MAX_SAFE_INTEGER)
              .optional(),
          })
          .strict()
          .optional(),
      },
    },
    async (request, reply) => {
      const refund = await deps.billing.refundPayment({
        paymentId: request.params.id,
        amountMinor: request.body?.amount,
        by: actorOf(request),
      });
      const json = refundJson(refund, deps.publicUrl);
      noteChange(request, {
        action: 'payment.refund',
        target: request.params.id,
        before: {
          refundable: {
            amount: refund.remaining.amountMinor + refund.amount.amountMinor,
            currency: refund.amount.currency,
          },
        },
        after: {
          refund: json.id,
          amount: json.amount,
          remaining: json.remaining,
          creditNote: json.creditNote.number,
        },
      });
      return reply.status(201).send({ refund: json });
    },
  );
}
