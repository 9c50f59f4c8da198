import type { Kysely } from 'kysely';

// Frozen: partner offers (complimentary access to a partner publication) and their activation
// codes, each given to at most one reader. Imports nothing from the app.
/* eslint-disable @typescript-eslint/no-explicit-any -- a migration knows no schema type */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('partner_offers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('partner', 'text', (c) => c.notNull())
    .addColumn('instructions', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    // Staff are warned when the unclaimed codes fall to this many.
    .addColumn('low_code_threshold', 'integer', (c) => c.notNull())
    // When staff were warned that codes run low; cleared when an upload lifts the count above
    // the threshold again, so the warning goes once per crossing.
    .addColumn('low_warned_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('partner_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('offer_id', 'text', (c) => c.notNull().references('partner_offers.id'))
    .addColumn('code', 'text', (c) => c.notNull())
    // The reader who claimed it; null until then. A code once claimed stays claimed
    // (`claimed_at`), even when the account that claimed it is gone.
    .addColumn('account_id', 'text')
    .addColumn('claimed_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    // A code is uploaded once per offer, however often the file is sent again.
    .addUniqueConstraint('partner_codes_code_once', ['offer_id', 'code'])
    // One code per reader and offer, however many claims race (NULLs are distinct in both
    // SQLite and PostgreSQL, so unclaimed codes do not collide).
    .addUniqueConstraint('partner_codes_one_per_reader', ['offer_id', 'account_id'])
    .execute();
  // The next unclaimed code of an offer, and the count of those left.
  await db.schema
    .createIndex('partner_codes_unclaimed')
    .on('partner_codes')
    .columns(['offer_id', 'claimed_at'])
    .execute();
  await db.schema.createIndex('partner_codes_account').on('partner_codes').column('account_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('partner_codes').execute();
  await db.schema.dropTable('partner_offers').execute();
}
