import type { Kysely } from 'kysely';

// Frozen: comp grants — a free term of a plan's benefits or of named benefits that support gives
// a reader. Not a subscription: no payment, no renewal, nothing in revenue.
// Imports nothing from the app.
/* eslint-disable @typescript-eslint/no-explicit-any -- a migration knows no schema type */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('comp_grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    // The plan whose benefits were granted, or null for named benefits only.
    .addColumn('plan_id', 'text')
    // A JSON array of benefit keys, as granted (a plan's benefits copied at the time).
    .addColumn('benefits', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'text', (c) => c.notNull())
    .addColumn('ends_at', 'text', (c) => c.notNull())
    // Who granted it: the staff member or API key, as the audit log names them.
    .addColumn('granted_by', 'text', (c) => c.notNull())
    .addColumn('granted_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('comp_grants_account')
    .on('comp_grants')
    .columns(['account_id', 'ends_at'])
    .execute();
  await db.schema.createIndex('comp_grants_granted').on('comp_grants').column('granted_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('comp_grants').execute();
}
