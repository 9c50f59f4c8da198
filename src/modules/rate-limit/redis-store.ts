import type { RedisHandle } from '../../db/redis.js';
import type { RateLimitStore } from './store.js';

// One attempt, atomically: a new window when there is none or the last one has ended, else
// one more in the current window. Times are the app's clock (ms), not Redis's, so a test clock
// works; the key also expires on Redis's clock a minute after its window, so nothing piles up.
const hitScript = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local reset = tonumber(redis.call('HGET', KEYS[1], 'reset'))
if not reset or reset <= now then
  reset = now + window
  redis.call('HSET', KEYS[1], 'count', 1, 'reset', reset)
  redis.call('PEXPIRE', KEYS[1], window + 60000)
  return {1, reset}
end
return {redis.call('HINCRBY', KEYS[1], 'count', 1), reset}
`;

// Deletes the window only if it has ended: an attempt may have opened a new one meanwhile.
const forgetEndedScript = `
local reset = tonumber(redis.call('HGET', KEYS[1], 'reset'))
if reset and reset <= tonumber(ARGV[1]) then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/** Attempt limits in Redis (`REDIS_URL`), shared by every instance. */
export function createRedisRateLimitStore(handle: RedisHandle): RateLimitStore {
  const { redis, prefix } = handle;
  const keyOf = (key: string) => `${prefix}rate-limit:${key}`;
  return {
    async hit(key, windowMs, now) {
      const [count, resetAt] = (await redis.eval(hitScript, 1, keyOf(key), now.getTime(), windowMs)) as [
        number,
        number,
      ];
      return { count, resetAt: new Date(resetAt) };
    },
    async reset(key) {
      await redis.del(keyOf(key));
    },
    // Redis expires each window itself; this forgets the ended ones sooner, a batch at a time.
    async prune(now) {
      let forgotten = 0;
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}rate-limit:*`, 'COUNT', 500);
        cursor = next;
        for (const key of keys) {
          forgotten += (await redis.eval(forgetEndedScript, 1, key, now.getTime())) as number;
        }
      } while (cursor !== '0');
      return forgotten;
    },
  };
}
