import type { Kysely } from 'kysely';

// Frozen: the analytics events — paywall impressions and checkout starts, one row each,
// written in batches. Imports nothing from the app.
/* eslint-disable @typescript-eslint/no-explicit-any -- a migration knows no schema type */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('analytics_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // 'paywall_impression' or 'checkout_start'.
    .addColumn('kind', 'text', (c) => c.notNull())
    // The identity the meter counts by: the account when signed in, else the device's `rdr_…`.
    .addColumn('reader_id', 'text', (c) => c.notNull())
    // The device's anonymous id when it carries one: ties a device's impressions to the account
    // that later signs in on it.
    .addColumn('device_id', 'text')
    .addColumn('account_id', 'text')
    .addColumn('article_id', 'text')
    .addColumn('plan_id', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  // The figures read a range of time: one index, so each batch written maintains only that.
  await db.schema.createIndex('analytics_events_at').on('analytics_events').column('at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('analytics_events').execute();
}
