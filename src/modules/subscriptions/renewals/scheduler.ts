import type { Billing, BillingRunReport } from '../service.js';

/**
 * Runs the renewal sweep in-process every `intervalMs`, never two at once in this process.
 * Several instances may each run one: the sweep is exactly-once across processes by design
 * (see `renewals.ts`), so no leader election is needed.
 */
export function createBillingScheduler(deps: {
  billing: Pick<Billing, 'runSweep'>;
  onSweep: (report: BillingRunReport) => void;
  onError: (error: unknown) => void;
}) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  function tick(): Promise<void> {
    running ??= deps.billing
      .runSweep()
      .then(deps.onSweep, deps.onError)
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  return {
    start(intervalMs: number, firstAfterMs = 10_000): void {
      if (timer) return;
      timer = setTimeout(function again() {
        void tick().finally(() => {
          if (timer) timer = setTimeout(again, intervalMs).unref();
        });
      }, firstAfterMs).unref();
    },
    async stop(): Promise<void> {
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
    tick,
  };
}
