import type { ExpressionBuilder, Kysely } from 'kysely';
import type { CouponReservationRow, CouponRow, Database } from '../../db/schema.js';

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

export async function deleteRedemptionOf(
  trx: Kysely<Database>,
  couponId: string,
  accountId: string,
): Promise<void> {
  await trx
    .deleteFrom('coupon_redemptions')
    .where('coupon_id', '=', couponId)
    .where('account_id', '=', accountId)
    .execute();
}

/**
 * Counts one use without a hold (a checkout opened before holds existed), only while the coupon
 * is active and its redemptions and holds are below its limit. One statement, so the
 * check and the increment cannot be split by another transaction: PostgreSQL re-evaluates the
 * condition against the row a concurrent transaction committed before it takes the row;
 * SQLite runs one write transaction at a time.
 */
export async function incrementRedemptions(trx: Kysely<Database>, couponId: string): Promise<boolean> {
  const result = await trx
    .updateTable('coupons')
    .set((eb) => ({ redemptions: eb('redemptions', '+', 1) }))
    .where('id', '=', couponId)
    .where(activeAndUnderLimit)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

// Reservations: a use held for a reader while their checkout is open. Every change to the
// counts is one guarded statement on the coupon's row, so concurrent checkouts cannot both pass
// a check made before either wrote: PostgreSQL re-evaluates the condition on the row another
// transaction committed before it takes the row; SQLite runs one write transaction at a time.

export async function selectReservation(
  db: Kysely<Database>,
  couponId: string,
  accountId: string,
): Promise<CouponReservationRow | undefined> {
  return db
    .selectFrom('coupon_reservations')
    .selectAll()
    .where('coupon_id', '=', couponId)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
}

/** Inserts a hold unless the reader has one for this coupon; true when inserted. */
export async function insertReservation(
  trx: Kysely<Database>,
  row: { id: string; couponId: string; accountId: string; checkoutId: string; expiresAt: string; at: string },
): Promise<boolean> {
  const result = await trx
    .insertInto('coupon_reservations')
    .values({
      id: row.id,
      coupon_id: row.couponId,
      account_id: row.accountId,
      checkout_id: row.checkoutId,
      expires_at: row.expiresAt,
      created_at: row.at,
    })
    .onConflict((oc) => oc.columns(['coupon_id', 'account_id']).doNothing())
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** Moves a reader's hold to their newer checkout, whose expiry it takes. */
export async function moveReservation(
  trx: Kysely<Database>,
  id: string,
  to: { checkoutId: string; expiresAt: string },
): Promise<void> {
  await trx
    .updateTable('coupon_reservations')
    .set({ checkout_id: to.checkoutId, expires_at: to.expiresAt })
    .where('id', '=', id)
    .execute();
}

export async function selectReservationsOfCheckout(
  db: Kysely<Database>,
  checkoutId: string,
): Promise<CouponReservationRow[]> {
  return db.selectFrom('coupon_reservations').selectAll().where('checkout_id', '=', checkoutId).execute();
}

/** Deletes a hold; true when this call deleted it (so only one caller gives the use back). */
export async function deleteReservation(trx: Kysely<Database>, id: string): Promise<boolean> {
  const result = await trx.deleteFrom('coupon_reservations').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Holds one use, only while the coupon is active and its redemptions and holds are below the limit. */
export async function incrementReserved(trx: Kysely<Database>, couponId: string): Promise<boolean> {
  const result = await trx
    .updateTable('coupons')
    .set((eb) => ({ reserved: eb('reserved', '+', 1) }))
    .where('id', '=', couponId)
    .where(activeAndUnderLimit)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function decrementReserved(trx: Kysely<Database>, couponId: string): Promise<void> {
  await trx
    .updateTable('coupons')
    .set((eb) => ({ reserved: eb('reserved', '-', 1) }))
    .where('id', '=', couponId)
    .where('reserved', '>', 0)
    .execute();
}

/** Turns a held use into a redemption, only while the coupon is active: the hold already counts. */
export async function convertReserved(trx: Kysely<Database>, couponId: string): Promise<boolean> {
  const result = await trx
    .updateTable('coupons')
    .set((eb) => ({ reserved: eb('reserved', '-', 1), redemptions: eb('redemptions', '+', 1) }))
    .where('id', '=', couponId)
    .where('active', '=', 1)
    .where('reserved', '>', 0)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** The coupon is active and its redemptions and holds together are below its limit (if any). */
function activeAndUnderLimit(eb: ExpressionBuilder<Database, 'coupons'>) {
  return eb.and([
    eb('active', '=', 1),
    eb.or([
      eb('max_redemptions', 'is', null),
      eb(eb('redemptions', '+', eb.ref('reserved')), '<', eb.ref('max_redemptions')),
    ]),
  ]);
}
