import type { Kysely } from 'kysely';
import type { CouponRow, Database } from '../../db/schema.js';

// Plain functions over the coupon tables, the database first. `db` may be a transaction.

export async function selectCoupons(db: Kysely<Database>): Promise<CouponRow[]> {
  return db.selectFrom('coupons').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
}

export async function selectCoupon(
  db: Kysely<Database>,
  by: { id: string } | { code: string },
): Promise<CouponRow | undefined> {
  const query = db.selectFrom('coupons').selectAll();
  return ('id' in by ? query.where('id', '=', by.id) : query.where('code', '=', by.code)).executeTakeFirst();
}

export async function redeemedBy(
  db: Kysely<Database>,
  couponId: string,
  accountId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('coupon_redemptions')
    .select('id')
    .where('coupon_id', '=', couponId)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Records that `accountId` used the coupon, unless they already had. `on conflict do nothing`
 * rather than catching the unique violation: in PostgreSQL an error aborts the caller's whole
 * transaction, and this runs inside the subscriptions module's.
 */
export async function insertRedemption(
  trx: Kysely<Database>,
  row: { id: string; couponId: string; accountId: string; subscriptionId: string; at: string },
): Promise<boolean> {
  const result = await trx
    .insertInto('coupon_redemptions')
    .values({
      id: row.id,
      coupon_id: row.couponId,
      account_id: row.accountId,
      subscription_id: row.subscriptionId,
      created_at: row.at,
    })
    .onConflict((oc) => oc.columns(['coupon_id', 'account_id']).doNothing())
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

export async function deleteRedemption(trx: Kysely<Database>, id: string): Promise<void> {
  await trx.deleteFrom('coupon_redemptions').where('id', '=', id).execute();
}

/**
 * Counts one use, only while the coupon is active and below its limit. One statement, so the
 * check and the increment cannot be split by another transaction: PostgreSQL re-evaluates the
 * condition against the row a concurrent transaction committed before it takes the row;
 * SQLite runs one write transaction at a time.
 */
export async function incrementRedemptions(trx: Kysely<Database>, couponId: string): Promise<boolean> {
  const result = await trx
    .updateTable('coupons')
    .set((eb) => ({ redemptions: eb('redemptions', '+', 1) }))
    .where('id', '=', couponId)
    .where('active', '=', 1)
    .where((eb) =>
      eb.or([eb('max_redemptions', 'is', null), eb('redemptions', '<', eb.ref('max_redemptions'))]),
    )
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
