import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import { isCurrency, minorUnitsPerMajor, money, parseMajorAmount, type Money } from '../../kernel/money.js';
import { noteChange, noteNoChange, principalOf } from '../../kernel/staff-access.js';
import { singleLine } from '../../kernel/validation.js';
import type { AdminNavItem } from '../../web/admin/shell.js';
import { renderPage, sendHtml } from '../../web/render.js';
import { benefitKeys, isBenefitKey, type BenefitKey } from './benefits.js';
import { planSlugOf, pricesProblem, type Plan } from './domain.js';
import { adminPlanJson } from './serializers.js';
import type { PlanService } from './service.js';
import { emptyPlanForm, PlanPage, PlansPage, type PlanFormValues, type PriceMoveSummary } from './views.js';
import { doneNotices } from '../../web/admin/done.js';

const PlanParams = z.object({ id: z.string().regex(/^[a-z0-9_]{1,64}$/, 'expected a plan id') });
const field = z.string().max(200);
/** A repeated form field (checkboxes): absent, one value, or several. */
const many = z
  .union([z.string().max(100), z.array(z.string().max(100)).max(50)])
  .optional()
  .transform((value) => (value === undefined ? [] : [value].flat()));

const CreateForm = z.object({
  name: field,
  slug: field.optional(),
  termCount: field,
  termUnit: field,
  trialDays: field.optional(),
  amount: field,
  currency: field.optional(),
  benefits: many,
  intent: z.enum(['preview', 'create']).optional(),
});
const DetailsForm = z.object({ name: field, trialDays: field.optional(), benefits: many });
const PriceForm = z.object({ amount: field, currency: field.optional() });
const OrderForm = z.object({ planId: PlanParams.shape.id, direction: z.enum(['up', 'down']) });
const ActiveForm = z.object({ active: z.enum(['true', 'false']) });
const MoveForm = z.object({ priceId: field.optional(), noticeDays: field });

/** A refusal the marketer can fix in the form. */
const refusalOf = (error: unknown): string | undefined =>
  error instanceof AppError &&
  (error.code === 'validation_failed' || error.code === 'conflict' || error.code === 'not_found')
    ? error.message
    : undefined;

const refuse = (message: string) => new AppError('validation_failed', message);

// What just happened, by a word in the redirect's query: a link cannot make the page say anything else.
const doneMessages = {
  created: 'Plan created.',
  saved: 'Saved.',
  retired: 'Plan retired: no longer sold. Its subscribers keep it.',
  restored: 'Plan on sale again.',
  price: 'New price saved as a new version. Existing subscribers keep their price until moved.',
  moved:
    'Move scheduled: subscribers are told in the next billing run, and pay the new price from the first renewal after their notice.',
  unchanged: 'That move is scheduled already; nothing changed.',
} as const;
const notices = doneNotices(doneMessages);
const DoneQuery = notices.query;

/** "900", "2,700", "900.50" in `currency`'s major unit, as minor units; throws a refusal. */
export function amountOf(text: string, currencyText: string | undefined): Money {
  const currency = (currencyText ?? 'INR').trim().toUpperCase() || 'INR';
  if (!isCurrency(currency)) throw refuse(`"${currency}" is not a currency Masthead takes (INR, USD, EUR…).`);
  const digits = String(minorUnitsPerMajor(currency)).length - 1;
  const minor = parseMajorAmount(text, currency);
  if (minor === undefined)
    throw refuse(
      `The price is an amount in ${currency}${digits > 0 ? ` with at most ${digits} decimals` : ''}, such as 900; "${text}" is not.`,
    );
  const amount = money(minor, currency);
  const problem = pricesProblem([amount]);
  if (problem) throw refuse(problem);
  return amount;
}

function wholeOf(text: string | undefined, what: string, min: number, max: number): number {
  const value = (text ?? '').trim() === '' ? String(min) : (text ?? '').trim();
  if (!/^\d{1,6}$/.test(value) || Number(value) < min || Number(value) > max)
    throw refuse(`${what} is a whole number from ${min} to ${max}; "${text}" is not.`);
  return Number(value);
}

function benefitsOf(keys: readonly string[]): BenefitKey[] {
  const unknown = keys.filter((key) => !isBenefitKey(key));
  if (unknown.length > 0)
    throw refuse(`Unknown benefit ${unknown.join(', ')}; known: ${benefitKeys.join(', ')}.`);
  if (keys.length === 0) throw refuse('A plan needs at least one benefit.');
  return [...new Set(keys)].filter(isBenefitKey);
}

const nameOf = (text: string) => {
  const parsed = singleLine(z.string().trim().min(1).max(120)).safeParse(text);
  if (!parsed.success) throw refuse(`The name ${parsed.error.issues[0]?.message ?? 'is not valid'}.`);
  return parsed.data;
};

/**
 * `/admin/plans` and `/admin/plans/:id`: the plans in display order, creating, editing (a
 * new price is a new version), reordering and retiring them through `PlanService`, as the
 * plans admin API does; `/subscribe` previewed with its own views; and moving a plan's
 * subscribers to its current price with notice, through billing's price moves.
 */
export async function planPageRoutes(
  app: FastifyInstance,
  deps: {
    plans: PlanService;
    /** Billing's price moves (`Billing.movePrice`, `Billing.priceMoves`). */
    priceMoves: {
      move(input: {
        planId: string;
        priceId?: string | undefined;
        noticeDays: number;
        actor: string;
      }): Promise<{ move: PriceMoveSummary; created: boolean }>;
      list(planId: string): Promise<readonly PriceMoveSummary[]>;
      readonly minNoticeDays: number;
      readonly maxNoticeDays: number;
    };
    /** The plans part of /subscribe for `plans`, as readers see it. */
    subscribePreview: (plans: readonly Plan[]) => string;
    nav: readonly AdminNavItem[];
  },
): Promise<void> {
  const { plans, priceMoves, nav } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const frame = (request: FastifyRequest) => ({ principal: principalOf(request), nav });

  async function listPage(
    request: FastifyRequest,
    extra: { error?: string; done?: string; form?: PlanFormValues; draft?: Plan } = {},
  ) {
    const [all, active] = await Promise.all([plans.listAll(), plans.listActive()]);
    return renderPage(
      PlansPage({
        ...frame(request),
        plans: all,
        form: extra.form ?? emptyPlanForm,
        subscribeHtml: deps.subscribePreview(extra.draft ? [...active, extra.draft] : active),
        previewingDraft: extra.draft !== undefined,
        error: extra.error,
        done: extra.done,
      }),
    );
  }

  async function planPage(
    request: FastifyRequest,
    id: string,
    extra: { error?: string; done?: string } = {},
  ) {
    const plan = await plans.getWithHistory(id);
    if (!plan) throw new AppError('not_found', 'The plan was not found.');
    return renderPage(
      PlanPage({
        ...frame(request),
        plan,
        moves: await priceMoves.list(id),
        minNoticeDays: priceMoves.minNoticeDays,
        maxNoticeDays: priceMoves.maxNoticeDays,
        ...extra,
      }),
    );
  }

  r.get(
    '/admin/plans',
    {
      config: { staff: ['marketer'] },
      schema: { hide: true, querystring: DoneQuery },
    },
    async (request, reply) => sendHtml(reply, await listPage(request, notices.notice(request.query.done))),
  );

  r.post(
    '/admin/plans',
    { config: { staff: ['marketer'] }, schema: { hide: true, body: CreateForm } },
    async (request, reply) => {
      const body = request.body;
      const form: PlanFormValues = {
        name: body.name,
        slug: body.slug ?? '',
        termCount: body.termCount,
        termUnit: body.termUnit,
        trialDays: body.trialDays ?? '0',
        amount: body.amount,
        currency: body.currency ?? 'INR',
        benefits: body.benefits,
      };
      try {
        const name = nameOf(body.name);
        const slug = body.slug?.trim() || planSlugOf(name);
        if (body.termUnit !== 'month' && body.termUnit !== 'year')
          throw refuse('The term is in months or years.');
        const term = { unit: body.termUnit, count: wholeOf(body.termCount, 'The term', 1, 120) } as const;
        const input = {
          name,
          slug,
          term,
          trialDays: wholeOf(body.trialDays, 'The free trial', 0, 365),
          benefits: benefitsOf(body.benefits),
          prices: [amountOf(body.amount, body.currency)],
        };
        if (body.intent === 'preview') {
          noteNoChange(request);
          const draft: Plan = {
            id: 'draft',
            ...input,
            prices: input.prices.map((price) => ({ id: 'draft-price', ...price })),
            active: true,
            position: Number.MAX_SAFE_INTEGER,
          };
          return sendHtml(reply, await listPage(request, { form, draft }));
        }
        const plan = await plans.create(input);
        const after = await plans.getWithHistory(plan.id);
        noteChange(request, {
          action: 'plan.create',
          target: plan.id,
          before: null,
          after: after && adminPlanJson(after),
        });
        return reply.redirect('/admin/plans?done=created', 303);
      } catch (error) {
        const refusal = refusalOf(error);
        if (refusal === undefined) throw error;
        return sendHtml(reply, await listPage(request, { form, error: refusal }), 422);
      }
    },
  );

  r.post(
    '/admin/plans/order',
    { config: { staff: ['marketer'] }, schema: { hide: true, body: OrderForm } },
    async (request, reply) => {
      const ids = (await plans.listAll()).map((plan) => plan.id);
      const at = ids.indexOf(request.body.planId);
      if (at === -1)
        return sendHtml(reply, await listPage(request, { error: 'That plan was not found.' }), 404);
      const to = request.body.direction === 'up' ? at - 1 : at + 1;
      if (to >= 0 && to < ids.length) {
        const order = [...ids];
        [order[at], order[to]] = [order[to]!, order[at]!];
        await plans.reorder(order);
        noteChange(request, { action: 'plan.reorder', target: 'plans', before: ids, after: order });
      }
      return reply.redirect('/admin/plans', 303);
    },
  );

  r.get(
    '/admin/plans/:id',
    { config: { staff: ['marketer'] }, schema: { hide: true, params: PlanParams, querystring: DoneQuery } },
    async (request, reply) =>
      sendHtml(reply, await planPage(request, request.params.id, notices.notice(request.query.done))),
  );

  /** Re-renders the plan's page with a refusal, or rethrows a fault. */
  async function refused(request: FastifyRequest, reply: FastifyReply, id: string, error: unknown) {
    const refusal = refusalOf(error);
    if (refusal === undefined || (error instanceof AppError && error.code === 'not_found')) throw error;
    return sendHtml(reply, await planPage(request, id, { error: refusal }), 422);
  }

  r.post(
    '/admin/plans/:id',
    { config: { staff: ['marketer'] }, schema: { hide: true, params: PlanParams, body: DetailsForm } },
    async (request, reply) => {
      const { id } = request.params;
      try {
        const before = await plans.getWithHistory(id);
        if (!before) throw new AppError('not_found', 'The plan was not found.');
        await plans.update(id, {
          name: nameOf(request.body.name),
          trialDays: wholeOf(request.body.trialDays, 'The free trial', 0, 365),
          benefits: benefitsOf(request.body.benefits),
        });
        const after = await plans.getWithHistory(id);
        noteChange(request, {
          action: 'plan.update',
          target: id,
          before: adminPlanJson(before),
          after: after && adminPlanJson(after),
        });
        return reply.redirect(`/admin/plans/${id}?done=saved`, 303);
      } catch (error) {
        return refused(request, reply, id, error);
      }
    },
  );

  r.post(
    '/admin/plans/:id/prices',
    { config: { staff: ['marketer'] }, schema: { hide: true, params: PlanParams, body: PriceForm } },
    async (request, reply) => {
      const { id } = request.params;
      try {
        const before = await plans.getWithHistory(id);
        if (!before) throw new AppError('not_found', 'The plan was not found.');
        await plans.addPrice(id, amountOf(request.body.amount, request.body.currency));
        const after = await plans.getWithHistory(id);
        noteChange(request, {
          action: 'plan.price',
          target: id,
          before: before.prices,
          after: after?.prices,
        });
        return reply.redirect(`/admin/plans/${id}?done=price`, 303);
      } catch (error) {
        return refused(request, reply, id, error);
      }
    },
  );

  r.post(
    '/admin/plans/:id/active',
    { config: { staff: ['marketer'] }, schema: { hide: true, params: PlanParams, body: ActiveForm } },
    async (request, reply) => {
      const { id } = request.params;
      const before = await plans.getWithHistory(id);
      if (!before) throw new AppError('not_found', 'The plan was not found.');
      const active = request.body.active === 'true';
      await plans.update(id, { active });
      const after = await plans.getWithHistory(id);
      noteChange(request, {
        action: active ? 'plan.update' : 'plan.retire',
        target: id,
        before: adminPlanJson(before),
        after: after && adminPlanJson(after),
      });
      return reply.redirect(`/admin/plans?done=${active ? 'restored' : 'retired'}`, 303);
    },
  );

  r.post(
    '/admin/plans/:id/price-moves',
    { config: { staff: ['marketer'] }, schema: { hide: true, params: PlanParams, body: MoveForm } },
    async (request, reply) => {
      const { id } = request.params;
      try {
        const principal = principalOf(request);
        const { move, created } = await priceMoves.move({
          planId: id,
          priceId: request.body.priceId?.trim() || undefined,
          noticeDays: wholeOf(request.body.noticeDays, 'The notice', 0, 100_000),
          // As the subscription's books name actors (the admin API names them the same way).
          actor: `${principal.kind === 'staff' ? 'staff' : 'admin'}:${principal.id}`,
        });
        if (created)
          noteChange(request, { action: 'price-move.create', target: id, before: null, after: move });
        return reply.redirect(`/admin/plans/${id}?done=${created ? 'moved' : 'unchanged'}`, 303);
      } catch (error) {
        return refused(request, reply, id, error);
      }
    },
  );
}
