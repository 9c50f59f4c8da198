import type { Kysely } from 'kysely';

// Frozen: the e-paper's editions (one uploaded PDF each, its files on disk under the data
// directory) and the shared-page links readers hand out. Imports nothing from the app.
/* eslint-disable @typescript-eslint/no-explicit-any -- a migration knows no schema type */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('epaper_editions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // The edition's date (YYYY-MM-DD, the publication's calendar) and its name ("Mumbai").
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    // The name lower-cased and trimmed: "Mumbai" and "mumbai " are one edition of a day.
    .addColumn('name_key', 'text', (c) => c.notNull())
    // queued → processing → ready, or failed (after the last try).
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('file_bytes', 'integer', (c) => c.notNull())
    .addColumn('page_count', 'integer')
    .addColumn('pages_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('job_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('epaper_editions_once', ['date', 'name_key'])
    .execute();
  await db.schema
    .createTable('epaper_shares')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // SHA-256 of the link's token: the token itself is only ever in the link.
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('edition_id', 'text', (c) => c.notNull().references('epaper_editions.id'))
    .addColumn('page', 'integer', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('epaper_shares_expiry').on('epaper_shares').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('epaper_shares').execute();
  await db.schema.dropTable('epaper_editions').execute();
}
