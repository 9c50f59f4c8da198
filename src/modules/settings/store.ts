import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError } from '../../kernel/errors.js';
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
  /**
   * Read, change, write, safe against a concurrent change: `change` gets the document as
   * stored and gives the new one (or `undefined` to leave it). The write only lands if the
   * document is still what `change` saw; otherwise `change` runs again on the newer one, so two
   * people saving different parts of one document at once both keep their change.
   */
  update<S extends z.ZodType>(
    key: string,
    schema: S,
    change: (stored: Record<string, unknown>) => z.input<S> | undefined,
  ): Promise<z.output<S> | undefined>;
}

/** Tries of `update` before it gives up on a document others keep changing. */
const updateTries = 8;

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

  function documentOf(key: string, json: string): Record<string, unknown> {
    try {
      const value: unknown = JSON.parse(json);
      if (value !== null && typeof value === 'object' && !Array.isArray(value))
        return value as Record<string, unknown>;
    } catch {
      // reported below
    }
    warn(`settings "${key}": the stored value is not a JSON object; using the defaults`);
    return {};
  }

  const storedRow = (key: string) =>
    db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();

  async function stored(key: string): Promise<Record<string, unknown>> {
    const row = await storedRow(key);
    return row ? documentOf(key, row.value) : {};
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

    async update(key, schema, change) {
      for (let attempt = 0; attempt < updateTries; attempt++) {
        const row = await storedRow(key);
        const next = change(row ? documentOf(key, row.value) : {});
        if (next === undefined) return undefined;
        const parsed = schema.parse(next);
        const json = JSON.stringify(parsed);
        const updatedAt = clock.now().toISOString();
        // Compare-and-set on the document itself: the write is lost to nobody.
        const written = row
          ? Number(
              (
                await db
                  .updateTable('settings')
                  .set({ value: json, updated_at: updatedAt })
                  .where('key', '=', key)
                  .where('value', '=', row.value)
                  .executeTakeFirst()
              ).numUpdatedRows,
            )
          : Number(
              (
                await db
                  .insertInto('settings')
                  .values({ key, value: json, updated_at: updatedAt })
                  .onConflict((oc) => oc.column('key').doNothing())
                  .executeTakeFirst()
              ).numInsertedOrUpdatedRows ?? 0,
            );
        if (written === 1) {
          cache.clear();
          return parsed;
        }
      }
      throw new AppError('conflict', `The settings "${key}" kept changing while they were saved; try again.`);
    },
  };
}
