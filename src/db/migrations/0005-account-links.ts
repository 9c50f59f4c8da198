import type { Kysely } from 'kysely';

// Frozen: the one-time links mailed to readers (confirm an address, sign in, reset a password),
// as first released. Imports nothing from the app.
/* eslint-disable @typescript-eslint/no-explicit-any -- a migration knows no schema type */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('account_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    // SHA-256 of the token in the link; the unique index is how a link is found.
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  // Issuing a link retires the account's earlier unused links of the same purpose.
  await db.schema
    .createIndex('account_links_account_purpose')
    .on('account_links')
    .columns(['account_id', 'purpose'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('account_links').execute();
}
