import { sql, type Kysely } from 'kysely';

// Frozen: the durable job queue (e-paper processing, newsletter sends, queued mail). Mail that
// waited for delivery in the outbox's own retry columns becomes a `mail:deliver` job.
// Imports nothing from the app.
/* eslint-disable @typescript-eslint/no-explicit-any -- a migration knows no schema type */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    // Set by callers that must not queue the same work twice; unique per kind.
    .addColumn('key', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('run_after', 'text', (c) => c.notNull())
    // The worker holding a running job, and until when; a lease that ran out is free to take.
    .addColumn('lease_token', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('progress', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('jobs_kind_key').unique().on('jobs').columns(['kind', 'key']).execute();
  // What a worker asks on every poll: due queued jobs, and running ones whose lease ran out.
  await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_after']).execute();
  await db.schema.createIndex('jobs_lease').on('jobs').columns(['status', 'lease_until']).execute();

  const now = new Date().toISOString();
  await sql`
    insert into jobs (id, kind, key, payload, status, attempts, max_attempts, run_after, created_at, updated_at)
    select 'job_' || id, 'mail:deliver', id, '{"messageId":"' || id || '"}', 'queued', attempts, 9,
           deliver_after, created_at, ${now}
    from mail_outbox where deliver_after is not null and sent_at is null
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('jobs').execute();
}
