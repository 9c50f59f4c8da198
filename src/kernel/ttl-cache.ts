import { deepFreeze } from './cache-key.js';
import type { Clock } from './clock.js';

/**
 * A small read-through cache for data that every page view reads and that changes rarely
 * (settings, sections, plans, articles). Entries live `ttlMs`; a write on this instance
 * should `clear` at once, other instances see it within `ttlMs`. Concurrent misses for one
 * key share one load. Bounded: when full, the oldest entry goes.
 */
export interface TtlCache<K, V> {
  get(key: K, load: () => Promise<V>): Promise<V>;
  delete(key: K): void;
  clear(): void;
}

export function ttlCache<K, V>(options: {
  ttlMs: number;
  clock: Clock;
  capacity?: number;
  /**
   * Deep-freeze each value as it is loaded (`deepFreeze`): for plain data that every reader
   * shares, so that no caller can change it for the others, and so that a cache key can name
   * it by a digest computed once (`cacheKeyOf`).
   */
  frozen?: boolean;
}): TtlCache<K, V> {
  const { ttlMs, clock } = options;
  const capacity = options.capacity ?? 1000;
  const load = options.frozen
    ? (from: () => Promise<V>) => from().then(deepFreeze)
    : (from: () => Promise<V>) => from();
  const entries = new Map<K, { value: Promise<V>; expires: number }>();

  return {
    get(key, from) {
      const now = clock.now().getTime();
      const hit = entries.get(key);
      if (hit && hit.expires > now) return hit.value;
      if (ttlMs <= 0) return load(from);
      const value = load(from);
      // Re-inserting moves a refreshed key to the back, so evicting the first entry drops the
      // one that has gone longest without a load.
      if (hit) entries.delete(key);
      else if (entries.size >= capacity) entries.delete(entries.keys().next().value!);
      entries.set(key, { value, expires: now + ttlMs });
      // A failed load is not remembered.
      value.catch(() => {
        if (entries.get(key)?.value === value) entries.delete(key);
      });
      return value;
    },
    delete: (key) => void entries.delete(key),
    clear: () => entries.clear(),
  };
}

/** A cache that keeps nothing: for reads that must see the database as it is (in a transaction). */
export function noCache<K, V>(): TtlCache<K, V> {
  return { get: (_key, load) => load(), delete: () => undefined, clear: () => undefined };
}
