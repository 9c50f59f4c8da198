import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../../../kernel/errors.js';
import { parseMajorAmount, type Money } from '../../../kernel/money.js';
import { noteChange, noteDataExport, principalOf } from '../../../kernel/staff-access.js';
import type { AdminNavItem } from '../../../web/admin/shell.js';
import { renderPage, sendHtml } from '../../../web/render.js';
import { benefitKeys, type PlanService } from '../../plans/index.js';
import {
  actorOf,
  CancelBody,
  CompBody,
  ExtendBody,
  maxExtendDays,
  ResendReceiptBody,
} from '../routes-admin.js';
import type { Billing } from '../service.js';
import type { SupportDesk } from './desk.js';
import { ReaderPage, ReaderSearchPage } from './views.js';
import { doneNotices } from '../../../web/admin/done.js';

const ReaderParams = z.object({ id: z.string().regex(/^acc_[0-9a-z]{26}$/, 'expected a reader id (acc_…)') });
const SearchQuery = z.object({
  q: z.string().trim().max(254).optional(),
  deleted: z.literal('1').optional(),
});
const field = z.string().max(200);
const list = z
  .union([z.string().max(64), z.array(z.string().max(64)).max(50)])
  .optional()
  .transform((value) => (value === undefined ? [] : [value].flat()));

// What just happened, by a word in the redirect's query: a link cannot make the page say anything else.
const doneMessages = {
  comped: 'Comp granted: the reader has the benefits now.',
  extended: 'Subscription extended: the renewal moved with it.',
  canceled: 'Subscription cancelled.',
  receipt: 'Receipt sent again.',
  'signed-out': 'The reader is signed out on every device.',
  refunded: 'Refunded through the payment gateway; the credit note is issued.',
} as const;
const notices = doneNotices(doneMessages);
const DoneQuery = notices.query.extend({
  creditNote: z
    .string()
    .regex(/^crn_[0-9a-z]{26}$/)
    .optional(),
});
const RefundParams = ReaderParams.extend({ paymentId: z.string().regex(/^pay_[0-9a-z]{26}$/) });

/** Money as the audit log keeps it, in minor units; `plus` adds what this refund took back. */
const moneyJson = (value: Money, plus = 0) => ({
  amount: value.amountMinor + plus,
  currency: value.currency,
});

/** A whole number typed in a form, as the API's body has it (a wrong one is refused by its schema). */
const whole = (text: string | undefined) =>
  /^\d{1,6}$/.test((text ?? '').trim()) ? Number(text) : Number.NaN;

/**
 * `/admin/readers` and `/admin/readers/:id`: the support desk's pages. Each form posts here, is
 * checked by the admin API's own body schema, acts through `SupportDesk` as the API does, and
 * redirects back to the reader's page with what happened (or shows the page again with why not).
 */
export async function readerPageRoutes(
  app: FastifyInstance,
  deps: {
    desk: SupportDesk;
    billing: Pick<Billing, 'refundPayment'>;
    plans: Pick<PlanService, 'listAll'>;
    nav: readonly AdminNavItem[];
  },
): Promise<void> {
  const { desk, billing, plans, nav } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const staff = ['support'] as const;

  async function readerPage(
    request: FastifyRequest,
    id: string,
    extra: { error?: string; done?: string; creditNoteId?: string },
  ) {
    const [file, planList] = await Promise.all([desk.reader(id), plans.listAll()]);
    if (!file) throw notFound('The reader');
    return renderPage(
      ReaderPage({
        principal: principalOf(request),
        nav,
        file,
        plans: planList.map((plan) => ({ id: plan.id, name: plan.name })),
        benefits: benefitKeys,
        maxExtendDays,
        ...extra,
      }),
    );
  }

  /** Runs a form's action; a refusal (bad input, nothing to act on, a conflict) shows the page with why. */
  async function act(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    done: keyof typeof doneMessages,
    action: () => Promise<void>,
  ) {
    try {
      await action();
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      if (error.code === 'not_found' && !(await desk.reader(id))) throw error;
      return sendHtml(reply, await readerPage(request, id, { error: error.message }), error.status);
    }
    return reply.redirect(`/admin/readers/${id}?done=${done}`, 303);
  }

  const parse = <T,>(schema: z.ZodType<T>, value: unknown): T => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AppError(
        'validation_failed',
        `${issue?.path.join('.') || 'form'}: ${issue?.message ?? 'invalid'}`,
      );
    }
    return parsed.data;
  };

  r.get(
    '/admin/readers',
    { config: { staff }, schema: { hide: true, querystring: SearchQuery } },
    async (request, reply) => {
      const q = request.query.q ?? '';
      const readers = q === '' ? null : await desk.search({ term: q, limit: 50 });
      const done = request.query.deleted
        ? "The reader's account is deleted; their invoices are kept."
        : undefined;
      return sendHtml(
        reply,
        renderPage(ReaderSearchPage({ principal: principalOf(request), nav, q, readers, done })),
      );
    },
  );

  r.get(
    '/admin/readers/:id',
    { config: { staff }, schema: { hide: true, params: ReaderParams, querystring: DoneQuery } },
    async (request, reply) => {
      const { done, creditNote } = request.query;
      return sendHtml(
        reply,
        await readerPage(request, request.params.id, {
          ...notices.notice(done),
          ...(done === 'refunded' && creditNote && { creditNoteId: creditNote }),
        }),
      );
    },
  );

  r.post(
    '/admin/readers/:id/comp',
    {
      config: { staff },
      schema: {
        hide: true,
        params: ReaderParams,
        body: z.object({ planId: field.optional(), benefits: list, days: field.optional() }),
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      return act(request, reply, id, 'comped', async () => {
        const body = parse(CompBody, {
          ...(request.body.planId && { planId: request.body.planId }),
          ...(request.body.benefits.length > 0 && { benefits: request.body.benefits }),
          days: whole(request.body.days),
        });
        const comp = await desk.grantComp(id, body, actorOf(request));
        noteChange(request, { action: 'reader.comp', target: id, before: null, after: comp });
      });
    },
  );

  r.post(
    '/admin/readers/:id/extend',
    {
      config: { staff },
      schema: { hide: true, params: ReaderParams, body: z.object({ days: field.optional() }) },
    },
    async (request, reply) => {
      const { id } = request.params;
      return act(request, reply, id, 'extended', async () => {
        const { days } = parse(ExtendBody, { days: whole(request.body.days) });
        const { before, after } = await desk.extend(id, days, actorOf(request));
        noteChange(request, {
          action: 'reader.extend',
          target: id,
          before: { id: before.id, currentPeriodEnd: before.currentPeriodEnd },
          after: { id: after.id, currentPeriodEnd: after.currentPeriodEnd, days },
        });
      });
    },
  );

  r.post(
    '/admin/readers/:id/cancel',
    {
      config: { staff },
      schema: { hide: true, params: ReaderParams, body: z.object({ when: field.optional() }) },
    },
    async (request, reply) => {
      const { id } = request.params;
      return act(request, reply, id, 'canceled', async () => {
        const { when } = parse(CancelBody, { when: request.body.when });
        const { before, after } = await desk.cancel(id, when, actorOf(request));
        noteChange(request, {
          action: 'reader.cancel',
          target: id,
          before: before && { id: before.id, status: before.status },
          after: { id: after.id, status: after.status, when },
        });
      });
    },
  );

  r.post(
    '/admin/readers/:id/receipt',
    {
      config: { staff },
      schema: { hide: true, params: ReaderParams, body: z.object({ invoiceId: field.optional() }) },
    },
    async (request, reply) => {
      const { id } = request.params;
      return act(request, reply, id, 'receipt', async () => {
        const { invoiceId } = parse(
          ResendReceiptBody,
          request.body.invoiceId ? { invoiceId: request.body.invoiceId } : {},
        );
        const invoice = await desk.resendReceipt(id, invoiceId);
        noteChange(request, { action: 'reader.receipt-resend', target: id, after: invoice });
      });
    },
  );

  r.post(
    '/admin/readers/:id/sign-out',
    { config: { staff }, schema: { hide: true, params: ReaderParams } },
    async (request, reply) => {
      const { id } = request.params;
      return act(request, reply, id, 'signed-out', async () => {
        const ended = await desk.signOutEverywhere(id);
        noteChange(request, { action: 'reader.sign-out', target: id, after: { ended } });
      });
    },
  );

  r.get(
    '/admin/readers/:id/export',
    { config: { staff }, schema: { hide: true, params: ReaderParams } },
    async (request, reply) => {
      const data = await desk.exportData(request.params.id);
      noteDataExport(request, { action: 'reader.export', target: request.params.id, after: null });
      return reply
        .type('application/json; charset=utf-8')
        .header('cache-control', 'private, no-store')
        .header('content-disposition', `attachment; filename="account-${data.account.id}.json"`)
        .send(JSON.stringify(data, null, 2));
    },
  );

  r.post(
    '/admin/readers/:id/payments/:paymentId/refund',
    {
      config: { staff },
      schema: { hide: true, params: RefundParams, body: z.object({ amount: field.optional() }) },
    },
    async (request, reply) => {
      const { id, paymentId } = request.params;
      const file = await desk.reader(id);
      if (!file) throw notFound('The reader');
      // Only this reader's payment: a form cannot refund someone else's through this page.
      const payment = file.billing.payments.find((p) => p.id === paymentId);
      if (!payment) throw notFound('The payment');
      const typed = (request.body.amount ?? '').trim();
      const amountMinor = typed === '' ? undefined : parseMajorAmount(typed, payment.amount.currency);
      if (typed !== '' && !amountMinor) {
        const error = `Refund: "${typed}" is not an amount in ${payment.amount.currency}, such as 450 or 450.50.`;
        return sendHtml(reply, await readerPage(request, id, { error }), 422);
      }
      try {
        const refund = await billing.refundPayment({ paymentId, amountMinor, by: actorOf(request) });
        noteChange(request, {
          action: 'payment.refund',
          target: paymentId,
          before: { refundable: moneyJson(refund.remaining, refund.amount.amountMinor) },
          after: {
            refund: refund.id,
            amount: moneyJson(refund.amount),
            remaining: moneyJson(refund.remaining),
            creditNote: refund.creditNote.number,
          },
        });
        return reply.redirect(`/admin/readers/${id}?done=refunded&creditNote=${refund.creditNote.id}`, 303);
      } catch (error) {
        // A gateway outage is told to support as it is: the refund waits for the sweep.
        const told =
          error instanceof AppError && (error.status < 500 || error.code === 'gateway_unavailable');
        if (!told) throw error;
        if (error.status >= 500) request.log.error({ err: error }, 'refund left pending');
        return sendHtml(reply, await readerPage(request, id, { error: error.message }), error.status);
      }
    },
  );

  r.post(
    '/admin/readers/:id/delete',
    {
      config: { staff },
      schema: { hide: true, params: ReaderParams, body: z.object({ confirm: field.optional() }) },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (request.body.confirm !== 'yes') {
        const error = 'Tick the box to confirm that the account is to be deleted.';
        return sendHtml(reply, await readerPage(request, id, { error }), 422);
      }
      try {
        await desk.deleteReader(id);
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'conflict') throw error;
        return sendHtml(reply, await readerPage(request, id, { error: error.message }), error.status);
      }
      noteChange(request, { action: 'reader.delete', target: id, after: null });
      return reply.redirect('/admin/readers?deleted=1', 303);
    },
  );
}
