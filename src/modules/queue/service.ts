import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Dialect } from '../../db/database.js';
import type { Database, JobRow } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { newId } from '../../kernel/ids.js';
import { afterFailure, defaultLeaseMs, defaultMaxAttempts, defaultRetryDelayMs } from './domain.js';
import {
  claimDueJobs,
  countJobs,
  deleteFinishedJobs,
  findJob,
  findJobByKey,
  insertJob,
  listJobs,
  renewLease,
  requeueDeadJob,
  settleJob,
} from './queries.js';
import {
  LeaseLostError,
  type JobContext,
  type JobHandler,
  type JobProgress,
  type JobQueue,
  type JobStatus,
  type JobView,
} from './types.js';

/** The queue as staff and operators see it: every job, and a way to give a dead one another go. */
export interface JobQueueAdmin extends JobQueue {
  list(filter?: { status?: JobStatus; kind?: string; limit?: number }): Promise<JobView[]>;
  /** How many jobs of each kind are in each state. */
  counts(): Promise<{ kind: string; status: JobStatus; count: number }[]>;
  /** Queues a dead job again with fresh tries; false when it is not dead. */
  retry(id: string): Promise<boolean>;
  /** Forgets done jobs finished more than `doneDays` ago and dead ones more than `deadDays` ago. */
  prune(options: { doneDays: number; deadDays: number }): Promise<{ done: number; dead: number }>;
}

/**
 * The durable job queue in the database. Enqueueing writes a row (in the caller's transaction
 * when given one); workers (`createJobWorker`) take due rows under a lease.
 */
export function createJobQueue(deps: {
  db: Kysely<Database>;
  clock: Clock;
  /** Tries a job of each kind gets, as its handler declares it (default 5). */
  maxAttempts?: (kind: string) => number | undefined;
}): JobQueueAdmin {
  const { db, clock } = deps;
  return {
    async enqueue(kind, payload, options = {}) {
      const now = clock.now().toISOString();
      const target = options.trx ?? db;
      const id = newId('job');
      const inserted = await insertJob(target, {
        id,
        kind,
        key: options.key ?? null,
        payload: JSON.stringify(payload ?? null),
        status: 'queued',
        attempts: 0,
        max_attempts: deps.maxAttempts?.(kind) ?? defaultMaxAttempts,
        run_after: (options.runAfter ?? clock.now()).toISOString(),
        created_at: now,
        updated_at: now,
      });
      if (inserted || options.key === undefined) return id;
      const existing = await findJobByKey(target, kind, options.key);
      if (!existing) throw new Error(`job ${kind}/${options.key} neither inserted nor found`);
      return existing.id;
    },
    get: async (id) => {
      const row = await findJob(db, id);
      return row && toView(row);
    },
    list: async (filter = {}) =>
      (await listJobs(db, { ...filter, limit: Math.min(filter.limit ?? 50, 500) })).map(toView),
    counts: () => countJobs(db),
    retry: (id) => requeueDeadJob(db, id, clock.now().toISOString()),
    async prune({ doneDays, deadDays }) {
      const ago = (days: number) => new Date(clock.now().getTime() - days * 86_400_000).toISOString();
      return {
        done: await deleteFinishedJobs(db, 'done', ago(doneDays)),
        dead: await deleteFinishedJobs(db, 'dead', ago(deadDays)),
      };
    },
  };
}

/** What one `runDue` call did. */
export interface WorkSummary {
  readonly done: number;
  /** Failed and queued again for a later try. */
  readonly retried: number;
  readonly dead: number;
}

export interface JobWorker {
  /** Polls for due jobs and runs up to `concurrency` at once until `stop`. */
  start(): void;
  /** Stops taking jobs and waits for those under way. */
  stop(): Promise<void>;
  /** Runs due jobs until none is left (the CLI, tests); answers what happened. */
  runDue(options?: { kinds?: readonly string[] }): Promise<WorkSummary>;
  readonly kinds: readonly string[];
}

type WorkerLog = Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;

/**
 * Takes jobs whose kind it has a handler for, and runs each try isolated: a handler that
 * throws is recorded on its job and retried later with backoff, then dead; it never stops
 * the other jobs. A process that dies mid-job leaves a lease that runs out: another worker
 * (or this one after a restart) takes the job again, so handlers must resume, not redo.
 */
export function createJobWorker(deps: {
  db: Kysely<Database>;
  dialect: Dialect;
  clock: Clock;
  handlers: readonly JobHandler<unknown>[];
  log: WorkerLog;
  /** Jobs run at once in this process (default 2). */
  concurrency?: number;
  /** How often an idle worker looks for due jobs (default 1 s). */
  pollMs?: number;
}): JobWorker {
  const { db, dialect, clock, log } = deps;
  const concurrency = deps.concurrency ?? 2;
  const pollMs = deps.pollMs ?? 1000;
  const handlers = new Map<string, JobHandler<unknown>>();
  for (const handler of deps.handlers) {
    if (handlers.has(handler.kind)) throw new Error(`Two job handlers are for ${handler.kind}`);
    handlers.set(handler.kind, handler);
  }
  const kinds = [...handlers.keys()];
  const token = randomBytes(12).toString('base64url');
  const running = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let started = false;

  const leaseMsOf = (kind: string) => handlers.get(kind)?.leaseMs ?? defaultLeaseMs;

  function claim(limit: number, only: readonly string[] = kinds): Promise<JobRow[]> {
    const now = clock.now();
    return claimDueJobs(db, dialect, {
      kinds: only,
      now: now.toISOString(),
      limit,
      token,
      leaseUntil: (kind) => new Date(now.getTime() + leaseMsOf(kind)).toISOString(),
    });
  }

  /** Runs one claimed try and settles it; never throws. */
  async function runOne(row: JobRow): Promise<keyof WorkSummary | 'lost'> {
    const handler = handlers.get(row.kind);
    const now = () => clock.now().toISOString();
    const settle = async (outcome: Parameters<typeof settleJob>[3]) =>
      (await settleJob(db, row.id, token, outcome)) ? outcome.status : 'lost';
    if (!handler) {
      await settle({ status: 'queued', now: now(), error: null });
      return 'lost';
    }
    const maxAttempts = handler.maxAttempts ?? row.max_attempts;
    // A try that never settled (its process died) counts: a job that kills its worker every
    // time must not be taken for ever.
    if (row.attempts > maxAttempts) {
      log.error({ job: row.id, kind: row.kind }, 'job dead: its tries ran out while running');
      const status = await settle({ status: 'dead', now: now(), error: row.last_error ?? 'lease expired' });
      return status === 'dead' ? 'dead' : 'lost';
    }
    let payload: unknown;
    try {
      payload = handler.parse(JSON.parse(row.payload));
    } catch (error) {
      log.error({ job: row.id, kind: row.kind, err: error }, 'job dead: its payload cannot be read');
      return (await settle({ status: 'dead', now: now(), error: `payload: ${messageOf(error)}` })) === 'dead'
        ? 'dead'
        : 'lost';
    }
    const context: JobContext = {
      jobId: row.id,
      attempt: row.attempts,
      async progress(progress: JobProgress) {
        const at = clock.now();
        const held = await renewLease(db, row.id, token, {
          leaseUntil: new Date(at.getTime() + leaseMsOf(row.kind)).toISOString(),
          progress: JSON.stringify(progress),
          now: at.toISOString(),
        });
        if (!held) throw new LeaseLostError(row.id);
      },
    };
    try {
      await handler.run(payload, context);
    } catch (error) {
      if (error instanceof LeaseLostError) {
        log.warn({ job: row.id, kind: row.kind }, 'job taken over by another worker');
        return 'lost';
      }
      const next = afterFailure(row.attempts, maxAttempts, defaultRetryDelayMs);
      const waitMs = handler.retryDelayMs?.(row.attempts) ?? next.waitMs;
      (next.status === 'dead' ? log.error : log.warn).call(
        log,
        { job: row.id, kind: row.kind, attempt: row.attempts, err: error },
        next.status === 'dead' ? 'job dead: its last try failed' : 'job failed; it will be tried again',
      );
      const status = await settle({
        status: next.status,
        now: now(),
        error: messageOf(error),
        ...(next.status === 'queued' && {
          runAfter: new Date(clock.now().getTime() + waitMs).toISOString(),
        }),
      });
      if (status === 'lost') return 'lost';
      return status === 'dead' ? 'dead' : 'retried';
    }
    return (await settle({ status: 'done', now: now(), error: null })) === 'done' ? 'done' : 'lost';
  }

  function launch(row: JobRow): Promise<void> {
    const task = runOne(row)
      .then(() => undefined)
      .catch((error: unknown) => log.error({ job: row.id, err: error }, 'job could not be settled'))
      .finally(() => {
        running.delete(task);
        // A slot is free: look again at once rather than at the next tick.
        if (started) schedule(0);
      });
    running.add(task);
    return task;
  }

  async function poll(): Promise<void> {
    timer = undefined;
    if (!started) return;
    try {
      const free = concurrency - running.size;
      if (free > 0) for (const row of await claim(free)) launch(row);
    } catch (error) {
      log.error({ err: error }, 'job queue poll failed');
    }
    if (started && running.size < concurrency) schedule(pollMs);
  }

  function schedule(delayMs: number): void {
    if (timer !== undefined) {
      if (delayMs > 0) return;
      clearTimeout(timer);
    }
    timer = setTimeout(() => void poll(), delayMs);
    timer.unref();
  }

  return {
    kinds,
    start() {
      if (started || kinds.length === 0) return;
      started = true;
      schedule(0);
    },
    async stop() {
      started = false;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await Promise.all(running);
    },
    async runDue(options = {}) {
      const only = options.kinds ?? kinds;
      const summary = { done: 0, retried: 0, dead: 0 };
      for (;;) {
        const rows = await claim(concurrency, only);
        if (rows.length === 0) return summary;
        for (const outcome of await Promise.all(rows.map(runOne)))
          if (outcome !== 'lost') summary[outcome] += 1;
      }
    },
  };
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 2000);
}

function toView(row: JobRow): JobView {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    progress: row.progress === null ? null : (JSON.parse(row.progress) as JobProgress),
    lastError: row.last_error,
    runAfter: row.run_after,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}
