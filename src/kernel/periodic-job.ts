/**
 * Work an instance does on a timer rather than for a request: the renewal sweep, retrying
 * queued mail, forgetting expired rows. Every job must be safe to run in several instances at
 * once (exactly-once by its own claims, or an idempotent delete), so no instance leads.
 * Modules offer their jobs; `src/jobs/schedule.ts` lists them all; `src/jobs/scheduler.ts` runs them.
 */
export interface PeriodicJob {
  /** Names the job in logs and in `masthead jobs run NAME`: `area:what`, e.g. `billing:sweep`. */
  readonly name: string;
  readonly everyMs: number;
  /** The first run after start-up; by default one interval (a restart loop must not hammer). */
  readonly firstAfterMs?: number;
  /** Does one round; what it answers (counts) is logged when any count is above zero. */
  run(): Promise<JobSummary | void>;
}

/** What one round did, as counts (rows forgotten, mail delivered), possibly nested. */
export type JobSummary = object;
