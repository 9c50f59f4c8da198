import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../../kernel/errors.js';
import { noteChange, principalOf } from '../../kernel/staff-access.js';
import type { AdminNavItem } from '../../web/admin/shell.js';
import { renderPage, sendHtml } from '../../web/render.js';
import { amountFromForm, type PlanService } from '../plans/index.js';
import { couponJson } from './serializers.js';
import type { CouponService } from './service.js';
import { CouponsPage, emptyCouponForm, type CouponFormValues } from './views.js';
import { doneNotices } from '../../web/admin/done.js';

const field = z.string().max(200);
const CouponParams = z.object({ id: z.string().regex(/^[a-z0-9_]{1,64}$/, 'expected a coupon id') });
const CreateForm = z.object({
  code: field,
  kind: field,
  percentOff: field.optional(),
  amountOff: field.optional(),
  currency: field.optional(),
  duration: field,
  planIds: z
    .union([z.string().max(64), z.array(z.string().max(64)).max(100)])
    .optional()
    .transform((value) => (value === undefined ? [] : [value].flat())),
  expiresOn: field.optional(),
  maxRedemptions: field.optional(),
});
const ActiveForm = z.object({ active: z.enum(['true', 'false']) });

// What just happened, by a word in the redirect's query: a link cannot make the page say anything else.
const doneMessages = {
  created: 'Coupon created: readers can use it at checkout now.',
  retired: 'Coupon retired: readers can no longer use it. Subscriptions that have it keep their discount.',
  restored: 'Coupon switched on again.',
} as const;
const notices = doneNotices(doneMessages);
const DoneQuery = notices.query;

const refuse = (message: string) => new AppError('validation_failed', message);

function optionalWhole(text: string | undefined, what: string): number | null {
  const value = (text ?? '').trim();
  if (value === '') return null;
  if (!/^\d{1,9}$/.test(value)) throw refuse(`${what} is a whole number; "${text}" is not.`);
  return Number(value);
}

/**
 * `/admin/coupons`: every coupon, creating one and retiring (or switching back on) one, through
 * `CouponService` as `/api/admin/v1/coupons` does. The service's rules decide what a coupon may be.
 */
export async function couponPageRoutes(
  app: FastifyInstance,
  deps: {
    coupons: CouponService;
    plans: Pick<PlanService, 'listAll'>;
    nav: readonly AdminNavItem[];
  },
): Promise<void> {
  const { coupons, plans, nav } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  async function page(
    request: FastifyRequest,
    extra: { error?: string; done?: string; form?: CouponFormValues } = {},
  ) {
    const [all, planList] = await Promise.all([coupons.list(), plans.listAll()]);
    return renderPage(
      CouponsPage({
        principal: principalOf(request),
        nav,
        coupons: all,
        plans: planList.map((plan) => ({ id: plan.id, name: plan.name })),
        form: extra.form ?? emptyCouponForm,
        error: extra.error,
        done: extra.done,
      }),
    );
  }

  r.get(
    '/admin/coupons',
    { config: { staff: ['marketer'] }, schema: { hide: true, querystring: DoneQuery } },
    async (request, reply) => sendHtml(reply, await page(request, notices.notice(request.query.done))),
  );

  r.post(
    '/admin/coupons',
    { config: { staff: ['marketer'] }, schema: { hide: true, body: CreateForm } },
    async (request, reply) => {
      const body = request.body;
      const form: CouponFormValues = {
        code: body.code,
        kind: body.kind,
        percentOff: body.percentOff ?? '',
        amountOff: body.amountOff ?? '',
        currency: body.currency ?? 'INR',
        duration: body.duration,
        planIds: body.planIds,
        expiresOn: body.expiresOn ?? '',
        maxRedemptions: body.maxRedemptions ?? '',
      };
      try {
        if (body.kind !== 'percent' && body.kind !== 'amount')
          throw refuse('A coupon takes a percentage or an amount off.');
        if (body.duration !== 'once' && body.duration !== 'forever')
          throw refuse('A coupon applies to the first term or to every term.');
        const expiresOn = (body.expiresOn ?? '').trim();
        if (expiresOn !== '' && !/^\d{4}-\d{2}-\d{2}$/.test(expiresOn))
          throw refuse(`The last day is a date such as 2026-12-31; "${expiresOn}" is not.`);
        const coupon = await coupons.create({
          code: body.code.trim(),
          kind: body.kind,
          duration: body.duration,
          ...(body.kind === 'percent'
            ? { percentOff: optionalWhole(body.percentOff, 'The percentage') }
            : { amountOff: amountFromForm(body.amountOff ?? '', body.currency) }),
          planIds: body.planIds.length > 0 ? body.planIds : null,
          expiresAt: expiresOn === '' ? null : `${expiresOn}T23:59:59.999Z`,
          maxRedemptions: optionalWhole(body.maxRedemptions, 'The number of uses'),
        });
        noteChange(request, {
          action: 'coupon.create',
          target: coupon.id,
          before: null,
          after: couponJson(coupon),
        });
        return reply.redirect('/admin/coupons?done=created', 303);
      } catch (error) {
        if (error instanceof AppError && (error.code === 'validation_failed' || error.code === 'conflict'))
          return sendHtml(reply, await page(request, { form, error: error.message }), 422);
        throw error;
      }
    },
  );

  r.post(
    '/admin/coupons/:id/active',
    { config: { staff: ['marketer'] }, schema: { hide: true, params: CouponParams, body: ActiveForm } },
    async (request, reply) => {
      const existing = await coupons.get(request.params.id);
      if (!existing) throw notFound('The coupon');
      const active = request.body.active === 'true';
      const after = await coupons.update(existing.id, { active });
      noteChange(request, {
        action: active ? 'coupon.update' : 'coupon.retire',
        target: existing.id,
        before: couponJson(existing),
        after: couponJson(after),
      });
      return reply.redirect(`/admin/coupons?done=${active ? 'restored' : 'retired'}`, 303);
    },
  );
}
