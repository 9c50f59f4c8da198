import type { PeriodicJob } from '../kernel/periodic-job.js';
import type { AccountLinks, AccountService } from '../modules/accounts/index.js';
import type { EpaperService } from '../modules/epaper/index.js';
import type { MeterService } from '../modules/metering/index.js';
import type { PublicationService } from '../modules/publication/index.js';
import type { JobQueueAdmin } from '../modules/queue/index.js';
import type { RateLimiter } from '../modules/rate-limit/index.js';
import type { Billing } from '../modules/subscriptions/index.js';

/** Meter reads are kept for this many months before the current one (`masthead meter prune` can choose). */
export const meterMonthsKept = 3;

/**
 * Everything an instance does on a timer, in one list: each module does the work through its
 * service; this says how often. Each job is safe in several instances at once (see PeriodicJob).
 */
export function periodicJobs(parts: {
  billing: Pick<Billing, 'runSweep'>;
  queue: Pick<JobQueueAdmin, 'prune'>;
  limiter: Pick<RateLimiter, 'prune'>;
  accounts: Pick<AccountService, 'forgetEndedSessions'>;
  links: Pick<AccountLinks, 'forgetExpired'>;
  meter: Pick<MeterService, 'prune'>;
  epaper: Pick<EpaperService, 'tidy'>;
  publication: Pick<PublicationService, 'settings'>;
  /** The chosen payment provider's own jobs (the sandbox's webhooks, say). */
  payments: { readonly jobs: readonly PeriodicJob[] };
}): PeriodicJob[] {
  const minute = 60_000;
  const hour = 60 * minute;
  return [
    // Renewals, reminders and dunning; soon after start-up, so a restart does not delay them.
    { name: 'billing:sweep', everyMs: 5 * minute, firstAfterMs: 10_000, run: () => parts.billing.runSweep() },
    // Finished work on the job queue: done jobs kept a month to look back on, dead ones three.
    {
      name: 'queue:prune',
      everyMs: 24 * hour,
      firstAfterMs: hour,
      run: () => parts.queue.prune({ doneDays: 30, deadDays: 90 }),
    },
    // Attempt-limit windows that have ended.
    { name: 'rate-limit:prune', everyMs: hour, run: async () => ({ windows: await parts.limiter.prune() }) },
    // Links in mail that stopped working, and sessions that ended, kept a while and then forgotten.
    {
      name: 'accounts:forget-links',
      everyMs: hour,
      run: async () => ({ links: await parts.links.forgetExpired() }),
    },
    {
      name: 'accounts:forget-sessions',
      everyMs: hour,
      run: async () => ({ sessions: await parts.accounts.forgetEndedSessions() }),
    },
    // Which articles a reader read in months long past is not the publisher's to keep.
    {
      name: 'meter:prune',
      everyMs: 24 * hour,
      firstAfterMs: hour,
      run: async () => {
        const { reads } = await parts.meter.prune(
          meterMonthsKept,
          (await parts.publication.settings()).timeZone,
        );
        return { reads };
      },
    },
    // Shared e-paper pages past their 7 days, and uploads a dead process left half-received.
    { name: 'epaper:tidy', everyMs: 24 * hour, firstAfterMs: hour, run: () => parts.epaper.tidy() },
    ...parts.payments.jobs,
  ];
}
