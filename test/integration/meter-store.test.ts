import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createSqlMeterStore, type MeterStore } from '../../src/modules/metering/index.js';
import { meterStores, type OpenStore } from '../support/stores.js';

const at = new Date('2026-11-15T06:00:00Z');

describe.each(meterStores)('meter store on $name', (kind) => {
  let opened: OpenStore<MeterStore>;
  let store: MeterStore;

  beforeAll(async () => {
    opened = await kind.open();
    store = opened.store;
  });
  afterAll(() => opened.close());

  it('counts distinct articles and stops at the limit', async () => {
    const reader = 'rdr_distinct';
    expect(await store.consume(reader, '2026-11', 'art_1', 2, at)).toEqual({ recorded: true, used: 1 });
    expect(await store.consume(reader, '2026-11', 'art_2', 2, at)).toEqual({ recorded: true, used: 2 });
    expect(await store.consume(reader, '2026-11', 'art_3', 2, at)).toEqual({ recorded: false, used: 2 });
    expect(await store.peek(reader, '2026-11', 'art_3')).toEqual({ used: 2, alreadyRead: false });
  });

  it('makes a reread free, even when the meter is full', async () => {
    const reader = 'rdr_reread';
    await store.consume(reader, '2026-11', 'art_1', 1, at);
    expect(await store.consume(reader, '2026-11', 'art_1', 1, at)).toEqual({ recorded: true, used: 1 });
    expect(await store.peek(reader, '2026-11', 'art_1')).toEqual({ used: 1, alreadyRead: true });
  });

  it('starts afresh in a new period', async () => {
    const reader = 'rdr_period';
    await store.consume(reader, '2026-11', 'art_1', 1, at);
    expect(await store.consume(reader, '2026-12', 'art_2', 1, at)).toEqual({ recorded: true, used: 1 });
    expect(await store.used(reader, '2026-11')).toBe(1);
  });

  it('grants exactly the limit to 20 parallel reads of 20 different articles', async () => {
    const reader = 'rdr_parallel';
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.consume(reader, '2026-11', `art_${i}`, 5, at)),
    );
    expect(results.filter((r) => r.recorded)).toHaveLength(5);
    expect(await store.used(reader, '2026-11')).toBe(5);
  });

  it('counts 20 parallel reads of one article once', async () => {
    const reader = 'rdr_same';
    const results = await Promise.all(
      Array.from({ length: 20 }, () => store.consume(reader, '2026-11', 'art_x', 5, at)),
    );
    expect(results.every((r) => r.recorded)).toBe(true);
    expect(await store.used(reader, '2026-11')).toBe(1);
  });

  it("merges one reader's reads into another's without double counting, even past the limit", async () => {
    for (const article of ['art_1', 'art_2', 'art_3'])
      await store.consume('rdr_device', '2026-11', article, 5, at);
    for (const article of ['art_3', 'art_4', 'art_5', 'art_6'])
      await store.consume('acc_reader', '2026-11', article, 5, at);
    await store.merge('rdr_device', 'acc_reader', '2026-11');
    expect(await store.used('acc_reader', '2026-11')).toBe(6);
    expect(await store.peek('acc_reader', '2026-11', 'art_1')).toEqual({ used: 6, alreadyRead: true });
    expect(await store.consume('acc_reader', '2026-11', 'art_7', 5, at)).toMatchObject({ recorded: false });
    await store.merge('rdr_empty', 'acc_reader', '2026-11');
    expect(await store.used('acc_reader', '2026-11')).toBe(6);
  });

  it('forgets only the periods before the one named', async () => {
    await store.consume('rdr_prune', '2026-08', 'art_1', 5, at);
    await store.consume('rdr_prune', '2026-09', 'art_1', 5, at);
    await store.consume('rdr_prune', '2026-09', 'art_2', 5, at);
    expect(await store.prune('2026-09')).toBeGreaterThanOrEqual(1);
    expect(await store.used('rdr_prune', '2026-08')).toBe(0);
    expect(await store.used('rdr_prune', '2026-09')).toBe(2);
    expect(await store.peek('rdr_prune', '2026-09', 'art_2')).toEqual({ used: 2, alreadyRead: true });
  });

  it("lists a reader's reads oldest first, and forgets them all", async () => {
    await store.consume('rdr_export', '2026-10', 'art_b', 5, new Date('2026-10-20T06:00:00Z'));
    await store.consume('rdr_export', '2026-11', 'art_a', 5, new Date('2026-11-02T06:00:00Z'));
    await store.consume('rdr_export', '2026-11', 'art_c', 5, new Date('2026-11-02T06:00:00Z'));
    await store.consume('rdr_other', '2026-11', 'art_a', 5, at);
    expect(await store.reads('rdr_export')).toEqual([
      { period: '2026-10', articleId: 'art_b', readAt: '2026-10-20T06:00:00.000Z' },
      { period: '2026-11', articleId: 'art_a', readAt: '2026-11-02T06:00:00.000Z' },
      { period: '2026-11', articleId: 'art_c', readAt: '2026-11-02T06:00:00.000Z' },
    ]);
    expect(await store.forget('rdr_export')).toBe(3);
    expect(await store.reads('rdr_export')).toEqual([]);
    expect(await store.used('rdr_export', '2026-11')).toBe(0);
    expect(await store.used('rdr_other', '2026-11')).toBe(1);
  });

  it('counts nothing when the limit is zero', async () => {
    expect(await store.consume('rdr_zero', '2026-11', 'art_1', 0, at)).toEqual({ recorded: false, used: 0 });
    expect(await store.used('rdr_zero', '2026-11')).toBe(0);
  });
});

describe('meter store shared by two processes on one SQLite file', () => {
  // Two instances on one file are two processes; a worker thread stands in for the second
  // (two connections on one thread would block each other, which no deployment does). It runs
  // the compiled store, so `npm test` builds first.
  it('grants exactly the limit when both race for one reader', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'masthead-meter-'));
    const file = join(dir, 'm.db');
    const local = openDatabase(`sqlite:${file}`);
    await migrateToLatest(local);
    const dist = new URL('../../dist/', import.meta.url).href;
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       (async () => {
         const { openDatabase } = await import(workerData.dist + 'db/database.js');
         const { createSqlMeterStore } = await import(workerData.dist + 'modules/metering/sql-store.js');
         const handle = openDatabase('sqlite:' + workerData.file);
         const store = createSqlMeterStore(handle.db);
         const results = await Promise.all(Array.from({ length: 10 }, (_, i) =>
           store.consume('rdr_two', '2026-11', 'art_w' + i, 5, new Date(workerData.at))));
         await handle.destroy();
         parentPort.postMessage(results.filter((r) => r.recorded).length);
       })();`,
      { eval: true, workerData: { dist, file, at: at.toISOString() } },
    );
    try {
      const store = createSqlMeterStore(local.db);
      const [theirs, ours] = await Promise.all([
        new Promise<number>((resolve, reject) => worker.once('message', resolve).once('error', reject)),
        Promise.all(
          Array.from({ length: 10 }, (_, i) => store.consume('rdr_two', '2026-11', `art_l${i}`, 5, at)),
        ),
      ]);
      expect(theirs + ours.filter((r) => r.recorded).length).toBe(5);
      expect(await store.used('rdr_two', '2026-11')).toBe(5);
    } finally {
      await worker.terminate();
      await local.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
