import type { Insertable, Kysely } from 'kysely';
import type {
  Database,
  PriceMoveRow,
  PriceMovesTable,
  PriceNoticeRow,
  PriceNoticesTable,
  SubscriptionRow,
} from '../../../db/schema.js';
import { renewingStatuses } from '../domain/price-moves.js';

// Plain functions over the price-move tables (and the subscriptions they tell), the database first.

export async function insertMove(db: Kysely<Database>, row: Insertable<PriceMovesTable>): Promise<void> {
  await db.insertInto('price_moves').values(row).execute();
}

export function moveOf(db: Kysely<Database>, planId: string, priceId: string) {
  return db
    .selectFrom('price_moves')
    .selectAll()
    .where('plan_id', '=', planId)
    .where('price_id', '=', priceId)
    .executeTakeFirst();
}

/** A plan's moves, newest first. */
export function movesOfPlan(db: Kysely<Database>, planId: string): Promise<PriceMoveRow[]> {
  return db
    .selectFrom('price_moves')
    .selectAll()
    .where('plan_id', '=', planId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/**
 * The moves still telling subscribers: the newest of each plan and currency. An older move's
 * notices stand, but once a newer price is being announced nobody is told of the older one.
 */
export async function latestMoves(db: Kysely<Database>): Promise<PriceMoveRow[]> {
  const rows = await db
    .selectFrom('price_moves')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  const seen = new Set<string>();
  return rows.filter((row) => {
    const key = `${row.plan_id}\n${row.currency}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Subscriptions `move` tells that it has not told yet (see `toldOfMove`), a page at a time in id order. */
function untold(db: Kysely<Database>, move: PriceMoveRow) {
  return db
    .selectFrom('subscriptions')
    .where('subscriptions.status', 'in', [...renewingStatuses])
    .where('subscriptions.plan_id', '=', move.plan_id)
    .where('subscriptions.currency', '=', move.currency)
    .where('subscriptions.price_id', '<>', move.price_id)
    .where('subscriptions.pending_plan_id', 'is', null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('price_notices')
            .select('price_notices.id')
            .where('price_notices.move_id', '=', move.id)
            .whereRef('price_notices.subscription_id', '=', 'subscriptions.id'),
        ),
      ),
    );
}

export function untoldPage(
  db: Kysely<Database>,
  move: PriceMoveRow,
  after: string,
  limit: number,
): Promise<SubscriptionRow[]> {
  return untold(db, move)
    .selectAll('subscriptions')
    .where('subscriptions.id', '>', after)
    .orderBy('subscriptions.id')
    .limit(limit)
    .execute();
}

export async function countUntold(db: Kysely<Database>, move: PriceMoveRow): Promise<number> {
  const row = await untold(db, move)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertNotice(db: Kysely<Database>, row: Insertable<PriceNoticesTable>): Promise<void> {
  await db.insertInto('price_notices').values(row).execute();
}

/** Every notice a subscription was sent. */
export function noticesOf(db: Kysely<Database>, subscriptionId: string): Promise<PriceNoticeRow[]> {
  return db.selectFrom('price_notices').selectAll().where('subscription_id', '=', subscriptionId).execute();
}

/** A move's notices with where their subscriptions stand now. */
export function noticesOfMove(db: Kysely<Database>, moveId: string) {
  return db
    .selectFrom('price_notices')
    .innerJoin('subscriptions', 'subscriptions.id', 'price_notices.subscription_id')
    .select(['price_notices.moved_at', 'subscriptions.status', 'subscriptions.plan_id'])
    .where('price_notices.move_id', '=', moveId)
    .execute();
}

/** A renewal charged `priceId`: the notices that announced it have moved their subscription. */
export async function markMoved(
  db: Kysely<Database>,
  subscriptionId: string,
  priceId: string,
  at: string,
): Promise<void> {
  await db
    .updateTable('price_notices')
    .set({ moved_at: at })
    .where('subscription_id', '=', subscriptionId)
    .where('to_price_id', '=', priceId)
    .where('moved_at', 'is', null)
    .execute();
}
