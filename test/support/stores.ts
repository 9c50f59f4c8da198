import { randomBytes } from 'node:crypto';
import { openRedis, type RedisHandle } from '../../src/db/redis.js';
import {
  createRedisMeterStore,
  createSqlMeterStore,
  type MeterStore,
} from '../../src/modules/metering/index.js';
import {
  createRedisRateLimitStore,
  createSqlRateLimitStore,
  type RateLimitStore,
} from '../../src/modules/rate-limit/index.js';
import { dialects } from './databases.js';

/** A store under test and how to put it away. */
export interface OpenStore<S> {
  readonly store: S;
  close(): Promise<void>;
}

export interface TestStore<S> {
  readonly name: string;
  open(): Promise<OpenStore<S>>;
}

export const redisUrl = process.env.REDIS_URL?.startsWith('redis') ? process.env.REDIS_URL : undefined;

/** A Redis handle whose keys are this test's alone (a random prefix), all deleted on close. */
export function openTestRedis(url: string): RedisHandle {
  const handle = openRedis(url, { prefix: `masthead-test:${randomBytes(6).toString('hex')}:` });
  return {
    ...handle,
    async close() {
      let cursor = '0';
      do {
        const [next, keys] = await handle.redis.scan(cursor, 'MATCH', `${handle.prefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await handle.redis.del(...keys);
      } while (cursor !== '0');
      await handle.close();
    },
  };
}

function storesOf<S>(
  sql: (db: Parameters<typeof createSqlMeterStore>[0]) => S,
  redis: (handle: RedisHandle) => S,
) {
  const stores: TestStore<S>[] = dialects.map((dialect) => ({
    name: dialect.name,
    async open() {
      const database = await dialect.open();
      return { store: sql(database.db), close: () => database.destroy() };
    },
  }));
  if (redisUrl) {
    const url = redisUrl;
    stores.push({
      name: 'redis',
      async open() {
        const handle = openTestRedis(url);
        await handle.ping();
        return { store: redis(handle), close: () => handle.close() };
      },
    });
  }
  return stores;
}

/** The meter's stores: SQL on every test dialect, and Redis when REDIS_URL points at one. */
export const meterStores: readonly TestStore<MeterStore>[] = storesOf(
  createSqlMeterStore,
  createRedisMeterStore,
);

/** The rate limiter's stores, likewise. */
export const rateLimitStores: readonly TestStore<RateLimitStore>[] = storesOf(
  createSqlRateLimitStore,
  createRedisRateLimitStore,
);
