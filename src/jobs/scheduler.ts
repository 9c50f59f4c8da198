import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../kernel/clock.js';
import type { JobSummary, PeriodicJob } from '../kernel/periodic-job.js';

export type { JobSummary, PeriodicJob } from '../kernel/periodic-job.js';

/** One job's record since the scheduler started. */
export interface JobStatus {
  readonly name: string;
  readonly everyMs: number;
  readonly runs: number;
  readonly failures: number;
  readonly running: boolean;
  readonly lastStartedAt: string | null;
  readonly lastFinishedAt: string | null;
  readonly lastSummary: JobSummary | null;
  readonly lastError: string | null;
}

export interface JobScheduler {
  /** Starts every job's timer; a second call does nothing. */
  start(): void;
  /** Stops the timers and waits for the rounds under way. */
  stop(): Promise<void>;
  /**
   * Runs one job now (or waits for the round already under way, then runs). A failure is
   * recorded and logged and answered as `{ ok: false }`: one job never stops another.
   */
  run(name: string): Promise<JobOutcome>;
  /** Runs every job once, one after the other. */
  runAll(): Promise<JobOutcome[]>;
  status(): JobStatus[];
}

export type JobOutcome =
  | { readonly name: string; readonly ok: true; readonly summary: JobSummary | null }
  | { readonly name: string; readonly ok: false; readonly error: unknown };

type JobLog = Pick<FastifyBaseLogger, 'info' | 'error'>;

/**
 * Runs each job on its own timer, never two rounds of one job at once in this process, each
 * round isolated: a job that throws is logged and counted and tried again at its next turn.
 */
export function createJobScheduler(deps: {
  jobs: readonly PeriodicJob[];
  clock: Clock;
  log: JobLog;
}): JobScheduler {
  const { clock, log } = deps;
  const byName = new Map<string, PeriodicJob>();
  for (const job of deps.jobs) {
    if (byName.has(job.name)) throw new Error(`Two periodic jobs are named ${job.name}`);
    if (!(job.everyMs > 0)) throw new Error(`Periodic job ${job.name} needs an interval above zero`);
    byName.set(job.name, job);
  }
  const records = new Map<string, Mutable<JobStatus>>(
    deps.jobs.map((job) => [
      job.name,
      {
        name: job.name,
        everyMs: job.everyMs,
        runs: 0,
        failures: 0,
        running: false,
        lastStartedAt: null,
        lastFinishedAt: null,
        lastSummary: null,
        lastError: null,
      },
    ]),
  );
  const underWay = new Map<string, Promise<JobOutcome>>();
  const timers = new Map<string, NodeJS.Timeout>();
  let started = false;

  async function round(job: PeriodicJob): Promise<JobOutcome> {
    const record = records.get(job.name)!;
    record.running = true;
    record.lastStartedAt = clock.now().toISOString();
    try {
      const summary = (await job.run()) ?? null;
      record.runs++;
      record.lastSummary = summary;
      record.lastError = null;
      if (summary && didSomething(summary)) log.info({ job: job.name, summary }, `${job.name} done`);
      return { name: job.name, ok: true, summary };
    } catch (error) {
      record.runs++;
      record.failures++;
      record.lastError = error instanceof Error ? error.message : String(error);
      log.error({ err: error, job: job.name }, `${job.name} failed`);
      return { name: job.name, ok: false, error };
    } finally {
      record.running = false;
      record.lastFinishedAt = clock.now().toISOString();
    }
  }

  async function run(name: string): Promise<JobOutcome> {
    const job = byName.get(name);
    if (!job) throw new Error(`No periodic job is named ${name}`);
    // A caller arriving during a round waits for it, then runs its own: it sees all that was due.
    while (underWay.has(name)) await underWay.get(name);
    const going = round(job).finally(() => underWay.delete(name));
    underWay.set(name, going);
    return going;
  }

  function schedule(job: PeriodicJob, afterMs: number): void {
    const timer = setTimeout(() => {
      // A timer never queues a round behind a slow one: it waits for its next turn instead.
      const going = underWay.get(job.name) ? Promise.resolve() : run(job.name);
      void going.finally(() => {
        if (started) schedule(job, job.everyMs);
      });
    }, afterMs);
    timer.unref();
    timers.set(job.name, timer);
  }

  return {
    start() {
      if (started) return;
      started = true;
      for (const job of deps.jobs) schedule(job, job.firstAfterMs ?? job.everyMs);
    },
    async stop() {
      started = false;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.all(underWay.values());
    },
    run,
    async runAll() {
      const outcomes: JobOutcome[] = [];
      for (const job of deps.jobs) outcomes.push(await run(job.name));
      return outcomes;
    },
    status: () => deps.jobs.map((job) => ({ ...records.get(job.name)! })),
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function didSomething(summary: JobSummary): boolean {
  return Object.values(summary).some((value: unknown) =>
    typeof value === 'number'
      ? value > 0
      : Array.isArray(value)
        ? value.length > 0
        : typeof value === 'object' && value !== null && didSomething(value),
  );
}
