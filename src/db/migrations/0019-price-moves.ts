import type { Kysely } from 'kysely';

// Frozen: moving a plan's existing subscribers to a newer price version with notice — the move
// a publisher makes, and one notice per subscription told of it (when, from when it applies,
// and when a renewal first charged it). Imports nothing from the app.
/* eslint-disable @typescript-eslint/no-explicit-any -- a migration knows no schema type */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('price_moves')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('plan_id', 'text', (c) => c.notNull())
    // The price version subscribers move to, and its currency: one move per version.
    .addColumn('price_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('notice_days', 'integer', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('price_moves_version')
    .unique()
    .on('price_moves')
    .columns(['plan_id', 'price_id'])
    .execute();

  await db.schema
    .createTable('price_notices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('move_id', 'text', (c) => c.notNull().references('price_moves.id'))
    .addColumn('subscription_id', 'text', (c) => c.notNull())
    .addColumn('plan_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('from_price_id', 'text', (c) => c.notNull())
    .addColumn('to_price_id', 'text', (c) => c.notNull())
    .addColumn('notified_at', 'text', (c) => c.notNull())
    // No renewal before this moment is charged the new price.
    .addColumn('effective_at', 'text', (c) => c.notNull())
    // When a renewal first charged the new price; null until then (and for ever, if it ended first).
    .addColumn('moved_at', 'text')
    .execute();
  await db.schema
    .createIndex('price_notices_once')
    .unique()
    .on('price_notices')
    .columns(['move_id', 'subscription_id'])
    .execute();
  await db.schema
    .createIndex('price_notices_subscription')
    .on('price_notices')
    .columns(['subscription_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('price_notices').execute();
  await db.schema.dropTable('price_moves').execute();
}
