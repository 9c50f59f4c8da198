import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { newId } from '../../kernel/ids.js';
import { ttlCache } from '../../kernel/ttl-cache.js';
import { money, type Money } from '../../kernel/money.js';
import { isBenefitKey, type BenefitKey } from './benefits.js';
import type { Plan, Term } from './domain.js';

export interface PlanInput {
  readonly slug: string;
  readonly name: string;
  readonly term: Term;
  readonly trialDays?: number;
  readonly benefits: readonly BenefitKey[];
  readonly prices: readonly Money[];
}

export interface PlanService {
  /** Active plans in display order. */
  listActive(): Promise<Plan[]>;
  create(input: PlanInput): Promise<Plan>;
}

/** Active plans are shown on every paywall, so they are cached for `cacheTtlMs` (default 2 s). */
export function createPlanService(deps: {
  db: Kysely<Database>;
  clock: Clock;
  cacheTtlMs?: number;
}): PlanService {
  const { db, clock } = deps;
  const cache = ttlCache<'active', Plan[]>({ ttlMs: deps.cacheTtlMs ?? 2000, clock });

  async function loadActive(): Promise<Plan[]> {
    const plans = await db
      .selectFrom('plans')
      .selectAll()
      .where('active', '=', 1)
      .orderBy('position')
      .execute();
    if (plans.length === 0) return [];
    const prices = await db
      .selectFrom('plan_prices')
      .selectAll()
      .where(
        'plan_id',
        'in',
        plans.map((plan) => plan.id),
      )
      .orderBy('created_at')
      .execute();
    return plans.map((row) => ({
      id: row.id,
      slug: row.slug,
      name: row.name,
      term: { unit: row.interval_unit, count: row.interval_count },
      trialDays: row.trial_days,
      benefits: (JSON.parse(row.benefits) as string[]).filter(isBenefitKey),
      prices: prices
        .filter((price) => price.plan_id === row.id)
        .map((price) => money(Number(price.amount_minor), price.currency)),
      active: row.active === 1,
      position: row.position,
    }));
  }

  return {
    listActive: () => cache.get('active', loadActive),

    async create(input) {
      const id = newId('pln');
      const at = clock.now().toISOString();
      const position = (await db.selectFrom('plans').select('id').execute()).length;
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('plans')
          .values({
            id,
            slug: input.slug,
            name: input.name,
            interval_unit: input.term.unit,
            interval_count: input.term.count,
            trial_days: input.trialDays ?? 0,
            benefits: JSON.stringify(input.benefits),
            position,
            created_at: at,
          })
          .execute();
        for (const price of input.prices) {
          await trx
            .insertInto('plan_prices')
            .values({
              id: newId('prc'),
              plan_id: id,
              currency: price.currency,
              amount_minor: price.amountMinor,
              created_at: at,
            })
            .execute();
        }
      });
      cache.clear();
      return {
        id,
        slug: input.slug,
        name: input.name,
        term: input.term,
        trialDays: input.trialDays ?? 0,
        benefits: input.benefits,
        prices: input.prices,
        active: true,
        position,
      };
    },
  };
}
