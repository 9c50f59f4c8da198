import type { Kysely } from 'kysely';

// Frozen: the Markdown an article was written in, kept so that the editor reopens with what was
// typed. Null for an article written in HTML (every article that exists when this runs, and
// those the admin API creates with `body`): its source is the stored body itself. The served
// body is always the prepared HTML. Imports nothing from the app.
/* eslint-disable @typescript-eslint/no-explicit-any -- a migration knows no schema type */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('articles').addColumn('body_markdown', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('articles').dropColumn('body_markdown').execute();
}
