import type { Insertable, Kysely } from 'kysely';
import type { AnalyticsEventsTable, Database } from '../../db/schema.js';

/** One multi-row insert for a batch of events. */
export async function insertEvents(
  db: Kysely<Database>,
  rows: readonly Insertable<AnalyticsEventsTable>[],
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('analytics_events')
    .values([...rows])
    .execute();
}

/** The events of [from, to), oldest first. */
export async function eventsBetween(db: Kysely<Database>, from: string, to: string) {
  return db
    .selectFrom('analytics_events')
    .select(['kind', 'reader_id', 'device_id', 'account_id', 'article_id', 'plan_id', 'at'])
    .where('at', '>=', from)
    .where('at', '<', to)
    .orderBy('at')
    .orderBy('id')
    .execute();
}
