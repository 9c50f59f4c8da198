import type { Kysely } from 'kysely';

// Frozen: the newsroom's drafts and imported wire copy. Imports nothing from the app.
//
// - `articles.status`: `draft` (never shown), `published` (shown from `published_at` on; a
//   future `published_at` is a scheduled article) or `unpublished` (taken down). Every article
//   that exists when this runs was published.
// - `articles.wire_guid`: the GUID (or link) of the feed item an article was imported from,
//   unique, so an item imported twice is refused by the database itself.
/* eslint-disable @typescript-eslint/no-explicit-any -- a migration knows no schema type */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('articles')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('published'))
    .execute();
  await db.schema.alterTable('articles').addColumn('wire_guid', 'text').execute();
  await db.schema.createIndex('articles_wire_guid').on('articles').column('wire_guid').unique().execute();
  // The admin lists drafts and taken-down articles, newest first.
  await db.schema
    .createIndex('articles_status_published_at')
    .on('articles')
    .columns(['status', 'published_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('articles_status_published_at').execute();
  await db.schema.dropIndex('articles_wire_guid').execute();
  await db.schema.alterTable('articles').dropColumn('wire_guid').execute();
  await db.schema.alterTable('articles').dropColumn('status').execute();
}
