import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/kernel/clock.js';
import { ttlCache } from '../../src/kernel/ttl-cache.js';

describe('ttl cache', () => {
  it('loads once within the time to live, again after it', async () => {
    const clock = fixedClock('2026-11-15T00:00:00Z');
    const cache = ttlCache<string, number>({ ttlMs: 1000, clock });
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('k', load)).toBe(1);
    expect(await cache.get('k', load)).toBe(1);
    clock.set('2026-11-15T00:00:01Z');
    expect(await cache.get('k', load)).toBe(2);
  });

  it('shares one load among concurrent misses', async () => {
    const cache = ttlCache<string, number>({ ttlMs: 1000, clock: fixedClock('2026-11-15T00:00:00Z') });
    let loads = 0;
    const values = await Promise.all(Array.from({ length: 5 }, () => cache.get('k', async () => ++loads)));
    expect(values).toEqual([1, 1, 1, 1, 1]);
  });

  it('forgets failed loads and cleared entries', async () => {
    const cache = ttlCache<string, number>({ ttlMs: 1000, clock: fixedClock('2026-11-15T00:00:00Z') });
    await expect(cache.get('k', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('k', async () => 7)).toBe(7);
    cache.clear();
    expect(await cache.get('k', async () => 8)).toBe(8);
  });

  it('keeps a refreshed entry over one loaded longer ago', async () => {
    const clock = fixedClock('2026-11-15T00:00:00Z');
    const cache = ttlCache<number, number>({ ttlMs: 1000, clock, capacity: 2 });
    await cache.get(1, async () => 1);
    await cache.get(2, async () => 2);
    clock.set('2026-11-15T00:00:02Z');
    await cache.get(1, async () => 11); // refreshed: now the newest
    await cache.get(3, async () => 3); // evicts 2, not 1
    expect(await cache.get(1, async () => 111)).toBe(11);
  });

  it('drops the oldest entry when full', async () => {
    const cache = ttlCache<number, number>({
      ttlMs: 1000,
      clock: fixedClock('2026-11-15T00:00:00Z'),
      capacity: 2,
    });
    await cache.get(1, async () => 1);
    await cache.get(2, async () => 2);
    await cache.get(3, async () => 3);
    expect(await cache.get(1, async () => 10)).toBe(10);
    expect(await cache.get(3, async () => 30)).toBe(3);
  });
});
