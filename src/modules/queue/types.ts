import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/**
 * A job's life: `queued` until due and claimed, `running` under a lease, then `done`, or back to
 * `queued` (a later try, with backoff) after a failure, or `dead` once its tries are used up or
 * its payload cannot be read. A `running` job whose lease ran out (its process died) is claimed
 * again as if it were queued.
 */
export type JobStatus = 'queued' | 'running' | 'done' | 'dead';

/** How far a long job has got, as its handler reports it (pages rendered, mail sent). */
export interface JobProgress {
  readonly done: number;
  readonly total: number;
  /** A few words for staff: "rendering page 3". */
  readonly note?: string | undefined;
}

/** One job as staff and the API see it. */
export interface JobView {
  readonly id: string;
  readonly kind: string;
  readonly status: JobStatus;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly progress: JobProgress | null;
  /** Why the last try failed (or why the job is dead). */
  readonly lastError: string | null;
  readonly runAfter: string;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

export interface EnqueueOptions {
  /** Not before this moment (a scheduled send); by default now. */
  readonly runAfter?: Date;
  /**
   * Makes the enqueue idempotent: a second job of the same kind and key is not created, and
   * the first one's id is answered instead (a double click on "send", a retried request).
   */
  readonly key?: string;
  /** Enqueue inside the caller's transaction, so the job exists exactly when its cause does. */
  readonly trx?: Kysely<Database>;
}

/** Puts work on the queue and shows how it is going. Every module that defers work gets one. */
export interface JobQueue {
  /** Queues a job of `kind` (a handler for it must be given to the worker); answers its id. */
  enqueue(kind: string, payload: unknown, options?: EnqueueOptions): Promise<string>;
  get(id: string): Promise<JobView | undefined>;
}

/** What a handler is told about the job it runs. */
export interface JobContext {
  readonly jobId: string;
  /** 1 on the first try. */
  readonly attempt: number;
  /**
   * Records progress and renews the lease; a handler that runs longer than its lease must call
   * it now and then. Throws `LeaseLostError` when another worker has taken the job over (this one
   * was presumed dead): the handler must stop.
   */
  progress(progress: JobProgress): Promise<void>;
}

/**
 * How one kind of job is done. The handler must be safe to run again after a crash half-way
 * (a try that died is retried): it resumes from what it recorded, it does not redo it.
 */
export interface JobHandler<P = unknown> {
  /** `area:what`, e.g. `epaper:process`. */
  readonly kind: string;
  /** Reads the stored payload; a payload it rejects makes the job dead at once. */
  parse(payload: unknown): P;
  run(payload: P, context: JobContext): Promise<void>;
  /** Tries before the job is dead (default 5). */
  readonly maxAttempts?: number;
  /** How long one try may run without renewing its lease (default 5 minutes). */
  readonly leaseMs?: number;
  /** How long to wait after the `attempt`-th failed try (default: 30 s, quadrupling, up to 6 h). */
  retryDelayMs?(attempt: number): number;
}

/** The worker took a job whose lease this process no longer holds. */
export class LeaseLostError extends Error {
  constructor(readonly jobId: string) {
    super(`job ${jobId}: its lease passed to another worker`);
    this.name = 'LeaseLostError';
  }
}
