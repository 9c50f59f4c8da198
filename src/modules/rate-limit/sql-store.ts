import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { RateLimitStore } from './store.js';

/**
 * Fixed windows in SQL, the same statement on SQLite and PostgreSQL: one upsert that either
 * starts a window (no row, or the row's window is over) or adds one to it, and returns the
 * result. A single statement is atomic on both — PostgreSQL's conflict path takes the row
 * lock and re-reads the row, SQLite runs one write at a time — so racing hits on one key each
 * see a distinct count and no read-then-write gap exists to slip through.
 *
 * Timestamps are ISO 8601 UTC text from `toISOString()`, which compare as instants.
 */
export function createSqlRateLimitStore(db: Kysely<Database>): RateLimitStore {
  return {
    async hit(key, windowMs, now) {
      const startedAt = now.toISOString();
      const expiresAt = new Date(now.getTime() + windowMs).toISOString();
      // Every SET expression reads the row as it was before the update, on both databases.
      const over = sql<boolean>`rate_limit_windows.expires_at <= excluded.window_started_at`;
      const row = await db
        .insertInto('rate_limit_windows')
        .values({ key, count: 1, window_started_at: startedAt, expires_at: expiresAt })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            count: sql<number>`case when ${over} then 1 else rate_limit_windows.count + 1 end`,
            window_started_at: sql<string>`case when ${over} then excluded.window_started_at else rate_limit_windows.window_started_at end`,
            expires_at: sql<string>`case when ${over} then excluded.expires_at else rate_limit_windows.expires_at end`,
          }),
        )
        .returning(['count', 'expires_at'])
        .executeTakeFirstOrThrow();
      return { count: row.count, resetAt: new Date(row.expires_at) };
    },

    async reset(key) {
      await db.deleteFrom('rate_limit_windows').where('key', '=', key).execute();
    },

    async prune(now) {
      const result = await db
        .deleteFrom('rate_limit_windows')
        .where('expires_at', '<=', now.toISOString())
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
