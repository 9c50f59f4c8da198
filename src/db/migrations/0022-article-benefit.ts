import type { Kysely } from 'kysely';

// Frozen: an article can require a named benefit of its own (`articles.required_benefit`, a
// benefit key such as `epaper` or `market-analysis`), as a premium vertical's section does for
// all its articles; null for an article that needs none. Imports nothing from the app.
/* eslint-disable @typescript-eslint/no-explicit-any -- a migration knows no schema type */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('articles').addColumn('required_benefit', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('articles').dropColumn('required_benefit').execute();
}
