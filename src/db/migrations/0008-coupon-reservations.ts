import type { Kysely } from 'kysely';

// Frozen: a coupon use is held from the moment a checkout quotes it until that checkout is paid
// (a redemption) or fails, expires or is abandoned (released). Imports nothing from the app.
// Checkouts already open when this runs hold no reservation: the redemption at payment counts
// them against the limit then.
/* eslint-disable @typescript-eslint/no-explicit-any -- a migration knows no schema type */

export async function up(db: Kysely<any>): Promise<void> {
  // Uses held by open checkouts; the limit caps redemptions + reserved.
  await db.schema
    .alterTable('coupons')
    .addColumn('reserved', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('coupon_reservations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('coupon_id', 'text', (c) => c.notNull().references('coupons.id'))
    .addColumn('account_id', 'text', (c) => c.notNull())
    // The reader's latest checkout with the code: its failure or expiry releases the hold.
    .addColumn('checkout_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    // One hold per reader and coupon, however many checkouts they open with it.
    .addUniqueConstraint('coupon_reservations_once', ['coupon_id', 'account_id'])
    .execute();
  await db.schema
    .createIndex('coupon_reservations_checkout')
    .on('coupon_reservations')
    .column('checkout_id')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('coupon_reservations').execute();
  await db.schema.alterTable('coupons').dropColumn('reserved').execute();
}
