import type { Kysely, Updateable } from 'kysely';
import { isUniqueViolation } from '../../db/errors.js';
import type { Database, PlanPriceRow, PlanRow, PlansTable } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { newId } from '../../kernel/ids.js';
import { formatMoney, money, type Money } from '../../kernel/money.js';
import type { TtlCache } from '../../kernel/ttl-cache.js';
import { isBenefitKey, type BenefitKey } from './benefits.js';
import {
  byCurrency,
  pricesProblem,
  sameTerm,
  termLabel,
  type Plan,
  type PlanPrice,
  type PlanWithHistory,
  type PriceVersion,
  type Term,
} from './domain.js';
import * as q from './queries.js';

export interface PlanInput {
  /** Unique; `planSlugOf(name)` makes one from the name. */
  readonly slug: string;
  readonly name: string;
  readonly term: Term;
  readonly trialDays?: number;
  readonly benefits: readonly BenefitKey[];
  /** One per currency, INR first when present. */
  readonly prices: readonly Money[];
  /** Default true. */
  readonly active?: boolean;
  /** Display order; default after the existing plans. */
  readonly position?: number;
}

export interface PlanPatch {
  readonly name?: string;
  readonly trialDays?: number;
  readonly benefits?: readonly BenefitKey[];
  readonly active?: boolean;
  readonly position?: number;
  /**
   * Accepted only when it is the plan's term already (a client sending the whole plan back).
   * A term never changes: subscribers' periods follow it, so a new term is a new plan.
   */
  readonly term?: Term;
}

/** What a reader can buy. Prices are versioned: a change is a new version, the old one is kept. */
export interface PlanService {
  /** Active plans in display order, with their current prices. Cached (see the factory). */
  listActive(): Promise<Plan[]>;
  /** Active plans that include every one of `benefits`, in display order (from the cached list). */
  including(benefits: readonly string[]): Promise<Plan[]>;
  /** Every plan, active or not, in display order, with the history of its prices. */
  listAll(): Promise<PlanWithHistory[]>;
  /** Any plan, active or not, with its current prices; undefined when there is none. */
  get(planId: string): Promise<Plan | undefined>;
  /** Any plan with the history of its prices, as `listAll` gives it; undefined when there is none. */
  getWithHistory(planId: string): Promise<PlanWithHistory | undefined>;
  /** Any price version, superseded ones too: subscriptions keep the version they started on. */
  price(priceId: string): Promise<PriceVersion | undefined>;
  /** Throws `validation_failed` for bad prices, `conflict` for a taken slug. */
  create(input: PlanInput): Promise<Plan>;
  /** Throws `not_found`, or `validation_failed` for a changed term. */
  update(planId: string, patch: PlanPatch): Promise<Plan>;
  /**
   * The display order: `planIds` is every plan, each once, in the order the paywall and
   * `/subscribe` show them (positions 0, 1, 2…). Throws `validation_failed` naming what is
   * missing, unknown or repeated.
   */
  reorder(planIds: readonly string[]): Promise<PlanWithHistory[]>;
  /**
   * A new price version in `amount.currency`, superseding the plan's current price in that
   * currency (if any) in the same transaction. Existing subscribers keep the old version.
   * Throws `not_found`, `validation_failed` for a non-positive amount, `conflict` when the
   * current price is that amount already.
   */
  addPrice(planId: string, amount: Money): Promise<PriceVersion>;
}

const priceVersionOf = (row: PlanPriceRow): PriceVersion => ({
  id: row.id,
  planId: row.plan_id,
  // bigint columns arrive as numbers (see db/database.ts); `money` refuses anything else.
  amount: money(Number(row.amount_minor), row.currency),
  createdAt: row.created_at,
  supersededAt: row.superseded_at,
});

/** INR first, then by currency; within a currency the current version first, then newest first. */
function historyOrder(a: PriceVersion, b: PriceVersion): number {
  return (
    byCurrency(a.amount.currency, b.amount.currency) ||
    Number(a.supersededAt !== null) - Number(b.supersededAt !== null) ||
    (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0)
  );
}

function planOf(row: PlanRow, versions: readonly PriceVersion[]): Plan {
  const prices: PlanPrice[] = [];
  for (const version of [...versions].sort(historyOrder)) {
    if (version.supersededAt !== null) continue;
    if (prices.some((price) => price.currency === version.amount.currency)) continue;
    prices.push({ id: version.id, ...version.amount });
  }
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    term: { unit: row.interval_unit, count: row.interval_count },
    trialDays: row.trial_days,
    benefits: (JSON.parse(row.benefits) as string[]).filter(isBenefitKey),
    prices,
    active: row.active === 1,
    position: row.position,
  };
}

const invalid = (field: string, message: string) => new AppError('validation_failed', message, { field });

/**
 * Active plans are shown on every paywall, so they are cached (`caches.activePlans`). Every
 * change made through this service clears the cache at once.
 */
export function createPlanService(deps: {
  db: Kysely<Database>;
  clock: Clock;
  cache: TtlCache<'active', Plan[]>;
}): PlanService {
  const { db, clock, cache } = deps;
  const now = () => clock.now().toISOString();

  async function load(rows: PlanRow[], currentOnly: boolean) {
    const versions = (
      await q.selectPrices(
        db,
        rows.map((row) => row.id),
        { currentOnly },
      )
    ).map(priceVersionOf);
    return rows.map((row) => {
      const own = versions.filter((version) => version.planId === row.id);
      return { row, plan: planOf(row, own), versions: own };
    });
  }

  async function withHistory(planId?: string): Promise<PlanWithHistory[]> {
    const rows = await q.selectPlans(db, planId === undefined ? {} : { id: planId });
    return (await load(rows, false)).map(({ plan, versions }) => ({
      ...plan,
      priceHistory: [...versions].sort(historyOrder),
    }));
  }

  async function get(planId: string): Promise<Plan | undefined> {
    const [loaded] = await load(await q.selectPlans(db, { id: planId }), true);
    return loaded?.plan;
  }

  const includingAnswers = new WeakMap<readonly Plan[], Map<string, Plan[]>>();
  const listActive = () =>
    cache.get('active', async () =>
      (await load(await q.selectPlans(db, { activeOnly: true }), true)).map(({ plan }) => plan),
    );

  return {
    listActive,
    async including(benefits) {
      const active = await listActive();
      // Asked on every refused page view: the same cached plans give the same (frozen) answer,
      // so the article page cache's key digests it once instead of on every view.
      let answers = includingAnswers.get(active);
      if (!answers) includingAnswers.set(active, (answers = new Map()));
      const key = benefits.join('\n');
      let offered = answers.get(key);
      if (!offered) {
        offered = Object.freeze(
          active.filter((plan) =>
            benefits.every((benefit) => (plan.benefits as readonly string[]).includes(benefit)),
          ),
        ) as Plan[];
        answers.set(key, offered);
      }
      return offered;
    },

    listAll: () => withHistory(),

    get,

    async getWithHistory(planId) {
      return (await withHistory(planId))[0];
    },

    async price(priceId) {
      const row = await q.selectPrice(db, priceId);
      return row && priceVersionOf(row);
    },

    async create(input) {
      const problem = pricesProblem(input.prices);
      if (problem) throw invalid('prices', problem);
      const name = input.name.trim();
      if (name === '') throw invalid('name', 'A plan needs a name.');
      const { slug } = input;
      if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(slug)) {
        throw invalid(
          'slug',
          `A plan's slug is lowercase words joined by hyphens, not "${slug}"; give a slug.`,
        );
      }
      const taken = () =>
        new AppError('conflict', `A plan with the slug "${slug}" exists already; give another slug.`, {
          field: 'slug',
        });
      if (await q.slugTaken(db, slug)) throw taken();

      const id = newId('pln');
      const at = now();
      const position = input.position ?? (await q.countPlans(db));
      try {
        await db.transaction().execute(async (trx) => {
          await trx
            .insertInto('plans')
            .values({
              id,
              slug,
              name,
              interval_unit: input.term.unit,
              interval_count: input.term.count,
              trial_days: input.trialDays ?? 0,
              benefits: JSON.stringify(input.benefits),
              active: input.active === false ? 0 : 1,
              position,
              created_at: at,
            })
            .execute();
          await trx
            .insertInto('plan_prices')
            .values(
              input.prices.map((price) => ({
                id: newId('prc'),
                plan_id: id,
                currency: price.currency,
                amount_minor: price.amountMinor,
                created_at: at,
              })),
            )
            .execute();
        });
      } catch (error) {
        // Two creates may pass the check above at once; the unique index refuses the second.
        if (isUniqueViolation(error)) throw taken();
        throw error;
      }
      cache.clear();
      return (await get(id))!;
    },

    async update(planId, patch) {
      const current = await get(planId);
      if (!current) throw notFound('The plan');
      if (patch.term && !sameTerm(patch.term, current.term)) {
        throw invalid(
          'interval',
          `A plan's term cannot be changed (this one is ${termLabel(current.term)}): its subscribers' ` +
            'periods follow it. Create a new plan with the new term, and retire this one with "active": false.',
        );
      }
      const set: Updateable<PlansTable> = {};
      if (patch.name !== undefined) {
        const name = patch.name.trim();
        if (name === '') throw invalid('name', 'A plan needs a name.');
        set.name = name;
      }
      if (patch.trialDays !== undefined) set.trial_days = patch.trialDays;
      if (patch.benefits !== undefined) set.benefits = JSON.stringify(patch.benefits);
      if (patch.active !== undefined) set.active = patch.active ? 1 : 0;
      if (patch.position !== undefined) set.position = patch.position;
      if (Object.keys(set).length > 0) {
        await db.updateTable('plans').set(set).where('id', '=', planId).execute();
        cache.clear();
      }
      return (await get(planId))!;
    },

    async reorder(planIds) {
      const all = await q.selectPlans(db);
      const known = new Set(all.map((row) => row.id));
      const repeated = planIds.filter((id, i) => planIds.indexOf(id) !== i);
      const unknown = planIds.filter((id) => !known.has(id));
      const missing = all.filter((row) => !planIds.includes(row.id)).map((row) => row.id);
      const problems = [
        repeated.length > 0 && `given more than once: ${[...new Set(repeated)].join(', ')}`,
        unknown.length > 0 && `no such plan: ${unknown.join(', ')}`,
        missing.length > 0 && `missing (list every plan, retired ones too): ${missing.join(', ')}`,
      ].filter((problem): problem is string => problem !== false);
      if (problems.length > 0)
        throw invalid('planIds', `The order must name every plan once; ${problems.join('; ')}.`);
      await db.transaction().execute(async (trx) => {
        for (const [position, id] of planIds.entries()) {
          await trx.updateTable('plans').set({ position }).where('id', '=', id).execute();
        }
      });
      cache.clear();
      return withHistory();
    },

    async addPrice(planId, amount) {
      const problem = pricesProblem([amount]);
      if (problem) throw invalid('amount', problem);
      const at = now();
      const version: PriceVersion = {
        id: newId('prc'),
        planId,
        amount: { amountMinor: amount.amountMinor, currency: amount.currency },
        createdAt: at,
        supersededAt: null,
      };
      await db.transaction().execute(async (trx) => {
        if (!(await q.lockPlan(trx, planId))) throw notFound('The plan');
        const current = await q.selectCurrentPrice(trx, planId, amount.currency);
        if (current && Number(current.amount_minor) === amount.amountMinor) {
          throw new AppError(
            'conflict',
            `The plan's ${amount.currency} price is ${formatMoney(amount)} already; nothing was changed.`,
            { field: 'amount' },
          );
        }
        await q.supersedePrices(trx, planId, amount.currency, at);
        await trx
          .insertInto('plan_prices')
          .values({
            id: version.id,
            plan_id: planId,
            currency: amount.currency,
            amount_minor: amount.amountMinor,
            created_at: at,
          })
          .execute();
      });
      cache.clear();
      return version;
    },
  };
}
