import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import type { TtlCache } from '../../kernel/ttl-cache.js';

/**
 * Publisher settings as named JSON documents. Each owning module gives the schema (with its
 * defaults) of its own key. Reads are cached for a moment because every page view needs
 * them; a write clears this instance's cache at once, other instances within its TTL.
 */
export interface SettingsStore {
  read<S extends z.ZodType>(key: string, schema: S): Promise<z.output<S>>;
  /** The document as stored, unvalidated (`{}` when there is none): what a change merges into. */
  stored(key: string): Promise<Record<string, unknown>>;
  write<S extends z.ZodType>(key: string, schema: S, value: z.input<S>): Promise<z.output<S>>;
}

export function createSettingsStore(deps: {
  db: Kysely<Database>;
  clock: Clock;
  /** Documents by key (`caches.settings`; `noCache()` for reads inside a transaction). */
  cache: TtlCache<string, unknown>;
  /** Where to report a stored document that no longer fits its schema (console.warn by default). */
  warn?: (message: string) => void;
}): SettingsStore {
  const { db, clock, cache } = deps;
  const warn = deps.warn ?? ((message: string) => console.warn(message));

  async function stored(key: string): Promise<Record<string, unknown>> {
    const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    if (!row) return {};
    try {
      const value: unknown = JSON.parse(row.value);
      if (value !== null && typeof value === 'object' && !Array.isArray(value))
        return value as Record<string, unknown>;
    } catch {
      // reported below
    }
    warn(`settings "${key}": the stored value is not a JSON object; using the defaults`);
    return {};
  }

  return {
    read<S extends z.ZodType>(key: string, schema: S) {
      return cache.get(key, async () => {
        // A stored document that no longer fits the schema (written by another version) falls
        // back to the defaults rather than taking the site down, and says so. It stays stored:
        // the next change merges into it and must make it valid.
        const parsed = schema.safeParse(await stored(key));
        if (parsed.success) return parsed.data;
        warn(`settings "${key}" no longer fit their schema; using the defaults: ${parsed.error.message}`);
        return schema.parse({});
      }) as Promise<z.output<S>>;
    },

    stored,

    async write(key, schema, value) {
      const parsed = schema.parse(value);
      const json = JSON.stringify(parsed);
      const updatedAt = clock.now().toISOString();
      await db
        .insertInto('settings')
        .values({ key, value: json, updated_at: updatedAt })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: updatedAt }))
        .execute();
      cache.clear();
      return parsed;
    },
  };
}
