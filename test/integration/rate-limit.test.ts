import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/kernel/clock.js';
import {
  createRateLimiter,
  type RateLimiter,
  type RateLimitStore,
  type RateLimitRule,
} from '../../src/modules/rate-limit/index.js';
import { rateLimitStores, type OpenStore } from '../support/stores.js';

const start = '2026-11-15T06:00:00.000Z';
const minute = 60_000;

describe.each(rateLimitStores)('rate limiter on $name', (kind) => {
  let opened: OpenStore<RateLimitStore>;
  let limiter: RateLimiter;
  const clock = fixedClock(start);

  beforeAll(async () => {
    opened = await kind.open();
    limiter = createRateLimiter({ store: opened.store, clock });
  });
  afterAll(() => opened.close());

  const at = (offsetMs: number) => clock.set(new Date(Date.parse(start) + offsetMs));

  async function attempts(rule: RateLimitRule, key: string, count: number) {
    const decisions = [];
    for (let i = 0; i < count; i++) decisions.push(await limiter.check(rule, key));
    return decisions;
  }

  it('refuses the limit+1-th attempt, with the seconds left in the window', async () => {
    const rule = { name: 'sign-in:ip', limit: 3, windowMs: 15 * minute };
    at(0);
    expect(await attempts(rule, '203.0.113.7', 3)).toEqual(Array(3).fill({ allowed: true }));
    at(4 * minute + 500);
    // The window opened at 0 and ends at 15:00; 10 min 59.5 s are left, rounded up.
    expect(await limiter.check(rule, '203.0.113.7')).toEqual({ allowed: false, retryAfterSeconds: 660 });
    at(15 * minute - 1);
    expect(await limiter.check(rule, '203.0.113.7')).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('starts a new window once the last one has ended, and refused attempts do not extend it', async () => {
    const rule = { name: 'sign-in:email', limit: 2, windowMs: minute };
    at(0);
    await attempts(rule, 'reader@example.com', 2);
    at(30_000);
    expect(await attempts(rule, 'reader@example.com', 5)).toEqual(
      Array(5).fill({ allowed: false, retryAfterSeconds: 30 }),
    );
    at(minute);
    expect(await attempts(rule, 'reader@example.com', 2)).toEqual(Array(2).fill({ allowed: true }));
    at(minute + 1_000);
    expect(await limiter.check(rule, 'reader@example.com')).toEqual({
      allowed: false,
      retryAfterSeconds: 59,
    });
  });

  // Three starting points: the upsert's insert path, its update path, and its new-window path.
  it.each([
    { before: 'no window yet', earlier: 0, gap: 0 },
    { before: 'an open window', earlier: 3, gap: 1_000 },
    { before: 'a window that has just ended', earlier: 9, gap: minute },
  ])(
    'lets exactly the limit through when 30 attempts race on a key with $before',
    async ({ before, earlier, gap }) => {
      const rule = { name: 'race', limit: 7, windowMs: minute };
      const key = before.replaceAll(' ', '-');
      at(0);
      const allowedEarlier = (await attempts(rule, key, earlier)).filter((d) => d.allowed).length;
      at(gap);
      const decisions = await Promise.all(Array.from({ length: 30 }, () => limiter.check(rule, key)));
      const inThisWindow =
        (gap >= rule.windowMs ? 0 : allowedEarlier) + decisions.filter((d) => d.allowed).length;
      expect(inThisWindow).toBe(rule.limit);
      // Every attempt was counted, the refused ones too: the next is one more.
      const next = await opened.store.hit(`race ${key}`, rule.windowMs, clock.now());
      expect(next.count).toBe(31 + (gap >= rule.windowMs ? 0 : earlier));
    },
  );

  it('counts each key and each rule apart', async () => {
    const perIp = { name: 'apart:ip', limit: 1, windowMs: minute };
    const perEmail = { name: 'apart:email', limit: 1, windowMs: minute };
    at(0);
    expect(await limiter.check(perIp, 'a')).toEqual({ allowed: true });
    expect(await limiter.check(perIp, 'b')).toEqual({ allowed: true });
    expect(await limiter.check(perEmail, 'a')).toEqual({ allowed: true });
    expect(await limiter.check(perIp, 'a')).toMatchObject({ allowed: false });
  });

  it('forgets a key when reset', async () => {
    const rule = { name: 'reset', limit: 1, windowMs: minute };
    at(0);
    await limiter.check(rule, 'reader');
    expect(await limiter.check(rule, 'reader')).toMatchObject({ allowed: false });
    await limiter.reset(rule, 'reader');
    expect(await limiter.check(rule, 'reader')).toEqual({ allowed: true });
  });

  it('prunes only the windows that have ended', async () => {
    const short = { name: 'prune:short', limit: 5, windowMs: minute };
    const long = { name: 'prune:long', limit: 5, windowMs: 60 * minute };
    at(10 * 60 * minute);
    await limiter.prune(); // the earlier tests' windows, all ended by now
    await limiter.check(short, 'k');
    await limiter.check(long, 'k');
    at(10 * 60 * minute + minute);
    expect(await limiter.prune()).toBe(1);
    // The long window is still counting: its second attempt is its second.
    expect((await opened.store.hit('prune:long k', long.windowMs, clock.now())).count).toBe(2);
  });

  it('refuses a malformed rule as a bug', async () => {
    await expect(limiter.check({ name: 'zero', limit: 0, windowMs: minute }, 'k')).rejects.toThrow(
      RangeError,
    );
    await expect(limiter.check({ name: 'has space', limit: 1, windowMs: minute }, 'k')).rejects.toThrow(
      RangeError,
    );
  });
});
