import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { ttlCache } from '../../kernel/ttl-cache.js';

/**
 * Publisher settings as named JSON documents. Each owning module gives the schema (with its
 * defaults) of its own key. Reads are cached for a moment because every page view needs
 * them; a write clears this instance's cache at once, other instances within `ttlMs`.
 */
export interface SettingsStore {
  read<S extends z.ZodType>(key: string, schema: S): Promise<z.output<S>>;
  write<S extends z.ZodType>(key: string, schema: S, value: z.input<S>): Promise<z.output<S>>;
}

export function createSettingsStore(deps: {
  db: Kysely<Database>;
  clock: Clock;
  ttlMs?: number;
}): SettingsStore {
  const { db, clock } = deps;
  const cache = ttlCache<string, unknown>({ ttlMs: deps.ttlMs ?? 2000, clock });

  return {
    read<S extends z.ZodType>(key: string, schema: S) {
      return cache.get(key, async () => {
        const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
        // A stored document that no longer fits the schema (an older version) falls back to
        // the defaults rather than taking the site down.
        const parsed = schema.safeParse(row ? JSON.parse(row.value) : {});
        return parsed.success ? parsed.data : schema.parse({});
      }) as Promise<z.output<S>>;
    },

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
