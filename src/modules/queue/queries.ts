import type { Kysely } from 'kysely';
import type { Dialect } from '../../db/database.js';
import type { Database, JobRow, JobsTable } from '../../db/schema.js';
import type { Insertable } from 'kysely';

export async function insertJob(db: Kysely<Database>, row: Insertable<JobsTable>): Promise<boolean> {
  // A job of the same kind and key already queued wins: the insert does nothing.
  const result = await db
    .insertInto('jobs')
    .values(row)
    .onConflict((c) => c.columns(['kind', 'key']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export function findJob(db: Kysely<Database>, id: string): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findJobByKey(db: Kysely<Database>, kind: string, key: string): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('kind', '=', kind).where('key', '=', key).executeTakeFirst();
}

/**
 * Takes up to `limit` jobs of `kinds` that are due — queued and past `run_after`, or running
 * under a lease that ran out — and leases them to `token` until `leaseUntil`, in one statement.
 * On PostgreSQL the candidates are locked with SKIP LOCKED, so workers in several processes
 * take different jobs instead of waiting on each other; SQLite has one writer at a time, so
 * the statement alone is enough.
 */
export async function claimDueJobs(
  db: Kysely<Database>,
  dialect: Dialect,
  claim: {
    kinds: readonly string[];
    now: string;
    limit: number;
    token: string;
    /** Until when each kind's lease runs (kinds differ: one mail is quick, a newsletter is not). */
    leaseUntil: (kind: string) => string;
  },
): Promise<JobRow[]> {
  if (claim.kinds.length === 0 || claim.limit <= 0) return [];
  const [first, ...others] = claim.kinds as [string, ...string[]];
  const candidates = db
    .selectFrom('jobs')
    .select('id')
    .where('kind', 'in', claim.kinds)
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'queued'), eb('run_after', '<=', claim.now)]),
        eb.and([eb('status', '=', 'running'), eb('lease_until', '<=', claim.now)]),
      ]),
    )
    .orderBy('run_after')
    .limit(claim.limit)
    .$if(dialect === 'postgres', (q) => q.forUpdate().skipLocked());
  return db
    .updateTable('jobs')
    .set((eb) => ({
      status: 'running',
      attempts: eb('attempts', '+', 1),
      lease_token: claim.token,
      // One statement takes jobs of every kind, each with its own kind's lease.
      lease_until: others
        .reduce(
          (chain, kind) => chain.when('kind', '=', kind).then(claim.leaseUntil(kind)),
          eb.case().when('kind', '=', first).then(claim.leaseUntil(first)),
        )
        .else(claim.leaseUntil(first))
        .end(),
      updated_at: claim.now,
    }))
    .where('id', 'in', candidates)
    .returningAll()
    .execute();
}

/** Renews a lease still held by `token` (and records progress); false when it was lost. */
export async function renewLease(
  db: Kysely<Database>,
  id: string,
  token: string,
  change: { leaseUntil: string; progress: string; now: string },
): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ lease_until: change.leaseUntil, progress: change.progress, updated_at: change.now })
    .where('id', '=', id)
    .where('lease_token', '=', token)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Ends a try held by `token`: done, back to the queue for later, or dead. */
export async function settleJob(
  db: Kysely<Database>,
  id: string,
  token: string,
  outcome: {
    status: 'done' | 'queued' | 'dead';
    now: string;
    runAfter?: string;
    error?: string | null;
  },
): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({
      status: outcome.status,
      lease_token: null,
      lease_until: null,
      updated_at: outcome.now,
      finished_at: outcome.status === 'queued' ? null : outcome.now,
      ...(outcome.runAfter !== undefined && { run_after: outcome.runAfter }),
      ...(outcome.error !== undefined && { last_error: outcome.error }),
    })
    .where('id', '=', id)
    .where('lease_token', '=', token)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** A dead job queued again, from scratch (staff fixed the cause). */
export async function requeueDeadJob(db: Kysely<Database>, id: string, now: string): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ status: 'queued', attempts: 0, run_after: now, updated_at: now, finished_at: null })
    .where('id', '=', id)
    .where('status', '=', 'dead')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function countJobs(
  db: Kysely<Database>,
): Promise<{ kind: string; status: JobRow['status']; count: number }[]> {
  const rows = await db
    .selectFrom('jobs')
    .select(['kind', 'status', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy(['kind', 'status'])
    .orderBy('kind')
    .execute();
  return rows.map((row) => ({ ...row, count: Number(row.count) }));
}

export function listJobs(
  db: Kysely<Database>,
  filter: { status?: JobRow['status'] | undefined; kind?: string | undefined; limit: number },
): Promise<JobRow[]> {
  return db
    .selectFrom('jobs')
    .selectAll()
    .$if(filter.status !== undefined, (q) => q.where('status', '=', filter.status!))
    .$if(filter.kind !== undefined, (q) => q.where('kind', '=', filter.kind!))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit)
    .execute();
}

/** Forgets finished jobs (done or dead) that finished before `before`; returns how many. */
export async function deleteFinishedJobs(
  db: Kysely<Database>,
  status: 'done' | 'dead',
  before: string,
): Promise<number> {
  const result = await db
    .deleteFrom('jobs')
    .where('status', '=', status)
    .where('finished_at', '<', before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
