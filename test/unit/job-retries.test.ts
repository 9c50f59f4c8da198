import { describe, expect, it } from 'vitest';
import { afterFailure, defaultRetryDelayMs } from '../../src/modules/queue/index.js';

describe('job retries', () => {
  it('wait 30 s after the first failure, four times longer after each next one, at most 6 h', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(defaultRetryDelayMs)).toEqual([
      30_000, 120_000, 480_000, 1_920_000, 7_680_000, 21_600_000, 21_600_000, 21_600_000,
    ]);
  });

  it('queue the job again until its last try, then it is dead', () => {
    const wait = (attempt: number) => attempt * 1000;
    expect(afterFailure(1, 3, wait)).toEqual({ status: 'queued', waitMs: 1000 });
    expect(afterFailure(2, 3, wait)).toEqual({ status: 'queued', waitMs: 2000 });
    expect(afterFailure(3, 3, wait)).toEqual({ status: 'dead', waitMs: 0 });
    expect(afterFailure(1, 1, wait)).toEqual({ status: 'dead', waitMs: 0 });
  });
});
