import type { RedisHandle } from '../../db/redis.js';
import type { ConsumeResult, MeterRead, MeterStore } from './store.js';

/*
 * Keys, under the handle's prefix:
 *   meter:reads:{reader}:{period}   hash: article id → when it was first read
 *   meter:periods:{reader}          set of the periods the reader has reads in (export, deletion)
 *   meter:readers:{period}          set of the readers with reads in the period (pruning)
 *   meter:periods                   set of every period with reads
 * The counts are the hashes' lengths, so there is no counter to drift from the reads.
 */

// One read, atomically: a reread is free, a new article is counted only under the limit.
const consumeScript = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  return {1, redis.call('HLEN', KEYS[1])}
end
local used = redis.call('HLEN', KEYS[1])
if used >= tonumber(ARGV[2]) then
  return {0, used}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[4])
redis.call('SADD', KEYS[3], ARGV[5])
redis.call('SADD', KEYS[4], ARGV[4])
return {1, used + 1}
`;

// Copies `from`'s reads of a period to `to` (first reads win), in one step.
const mergeScript = `
local reads = redis.call('HGETALL', KEYS[1])
for i = 1, #reads, 2 do
  redis.call('HSETNX', KEYS[2], reads[i], reads[i + 1])
end
if redis.call('HLEN', KEYS[2]) > 0 then
  redis.call('SADD', KEYS[3], ARGV[1])
  redis.call('SADD', KEYS[4], ARGV[2])
  redis.call('SADD', KEYS[5], ARGV[1])
end
return 0
`;

/**
 * The meter in Redis (`REDIS_URL`), shared by every instance: each read is one Lua script, so
 * racing requests on any number of instances never grant more than the limit.
 */
export function createRedisMeterStore(handle: RedisHandle): MeterStore {
  const { redis, prefix } = handle;
  const readsKey = (reader: string, period: string) => `${prefix}meter:reads:${reader}:${period}`;
  const periodsOf = (reader: string) => `${prefix}meter:periods:${reader}`;
  const readersOf = (period: string) => `${prefix}meter:readers:${period}`;
  const allPeriods = `${prefix}meter:periods`;

  async function forgetPeriodOf(reader: string, period: string): Promise<number> {
    const key = readsKey(reader, period);
    const [[, reads]] = (await redis
      .multi()
      .hlen(key)
      .del(key)
      .srem(periodsOf(reader), period)
      .srem(readersOf(period), reader)
      .exec()) as [[null, number]];
    return reads;
  }

  return {
    async peek(readerId, period, articleId) {
      const key = readsKey(readerId, period);
      const [[, used], [, read]] = (await redis.multi().hlen(key).hexists(key, articleId).exec()) as [
        [null, number],
        [null, number],
      ];
      return { used, alreadyRead: read === 1 };
    },

    used: (readerId, period) => redis.hlen(readsKey(readerId, period)),

    async consume(readerId, period, articleId, limit, at): Promise<ConsumeResult> {
      if (limit <= 0) return { recorded: false, used: 0 };
      const [recorded, used] = (await redis.eval(
        consumeScript,
        4,
        readsKey(readerId, period),
        periodsOf(readerId),
        readersOf(period),
        allPeriods,
        articleId,
        limit,
        at.toISOString(),
        period,
        readerId,
      )) as [number, number];
      return { recorded: recorded === 1, used };
    },

    async merge(from, to, period) {
      if (from === to) return;
      await redis.eval(
        mergeScript,
        5,
        readsKey(from, period),
        readsKey(to, period),
        periodsOf(to),
        readersOf(period),
        allPeriods,
        period,
        to,
      );
    },

    async prune(before) {
      let forgotten = 0;
      for (const period of await redis.smembers(allPeriods)) {
        if (period >= before) continue;
        // A period's readers a batch at a time: a national daily has millions in a month.
        let cursor = '0';
        do {
          const [next, readers] = await redis.sscan(readersOf(period), cursor, 'COUNT', 500);
          cursor = next;
          for (const reader of readers) forgotten += await forgetPeriodOf(reader, period);
        } while (cursor !== '0');
        await redis.multi().del(readersOf(period)).srem(allPeriods, period).exec();
      }
      return forgotten;
    },

    async reads(readerId) {
      const reads: MeterRead[] = [];
      for (const period of await redis.smembers(periodsOf(readerId))) {
        const articles = await redis.hgetall(readsKey(readerId, period));
        for (const [articleId, readAt] of Object.entries(articles)) reads.push({ period, articleId, readAt });
      }
      return reads.sort((a, b) => a.readAt.localeCompare(b.readAt) || a.articleId.localeCompare(b.articleId));
    },

    async forget(readerId) {
      let forgotten = 0;
      for (const period of await redis.smembers(periodsOf(readerId))) {
        forgotten += await forgetPeriodOf(readerId, period);
      }
      await redis.del(periodsOf(readerId));
      return forgotten;
    },
  };
}
