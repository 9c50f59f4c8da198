import type { Kysely } from 'kysely';

// Frozen: which preparation of the body an article's stored body and teaser came from. Rows
// that exist when this runs are format 1: saved before bodies were parsed as a browser parses
// them, so an unclosed tag in the first paragraph could have carried later paragraphs into the
// stored teaser. The app prepares those again (`masthead migrate`, and `start` before it
// listens). Imports nothing from the app.
/* eslint-disable @typescript-eslint/no-explicit-any -- a migration knows no schema type */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('articles')
    .addColumn('body_format', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  // Every start asks for articles of an older format: an index answers that without reading
  // the whole archive once they are all prepared.
  await db.schema.createIndex('articles_body_format').on('articles').column('body_format').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('articles_body_format').execute();
  await db.schema.alterTable('articles').dropColumn('body_format').execute();
}
