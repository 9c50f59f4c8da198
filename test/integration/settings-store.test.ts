import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { DatabaseHandle } from '../../src/db/database.js';
import { fixedClock } from '../../src/kernel/clock.js';
import { noCache } from '../../src/kernel/ttl-cache.js';
import { createSettingsStore } from '../../src/modules/settings/index.js';
import { dialects } from '../support/databases.js';

const doc = z.record(z.string(), z.number());

// The settings store's read-change-write: several people saving parts of one document at once
// all keep their change, on each database.
describe.each(dialects)('the settings store on $name', (dialect) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await dialect.open();
  });
  afterAll(() => database.destroy());

  const store = () =>
    createSettingsStore({ db: database.db, clock: fixedClock('2026-12-01T00:00:00Z'), cache: noCache() });

  it('keeps every one of concurrent changes to different parts of one document', async () => {
    const names = Array.from({ length: 6 }, (_, i) => `part${i}`);
    await Promise.all(
      names.map((name, i) =>
        store().update('cas-test', doc, (stored) => ({ ...doc.parse(stored), [name]: i })),
      ),
    );
    expect(await store().read('cas-test', doc)).toEqual(
      Object.fromEntries(names.map((name, i) => [name, i])),
    );
  });

  it('leaves the document alone when the change gives nothing, and refuses an invalid one', async () => {
    await store().update('cas-quiet', doc, () => ({ a: 1 }));
    expect(await store().update('cas-quiet', doc, () => undefined)).toBeUndefined();
    expect(await store().read('cas-quiet', doc)).toEqual({ a: 1 });
    await expect(store().update('cas-quiet', doc, () => ({ a: 'one' }) as never)).rejects.toThrow();
    expect(await store().read('cas-quiet', doc)).toEqual({ a: 1 });
  });
});
