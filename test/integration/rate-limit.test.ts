import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { fixedClock } from '../../src/kernel/clock.js';
import {
  createRateLimiter,
  createSqlRateLimitStore,
  type RateLimiter,
  type RateLimitRule,
} from '../../src/modules/rate-limit/index.js';
import { dialects } from '../support/databases.js';

const start = '2026-11-15T06:00:00.000Z';
const minute = 60_000;

describe.each(dialects)('rate limiter on $name', (dialect) => {
  let database: DatabaseHandle;
  let limiter: RateLimiter;
  const clock = fixedClock(start);

  beforeAll(async () => {
    database = await dialect.open();
    limiter = createRateLimiter({ store: createSqlRateLimitStore(database.db), clock });
  });
  afterAll(() => database.destroy());

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
      const row = await database.db
        .selectFrom('rate_limit_windows')
        .select('count')
        .where('key', '=', `race ${key}`)
        .executeTakeFirstOrThrow();
      expect(row.count).toBe(30 + (gap >= rule.windowMs ? 0 : earlier));
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
    await limiter.check(short, 'k');
    await limiter.check(long, 'k');
    at(10 * 60 * minute + minute);
    expect(await limiter.prune()).toBeGreaterThanOrEqual(1);
    const keys = (await database.db.selectFrom('rate_limit_windows').select('key').execute()).map(
      (r) => r.key,
    );
    expect(keys).toContain('prune:long k');
    expect(keys).not.toContain('prune:short k');
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
