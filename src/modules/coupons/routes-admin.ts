import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../../kernel/errors.js';
import { isCurrency, money } from '../../kernel/money.js';
import { isoInstant } from '../../kernel/validation.js';
import { noteChange } from '../../kernel/staff-access.js';
import { couponJson } from './serializers.js';
import type { CouponService } from './service.js';

const CouponParams = z.object({ id: z.string().regex(/^[a-z0-9_]{1,64}$/, 'expected a coupon id') });

const maxRedemptions = z.number().int().min(1, 'expected at least 1, or null for no limit').nullable();

// The rules that tie fields together (a percent coupon has percentOff and no amountOff, the
// expiry is in the future, the plans exist) are the service's, so they hold for every caller.
const CreateCouponBody = z
  .object({
    code: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{3,32}$/, 'expected 3 to 32 letters, digits, hyphens or underscores'),
    kind: z.enum(['percent', 'amount']),
    percentOff: z.number().int().min(1).max(100).nullable().optional(),
    amountOff: z
      .object({
        amount: z
          .number()
          .int('expected a whole number of minor units (paise for INR)')
          .positive('expected an amount above zero')
          .max(Number.MAX_SAFE_INTEGER),
        currency: z.string().refine(isCurrency, 'expected a supported ISO 4217 currency code such as INR'),
      })
      .strict()
      .nullable()
      .optional(),
    duration: z.enum(['once', 'forever']),
    planIds: z.array(z.string().min(1).max(64)).max(100).nullable().optional(),
    expiresAt: isoInstant.nullable().optional(),
    maxRedemptions: maxRedemptions.optional(),
  })
  .strict();

const UpdateCouponBody = z
  .object({
    active: z.boolean().optional(),
    expiresAt: isoInstant.nullable().optional(),
    maxRedemptions: maxRedemptions.optional(),
  })
  .strict();

/** The coupons part of the admin API: `/api/admin/v1/coupons`. */
export async function adminCouponRoutes(
  app: FastifyInstance,
  deps: { coupons: CouponService },
): Promise<void> {
  const { coupons } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  // onRequest: the key is checked before the body is even parsed or validated.

  r.get(
    '/api/admin/v1/coupons',
    {
      config: { staff: ['marketer'] },
      schema: { tags: ['admin'], security: [{ bearer: [] }], summary: 'Every coupon, newest first' },
    },
    async () => ({ coupons: (await coupons.list()).map(couponJson) }),
  );

  r.get(
    '/api/admin/v1/coupons/:id',
    {
      config: { staff: ['marketer'] },
      schema: { tags: ['admin'], security: [{ bearer: [] }], summary: 'One coupon', params: CouponParams },
    },
    async (request) => {
      const coupon = await coupons.get(request.params.id);
      if (!coupon) throw notFound('The coupon');
      return { coupon: couponJson(coupon) };
    },
  );

  r.post(
    '/api/admin/v1/coupons',
    {
      config: { staff: ['marketer'] },
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Create a coupon: a percentage or a fixed amount off, the first term or every term',
        body: CreateCouponBody,
      },
    },
    async (request, reply) => {
      const { amountOff, ...rest } = request.body;
      const coupon = await coupons.create({
        ...rest,
        amountOff: amountOff && money(amountOff.amount, amountOff.currency),
      });
      const after = couponJson(coupon);
      noteChange(request, { action: 'coupon.create', target: coupon.id, before: null, after });
      return reply
        .status(201)
        .header('location', `/api/admin/v1/coupons/${coupon.id}`)
        .send({ coupon: after });
    },
  );

  r.patch(
    '/api/admin/v1/coupons/:id',
    {
      config: { staff: ['marketer'] },
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Switch a coupon on or off, or change its expiry or limit',
        params: CouponParams,
        body: UpdateCouponBody,
      },
    },
    async (request) => {
      const existing = await coupons.get(request.params.id);
      if (!existing) throw notFound('The coupon');
      const before = couponJson(existing);
      const after = couponJson(await coupons.update(request.params.id, request.body));
      const action = before.active && !after.active ? 'coupon.retire' : 'coupon.update';
      noteChange(request, { action, target: request.params.id, before, after });
      return { coupon: after };
    },
  );
}
