import type { Kysely } from 'kysely';
import type { Database, PlanPriceRow, PlanRow } from '../../db/schema.js';

// Plain functions over the plans tables, the database first. `db` may be a transaction.

export async function selectPlans(
  db: Kysely<Database>,
  filter: { activeOnly?: boolean; id?: string } = {},
): Promise<PlanRow[]> {
  let query = db.selectFrom('plans').selectAll();
  if (filter.activeOnly) query = query.where('active', '=', 1);
  if (filter.id !== undefined) query = query.where('id', '=', filter.id);
  return query.orderBy('position').orderBy('created_at').orderBy('id').execute();
}

/** The price versions of `planIds`: only the current ones, or every version. */
export async function selectPrices(
  db: Kysely<Database>,
  planIds: readonly string[],
  options: { currentOnly: boolean },
): Promise<PlanPriceRow[]> {
  if (planIds.length === 0) return [];
  let query = db.selectFrom('plan_prices').selectAll().where('plan_id', 'in', planIds);
  if (options.currentOnly) query = query.where('superseded_at', 'is', null);
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
}

export async function selectPrice(db: Kysely<Database>, priceId: string): Promise<PlanPriceRow | undefined> {
  return db.selectFrom('plan_prices').selectAll().where('id', '=', priceId).executeTakeFirst();
}

export async function selectCurrentPrice(
  db: Kysely<Database>,
  planId: string,
  currency: string,
): Promise<PlanPriceRow | undefined> {
  return db
    .selectFrom('plan_prices')
    .selectAll()
    .where('plan_id', '=', planId)
    .where('currency', '=', currency)
    .where('superseded_at', 'is', null)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

export async function slugTaken(db: Kysely<Database>, slug: string): Promise<boolean> {
  return (
    (await db.selectFrom('plans').select('id').where('slug', '=', slug).executeTakeFirst()) !== undefined
  );
}

export async function countPlans(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('plans')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Takes the plan's row lock for the rest of the transaction (PostgreSQL; SQLite transactions
 * are serialised already) by writing a column to itself, the one row lock both dialects spell
 * alike. Two price changes of one plan then run one after the other, so the second sees the
 * first's new version and supersedes it, instead of both leaving a current price. False when
 * there is no such plan.
 */
export async function lockPlan(trx: Kysely<Database>, planId: string): Promise<boolean> {
  const result = await trx
    .updateTable('plans')
    .set((eb) => ({ position: eb.ref('position') }))
    .where('id', '=', planId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function supersedePrices(
  trx: Kysely<Database>,
  planId: string,
  currency: string,
  at: string,
): Promise<void> {
  await trx
    .updateTable('plan_prices')
    .set({ superseded_at: at })
    .where('plan_id', '=', planId)
    .where('currency', '=', currency)
    .where('superseded_at', 'is', null)
    .execute();
}
