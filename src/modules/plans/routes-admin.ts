import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { singleLine } from '../../kernel/validation.js';
import { notFound } from '../../kernel/errors.js';
import { isCurrency, money } from '../../kernel/money.js';
import { benefitKeys } from './benefits.js';
import { planSlugOf } from './domain.js';
import { adminPlanJson, priceVersionJson } from './serializers.js';
import { noteChange } from '../../kernel/staff-access.js';
import type { PlanService } from './service.js';

/** An amount as the API carries it: minor units (paise for INR) and an ISO 4217 code. */
export const AmountBody = z
  .object({
    amount: z
      .number()
      .int('expected a whole number of minor units (paise for INR)')
      .positive('expected an amount above zero')
      .max(Number.MAX_SAFE_INTEGER),
    currency: z.string().refine(isCurrency, 'expected a supported ISO 4217 currency code such as INR'),
  })
  .strict();

const PlanParams = z.object({ id: z.string().regex(/^[a-z0-9_]{1,64}$/, 'expected a plan id') });

const PlanFields = {
  name: singleLine(z.string().trim().min(1).max(120)),
  trialDays: z.number().int().min(0).max(365),
  benefits: z
    .array(z.enum(benefitKeys, { error: `expected one of ${benefitKeys.join(', ')}` }))
    .min(1, 'expected at least one benefit')
    .refine((keys) => new Set(keys).size === keys.length, 'expected each benefit once'),
  active: z.boolean(),
  position: z.number().int().min(0).max(10_000),
  interval: z.object({ unit: z.enum(['month', 'year']), count: z.number().int().min(1).max(120) }).strict(),
};

/** A plan as created (`POST /api/admin/v1/plans`), also what a draft for a preview of `/subscribe` is. */
export const CreatePlanBody = z
  .object({
    slug: z
      .string()
      .max(60)
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'expected lowercase words joined by hyphens')
      .optional(),
    name: PlanFields.name,
    interval: PlanFields.interval,
    trialDays: PlanFields.trialDays.optional(),
    benefits: PlanFields.benefits,
    // One per currency and INR first are the service's rules (the seed goes through it too).
    prices: z.array(AmountBody).min(1, 'expected at least one price'),
    active: PlanFields.active.optional(),
    position: PlanFields.position.optional(),
  })
  .strict();

const UpdatePlanBody = z
  .object({
    name: PlanFields.name.optional(),
    trialDays: PlanFields.trialDays.optional(),
    benefits: PlanFields.benefits.optional(),
    active: PlanFields.active.optional(),
    position: PlanFields.position.optional(),
    // Accepted when unchanged, so a client may send the plan back whole; the service refuses
    // a different term with a message saying what to do instead.
    interval: PlanFields.interval.optional(),
    // Named so that the answer says where a change belongs, not just "unrecognised key".
    prices: z
      .never({
        error:
          'prices are changed one at a time with POST /api/admin/v1/plans/{id}/prices, which keeps the old price for its subscribers',
      })
      .optional(),
    slug: z.never({ error: "a plan's slug cannot be changed: links to /subscribe?plan=… use it" }).optional(),
  })
  .strict();

const ReorderBody = z
  .object({ planIds: z.array(PlanParams.shape.id).min(1, 'expected every plan id, in order').max(1000) })
  .strict();

/** The plans part of the admin API: `/api/admin/v1/plans`. */
export async function adminPlanRoutes(app: FastifyInstance, deps: { plans: PlanService }): Promise<void> {
  const { plans } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  // onRequest: the key is checked before the body is even parsed or validated.

  const planWithHistory = async (id: string) => {
    const plan = await plans.getWithHistory(id);
    if (!plan) throw notFound('The plan');
    return adminPlanJson(plan);
  };

  r.get(
    '/api/admin/v1/plans',
    {
      config: { staff: ['marketer'] },
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Every plan, active or not, with the history of its prices',
      },
    },
    async () => ({ plans: (await plans.listAll()).map(adminPlanJson) }),
  );

  r.get(
    '/api/admin/v1/plans/:id',
    {
      config: { staff: ['marketer'] },
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'One plan with the history of its prices',
        params: PlanParams,
      },
    },
    async (request) => ({ plan: await planWithHistory(request.params.id) }),
  );

  r.post(
    '/api/admin/v1/plans',
    {
      config: { staff: ['marketer'] },
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Create a plan; amounts in minor units, one price per currency, INR first',
        body: CreatePlanBody,
      },
    },
    async (request, reply) => {
      const { interval, prices, slug, ...rest } = request.body;
      const plan = await plans.create({
        ...rest,
        slug: slug ?? planSlugOf(rest.name),
        term: interval,
        prices: prices.map((price) => money(price.amount, price.currency)),
      });
      const after = await planWithHistory(plan.id);
      noteChange(request, { action: 'plan.create', target: plan.id, before: null, after });
      return reply.status(201).header('location', `/api/admin/v1/plans/${plan.id}`).send({ plan: after });
    },
  );

  r.patch(
    '/api/admin/v1/plans/:id',
    {
      config: { staff: ['marketer'] },
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Change a plan (not its term or prices)',
        params: PlanParams,
        body: UpdatePlanBody,
      },
    },
    async (request) => {
      const { interval, name, trialDays, benefits, active, position } = request.body;
      const before = await planWithHistory(request.params.id);
      await plans.update(request.params.id, { name, trialDays, benefits, active, position, term: interval });
      const after = await planWithHistory(request.params.id);
      // Retiring a plan is the change a marketer looks for in the audit log.
      const action = before.active && !after.active ? 'plan.retire' : 'plan.update';
      noteChange(request, { action, target: request.params.id, before, after });
      return { plan: after };
    },
  );

  r.post(
    '/api/admin/v1/plans/:id/prices',
    {
      config: { staff: ['marketer'] },
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: "Change a plan's price in one currency: a new version; subscribers keep theirs",
        params: PlanParams,
        body: AmountBody,
      },
    },
    async (request, reply) => {
      const before = await planWithHistory(request.params.id);
      const version = await plans.addPrice(
        request.params.id,
        money(request.body.amount, request.body.currency),
      );
      const after = await planWithHistory(request.params.id);
      noteChange(request, {
        action: 'plan.price',
        target: request.params.id,
        before: before.prices,
        after: after.prices,
      });
      return reply.status(201).send({ price: priceVersionJson(version), plan: after });
    },
  );

  r.put(
    '/api/admin/v1/plans/order',
    {
      config: { staff: ['marketer'] },
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Set the display order of the plans: every plan id once, first shown first',
        body: ReorderBody,
      },
    },
    async (request) => {
      const before = (await plans.listAll()).map((plan) => plan.id);
      const after = (await plans.reorder(request.body.planIds)).map(adminPlanJson);
      noteChange(request, {
        action: 'plan.reorder',
        target: 'plans',
        before,
        after: after.map((plan) => plan.id),
      });
      return { plans: after };
    },
  );
}
