import { CompiledQuery, sql, type Compilable, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { ConsumeResult, MeterStore } from './store.js';

/** Thrown inside the transaction to roll back a read that would exceed the limit. */
class LimitReached extends Error {}

/**
 * The meter in SQL, the same statements on SQLite and PostgreSQL. A read is the insert of a
 * (reader, period, article) row — its primary key makes rereads no-ops — followed by a guarded
 * increment of the period's counter (`used < limit`). On PostgreSQL the counter row lock
 * serialises racing requests and the guard is re-checked after the wait; on SQLite
 * transactions are serial. If the guard fails the transaction rolls back, taking the read
 * row with it.
 */
export function createSqlMeterStore(db: Kysely<Database>): MeterStore {
  const peekQuery = precompile((readerId, period, articleId) =>
    db
      .selectFrom('meter_periods as p')
      .leftJoin('meter_reads as r', (join) =>
        join
          .onRef('r.reader_id', '=', 'p.reader_id')
          .onRef('r.period', '=', 'p.period')
          .on('r.article_id', '=', articleId),
      )
      .select(['p.used', 'r.article_id'])
      .where('p.reader_id', '=', readerId)
      .where('p.period', '=', period),
  );

  return {
    async peek(readerId, period, articleId) {
      const row = (
        await db.executeQuery<{ used: number; article_id: string | null }>(
          peekQuery(readerId, period, articleId),
        )
      ).rows[0];
      return { used: row?.used ?? 0, alreadyRead: row?.article_id != null };
    },

    used: (readerId, period) => selectUsed(db, readerId, period),

    async merge(from, to, period) {
      if (from === to) return;
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('meter_reads')
          .columns(['reader_id', 'period', 'article_id', 'read_at'])
          .expression((eb) =>
            eb
              .selectFrom('meter_reads')
              .select([eb.val(to).as('reader_id'), 'period', 'article_id', 'read_at'])
              .where('reader_id', '=', from)
              .where('period', '=', period),
          )
          .onConflict((oc) => oc.columns(['reader_id', 'period', 'article_id']).doNothing())
          .execute();
        const { reads } = await trx
          .selectFrom('meter_reads')
          .select((eb) => eb.fn.countAll<number>().as('reads'))
          .where('reader_id', '=', to)
          .where('period', '=', period)
          .executeTakeFirstOrThrow();
        if (Number(reads) === 0) return;
        await trx
          .insertInto('meter_periods')
          .values({ reader_id: to, period, used: Number(reads) })
          .onConflict((oc) => oc.columns(['reader_id', 'period']).doUpdateSet({ used: Number(reads) }))
          .execute();
      });
    },

    async prune(before) {
      return db.transaction().execute(async (trx) => {
        const reads = await trx.deleteFrom('meter_reads').where('period', '<', before).executeTakeFirst();
        await trx.deleteFrom('meter_periods').where('period', '<', before).execute();
        return Number(reads.numDeletedRows);
      });
    },

    async reads(readerId) {
      const rows = await db
        .selectFrom('meter_reads')
        .select(['period', 'article_id', 'read_at'])
        .where('reader_id', '=', readerId)
        .orderBy('read_at')
        .orderBy('article_id')
        .execute();
      return rows.map((row) => ({ period: row.period, articleId: row.article_id, readAt: row.read_at }));
    },

    async forget(readerId) {
      return db.transaction().execute(async (trx) => {
        const reads = await trx
          .deleteFrom('meter_reads')
          .where('reader_id', '=', readerId)
          .executeTakeFirst();
        await trx.deleteFrom('meter_periods').where('reader_id', '=', readerId).execute();
        return Number(reads.numDeletedRows);
      });
    },

    async consume(readerId, period, articleId, limit, at): Promise<ConsumeResult> {
      if (limit <= 0) return { recorded: false, used: 0 };
      try {
        return await db.transaction().execute(async (trx) => {
          const inserted = await trx
            .insertInto('meter_reads')
            .values({ reader_id: readerId, period, article_id: articleId, read_at: at.toISOString() })
            .onConflict((oc) => oc.columns(['reader_id', 'period', 'article_id']).doNothing())
            .returning('article_id')
            .executeTakeFirst();
          if (!inserted) {
            // Counted already (another tab got there first): a reread.
            return { recorded: true, used: await selectUsed(trx, readerId, period) };
          }
          const counted = await trx
            .insertInto('meter_periods')
            .values({ reader_id: readerId, period, used: 1 })
            .onConflict((oc) =>
              oc
                .columns(['reader_id', 'period'])
                .doUpdateSet({ used: sql<number>`meter_periods.used + 1` })
                .where('meter_periods.used', '<', limit),
            )
            .returning('used')
            .executeTakeFirst();
          if (!counted) throw new LimitReached();
          return { recorded: true, used: counted.used };
        });
      } catch (error) {
        if (error instanceof LimitReached)
          return { recorded: false, used: await selectUsed(db, readerId, period) };
        throw error;
      }
    },
  };
}

async function selectUsed(db: Kysely<Database>, readerId: string, period: string): Promise<number> {
  const row = await db
    .selectFrom('meter_periods')
    .select('used')
    .where('reader_id', '=', readerId)
    .where('period', '=', period)
    .executeTakeFirst();
  return row?.used ?? 0;
}

/**
 * The meter is read on every page view, and building a Kysely query costs more than running
 * it. This compiles the query once with marker arguments and returns a function that binds
 * real arguments in the markers' places.
 */
function precompile(
  build: (a: string, b: string, c: string) => Compilable,
): (a: string, b: string, c: string) => CompiledQuery {
  const markers = ['\u0000a', '\u0000b', '\u0000c'];
  const compiled = build(markers[0]!, markers[1]!, markers[2]!).compile();
  const slots = compiled.parameters.map((parameter) => markers.indexOf(parameter as string));
  if (slots.some((slot) => slot === -1)) throw new Error('precompile: every parameter must be an argument');
  return (...args) =>
    CompiledQuery.raw(
      compiled.sql,
      slots.map((slot) => args[slot]),
    );
}
