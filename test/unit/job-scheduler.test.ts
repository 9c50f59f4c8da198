import { afterEach, describe, expect, it, vi } from 'vitest';
import { createJobScheduler, type PeriodicJob } from '../../src/jobs/scheduler.js';
import { systemClock } from '../../src/kernel/clock.js';

function recordingLog() {
  const lines: { level: 'info' | 'error'; fields: Record<string, unknown>; message: string }[] = [];
  return {
    lines,
    info: (fields: Record<string, unknown>, message: string) =>
      lines.push({ level: 'info', fields, message }),
    error: (fields: Record<string, unknown>, message: string) =>
      lines.push({ level: 'error', fields, message }),
  };
}

function counting(name: string, everyMs: number, run: () => Promise<object | void> = async () => {}) {
  const job = {
    name,
    everyMs,
    runs: 0,
    async run() {
      job.runs++;
      return run();
    },
  };
  return job;
}

const schedulerOf = (jobs: PeriodicJob[], log = recordingLog()) =>
  createJobScheduler({ jobs, clock: systemClock, log: log as never });

afterEach(() => {
  vi.useRealTimers();
});

describe('the job scheduler', () => {
  it('runs each job on its own interval once started, and no more once stopped', async () => {
    vi.useFakeTimers();
    const fast = counting('test:fast', 100);
    const slow = counting('test:slow', 1000);
    const scheduler = schedulerOf([fast, slow]);
    scheduler.start();
    await vi.advanceTimersByTimeAsync(1050);
    expect(fast.runs).toBe(10);
    expect(slow.runs).toBe(1);
    await scheduler.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(fast.runs).toBe(10);
  });

  it('waits `firstAfterMs` before a job’s first run', async () => {
    vi.useFakeTimers();
    const job = Object.assign(counting('test:soon', 60_000), { firstAfterMs: 10 });
    const scheduler = schedulerOf([job]);
    scheduler.start();
    await vi.advanceTimersByTimeAsync(20);
    expect(job.runs).toBe(1);
    await scheduler.stop();
  });

  it('keeps running the other jobs, and the failing one at its next turn, when a job throws', async () => {
    vi.useFakeTimers();
    const log = recordingLog();
    const failing = counting('test:failing', 100, async () => {
      throw new Error('the database refused');
    });
    const healthy = counting('test:healthy', 100);
    const scheduler = schedulerOf([failing, healthy], log);
    scheduler.start();
    await vi.advanceTimersByTimeAsync(350);
    await scheduler.stop();
    expect(failing.runs).toBe(3);
    expect(healthy.runs).toBe(3);
    const status = scheduler.status().find((job) => job.name === 'test:failing')!;
    expect(status).toMatchObject({ runs: 3, failures: 3, lastError: 'the database refused' });
    expect(log.lines.filter((line) => line.level === 'error')).toHaveLength(3);
    expect(log.lines[0]!.fields).toMatchObject({ job: 'test:failing' });
  });

  it('never runs two rounds of one job at once: a slow round delays the next', async () => {
    vi.useFakeTimers();
    let running = 0;
    let most = 0;
    const slow = counting('test:slow-round', 10, async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 95));
      running--;
    });
    const scheduler = schedulerOf([slow]);
    scheduler.start();
    await vi.advanceTimersByTimeAsync(500);
    // Stopping waits for the round under way, which needs its own timer to finish.
    const stopped = scheduler.stop();
    await vi.advanceTimersByTimeAsync(100);
    await stopped;
    expect(most).toBe(1);
    // One round every 10 + 95 ms, not one queued per tick.
    expect(slow.runs).toBeLessThanOrEqual(5);
    expect(slow.runs).toBeGreaterThanOrEqual(4);
  });

  it('runs a job on demand, waiting for a round under way rather than overlapping it', async () => {
    let release!: () => void;
    let running = 0;
    let most = 0;
    const job = counting('test:on-demand', 60_000, async () => {
      running++;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => (release = resolve));
      running--;
      return { forgotten: 2 };
    });
    const scheduler = schedulerOf([job]);
    const first = scheduler.run('test:on-demand');
    const second = scheduler.run('test:on-demand');
    await vi.waitFor(() => expect(job.runs).toBe(1));
    release();
    await first;
    await vi.waitFor(() => expect(job.runs).toBe(2));
    release();
    expect(await second).toEqual({ name: 'test:on-demand', ok: true, summary: { forgotten: 2 } });
    expect(most).toBe(1);
  });

  it('logs a round’s summary only when it did something', async () => {
    const log = recordingLog();
    let forgotten = 0;
    const scheduler = schedulerOf([counting('test:prune', 1000, async () => ({ rows: forgotten }))], log);
    await scheduler.run('test:prune');
    expect(log.lines).toEqual([]);
    forgotten = 4;
    await scheduler.run('test:prune');
    expect(log.lines).toEqual([
      { level: 'info', fields: { job: 'test:prune', summary: { rows: 4 } }, message: 'test:prune done' },
    ]);
  });

  it('refuses two jobs of one name, and an unknown name', async () => {
    expect(() => schedulerOf([counting('test:twice', 10), counting('test:twice', 20)])).toThrow(
      /Two periodic jobs/,
    );
    await expect(schedulerOf([]).run('test:nothing')).rejects.toThrow(/No periodic job/);
  });
});
