import { Redis } from 'ioredis';
import { ConfigError } from '../config/config.js';

/** A connection to the Redis that the meter and the rate limiter share across instances. */
export interface RedisHandle {
  readonly redis: Redis;
  /** Every key Masthead writes starts with this (`masthead:` unless told otherwise). */
  readonly prefix: string;
  /** Answers once Redis does; a ConfigError naming REDIS_URL if it does not within a few seconds. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens `REDIS_URL`. A command while Redis is unreachable fails after a couple of retries
 * instead of waiting forever: a page view then answers an error rather than hang.
 */
export function openRedis(url: string, options: { prefix?: string } = {}): RedisHandle {
  const redis = new Redis(url, { maxRetriesPerRequest: 2, connectTimeout: 5000, lazyConnect: true });
  // Errors reach the commands that fail; without a listener ioredis would also print each one.
  redis.on('error', () => undefined);
  const connected = redis.connect().catch(() => undefined);
  return {
    redis,
    prefix: options.prefix ?? 'masthead:',
    async ping() {
      await connected;
      try {
        await redis.ping();
      } catch (error) {
        // One line naming the variable, as for a bad value: the start-up stops on it.
        const reason = error instanceof Error ? error.message : String(error);
        throw new ConfigError([`REDIS_URL: Redis does not answer there (${reason})`]);
      }
    },
    async close() {
      await connected;
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
