import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { DatabaseHandle } from '../../src/db/database.js';
import { fixedClock } from '../../src/kernel/clock.js';
import {
  createJobQueue,
  createJobWorker,
  LeaseLostError,
  type JobContext,
  type JobHandler,
} from '../../src/modules/queue/index.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { signedInStaff } from '../support/staff-browser.js';

const start = '2026-06-10T06:00:00.000Z';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const payload = z.object({ n: z.number() });

describe.each(dialects)('the job queue on $name', (dialect) => {
  let database: DatabaseHandle;
  const clock = fixedClock(start);
  beforeAll(async () => {
    database = await dialect.open();
  });
  afterAll(() => database.destroy());

  const queue = () => createJobQueue({ db: database.db, clock });
  function worker(handlers: JobHandler<unknown>[], concurrency = 2) {
    return createJobWorker({
      db: database.db,
      dialect: database.dialect,
      clock,
      handlers,
      log: quiet,
      concurrency,
    });
  }
  const handler = <P>(kind: string, run: (p: P, c: JobContext) => Promise<void>, extra = {}) =>
    ({ kind, parse: (raw: unknown) => payload.parse(raw) as P, run, ...extra }) as JobHandler<unknown>;

  it('runs a queued job once, and shows it done', async () => {
    clock.set(start);
    const seen: number[] = [];
    const id = await queue().enqueue('test:once', { n: 7 });
    expect((await queue().get(id))?.status).toBe('queued');
    const w = worker([handler<{ n: number }>('test:once', async (p) => void seen.push(p.n))]);
    expect(await w.runDue()).toEqual({ done: 1, retried: 0, dead: 0 });
    expect(await w.runDue()).toEqual({ done: 0, retried: 0, dead: 0 });
    expect(seen).toEqual([7]);
    expect(await queue().get(id)).toMatchObject({ status: 'done', attempts: 1, lastError: null });
  });

  it('answers the first job’s id for a second enqueue of the same key', async () => {
    const first = await queue().enqueue('test:keyed', { n: 1 }, { key: 'issue-1' });
    const second = await queue().enqueue('test:keyed', { n: 1 }, { key: 'issue-1' });
    expect(second).toBe(first);
    const other = await queue().enqueue('test:keyed', { n: 1 }, { key: 'issue-2' });
    expect(other).not.toBe(first);
  });

  it('waits for a scheduled job’s moment', async () => {
    clock.set(start);
    const id = await queue().enqueue('test:later', { n: 1 }, { runAfter: new Date('2026-06-10T07:00:00Z') });
    const w = worker([handler('test:later', async () => undefined)]);
    expect((await w.runDue()).done).toBe(0);
    clock.set('2026-06-10T07:00:00Z');
    expect((await w.runDue()).done).toBe(1);
    expect((await queue().get(id))?.status).toBe('done');
  });

  it('retries a failing job with growing waits, then marks it dead; staff can queue it again', async () => {
    clock.set(start);
    let fail = true;
    let tries = 0;
    const w = worker([
      handler(
        'test:flaky',
        async () => {
          tries += 1;
          if (fail) throw new Error('SMTP said no');
        },
        { maxAttempts: 3 },
      ),
    ]);
    const id = await queue().enqueue('test:flaky', { n: 1 });
    expect(await w.runDue()).toEqual({ done: 0, retried: 1, dead: 0 });
    const afterFirst = await queue().get(id);
    expect(afterFirst).toMatchObject({ status: 'queued', attempts: 1, lastError: 'SMTP said no' });
    expect(afterFirst?.runAfter).toBe('2026-06-10T06:00:30.000Z');
    // Not before its time.
    expect((await w.runDue()).retried).toBe(0);
    clock.set('2026-06-10T06:00:30.000Z');
    expect((await w.runDue()).retried).toBe(1);
    expect((await queue().get(id))?.runAfter).toBe('2026-06-10T06:02:30.000Z');
    clock.set('2026-06-10T06:02:30.000Z');
    expect(await w.runDue()).toEqual({ done: 0, retried: 0, dead: 1 });
    expect(await queue().get(id)).toMatchObject({ status: 'dead', attempts: 3, lastError: 'SMTP said no' });
    clock.set('2026-06-11T06:00:00.000Z');
    expect((await w.runDue()).dead).toBe(0);
    expect(tries).toBe(3);

    fail = false;
    expect(await queue().retry(id)).toBe(true);
    expect(await queue().retry(id)).toBe(false);
    expect((await w.runDue()).done).toBe(1);
    expect(await queue().get(id)).toMatchObject({ status: 'done', attempts: 1 });
  });

  it('marks a job whose payload its handler rejects dead at once', async () => {
    const id = await queue().enqueue('test:strict', { n: 'not a number' });
    const ran: unknown[] = [];
    const w = worker([handler('test:strict', async (p) => void ran.push(p))]);
    expect(await w.runDue()).toEqual({ done: 0, retried: 0, dead: 1 });
    expect(ran).toEqual([]);
    expect((await queue().get(id))?.lastError).toMatch(/^payload: /);
  });

  it('creates no job when the transaction that queued it rolls back', async () => {
    const before = await queue().counts();
    await expect(
      database.db.transaction().execute(async (trx) => {
        await queue().enqueue('test:rolled-back', { n: 1 }, { trx });
        throw new Error('the cause of the job failed');
      }),
    ).rejects.toThrow('the cause of the job failed');
    expect(await queue().counts()).toEqual(before);
  });

  it('gives a job whose worker died to another worker, and the first cannot settle it any more', async () => {
    clock.set(start);
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    let firstContext: JobContext | undefined;
    const progressSeen: string[] = [];
    const first = worker([
      handler(
        'test:lease',
        async (_p, context) => {
          firstContext = context;
          await context.progress({ done: 1, total: 4, note: 'page 1' });
          await stuck;
        },
        { leaseMs: 60_000 },
      ),
    ]);
    const id = await queue().enqueue('test:lease', { n: 1 });
    const firstRun = first.runDue();
    await vi_waitFor(async () => (await queue().get(id))?.progress !== null);
    expect(await queue().get(id)).toMatchObject({
      status: 'running',
      progress: { done: 1, total: 4, note: 'page 1' },
    });

    const second = worker([
      handler('test:lease', async (_p, context) => {
        progressSeen.push(`attempt ${context.attempt}`);
      }),
    ]);
    // The lease still holds: nobody else takes the job.
    expect((await second.runDue()).done).toBe(0);
    clock.set('2026-06-10T06:01:00.000Z');
    expect((await second.runDue()).done).toBe(1);
    expect(progressSeen).toEqual(['attempt 2']);

    // The first worker wakes up: its lease is gone, so it neither reports nor settles.
    await expect(firstContext!.progress({ done: 2, total: 4 })).rejects.toBeInstanceOf(LeaseLostError);
    release();
    expect(await firstRun).toEqual({ done: 0, retried: 0, dead: 0 });
    expect(await queue().get(id)).toMatchObject({ status: 'done', attempts: 2 });
  });

  it('takes jobs of several kinds at once, each under its own kind’s lease', async () => {
    clock.set(start);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const w = worker([
      handler('test:short', () => held, { leaseMs: 30_000 }),
      handler('test:long', () => held, { leaseMs: 600_000 }),
    ]);
    await queue().enqueue('test:short', { n: 1 });
    await queue().enqueue('test:long', { n: 1 });
    const run = w.runDue();
    await vi_waitFor(async () => (await queue().counts()).filter((c) => c.status === 'running').length === 2);
    const leases = await database.db
      .selectFrom('jobs')
      .select(['kind', 'lease_until'])
      .where('status', '=', 'running')
      .orderBy('kind')
      .execute();
    expect(leases).toEqual([
      { kind: 'test:long', lease_until: '2026-06-10T06:10:00.000Z' },
      { kind: 'test:short', lease_until: '2026-06-10T06:00:30.000Z' },
    ]);
    release();
    expect((await run).done).toBe(2);
  });

  it('lets several workers share the queue without running any job twice', async () => {
    clock.set(start);
    const ran = new Map<number, number>();
    const run = async (p: { n: number }) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      ran.set(p.n, (ran.get(p.n) ?? 0) + 1);
    };
    const ids = [];
    for (let n = 0; n < 120; n += 1) ids.push(await queue().enqueue('test:shared', { n }));
    const workers = [1, 2, 3, 4].map(() => worker([handler('test:shared', run)], 3));
    const summaries = await Promise.all(workers.map((w) => w.runDue()));
    expect(summaries.reduce((sum, s) => sum + s.done, 0)).toBe(120);
    expect(ran.size).toBe(120);
    expect([...ran.values()].every((count) => count === 1)).toBe(true);
  });

  it('runs jobs in the background once started, and stops cleanly', async () => {
    clock.set(start);
    const seen: number[] = [];
    const w = createJobWorker({
      db: database.db,
      dialect: database.dialect,
      clock,
      log: quiet,
      pollMs: 10,
      handlers: [handler<{ n: number }>('test:background', async (p) => void seen.push(p.n))],
    });
    w.start();
    await queue().enqueue('test:background', { n: 1 });
    await queue().enqueue('test:background', { n: 2 });
    await vi_waitFor(async () => seen.length === 2);
    await w.stop();
    expect(seen.sort()).toEqual([1, 2]);
  });

  it('forgets finished jobs after their keeping time', async () => {
    clock.set('2026-09-01T00:00:00.000Z');
    const pruned = await queue().prune({ doneDays: 30, deadDays: 90 });
    expect(pruned.done).toBeGreaterThan(0);
    expect((await queue().list({ status: 'done' })).length).toBe(0);
  });
});

async function vi_waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe.each(dialects)('the job queue in the admin API on $name', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(() => t.close());

  it('shows jobs and their counts, one job, and retries only a dead one', async () => {
    const id = await t.services.queue.enqueue('test:visible', { n: 1 });
    const listed = await t.app.inject({ url: '/api/admin/v1/jobs?status=queued', headers: t.admin });
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toMatchObject({
      jobs: [{ id, kind: 'test:visible', status: 'queued', attempts: 0 }],
      counts: [{ kind: 'test:visible', status: 'queued', count: 1 }],
    });
    const one = await t.app.inject({ url: `/api/admin/v1/jobs/${id}`, headers: t.admin });
    expect(one.json()).toMatchObject({ job: { id, status: 'queued', progress: null } });
    const retry = await t.app.inject({
      method: 'POST',
      url: `/api/admin/v1/jobs/${id}/retry`,
      headers: t.admin,
    });
    expect(retry.statusCode).toBe(409);
    const missing = await t.app.inject({ url: '/api/admin/v1/jobs/job_nothing', headers: t.admin });
    expect(missing.statusCode).toBe(404);
  });

  it('refuses a bad filter and a caller without an admin key', async () => {
    const bad = await t.app.inject({ url: '/api/admin/v1/jobs?status=lost', headers: t.admin });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ error: { code: 'validation_failed' } });
    expect((await t.app.inject({ url: '/api/admin/v1/jobs' })).statusCode).toBe(401);
  });
});

describe.each(dialects)('the job queue admin page on $name', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(() => t.close());

  it('shows the owner the counts and a dead job with its error, and retries it from the page', async () => {
    const owner = await signedInStaff(t, 'owner');
    // A delivery whose payload its handler cannot read is dead at once.
    const id = await t.services.queue.enqueue('mail:deliver', { not: 'a message' });
    await t.services.worker.runDue({ kinds: ['mail:deliver'] });
    expect(await t.services.queue.get(id)).toMatchObject({ status: 'dead' });

    const page = await owner.get('/admin/jobs');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('href="/admin/jobs?kind=mail%3Adeliver&amp;status=dead"');
    const dead = await owner.get('/admin/jobs?status=dead&kind=mail:deliver');
    expect(dead.body).toContain(`data-job="${id}" data-status="dead"`);
    expect(dead.body).toContain(`action="/admin/jobs/${id}/retry"`);
    expect((await owner.get('/admin/jobs?status=&kind=')).statusCode).toBe(200);

    const retried = await owner.post(`/admin/jobs/${id}/retry`);
    expect(retried.statusCode).toBe(303);
    expect(retried.headers.location).toBe('/admin/jobs?status=queued&done=retried');
    expect(await t.services.queue.get(id)).toMatchObject({ status: 'queued', attempts: 0 });
    const again = await owner.post(`/admin/jobs/${id}/retry`);
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('Only a dead job can be retried');
    expect((await owner.post('/admin/jobs/job_nothing/retry')).statusCode).toBe(404);
    expect((await owner.get('/admin/jobs?status=lost')).statusCode).toBe(422);

    const audit = await t.app.inject({ url: '/api/admin/v1/audit-log?action=job.retry', headers: t.admin });
    expect(audit.json().entries).toMatchObject([{ target: id }]);
  });

  it('is for the owner alone', async () => {
    const support = await signedInStaff(t, 'support');
    expect((await support.get('/admin/jobs')).statusCode).toBe(403);
    expect((await support.post('/admin/jobs/job_nothing/retry')).statusCode).toBe(403);
  });
});
