import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobScheduler } from '../../src/jobs/scheduler.js';
import { dialects } from '../support/databases.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';

const start = '2026-06-10T06:00:00.000Z';
const device = { userAgent: 'test', ip: '203.0.113.9' };
const silent = { info: () => undefined, error: () => undefined };
const day = 24 * 60 * 60_000;

describe.each(dialects)('the periodic jobs on $name', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect, { at: start });
  });
  afterAll(() => t.close());

  const count = async (table: 'rate_limit_windows' | 'account_links' | 'account_sessions' | 'meter_reads') =>
    Number(
      (
        await t.database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  async function leaveTracesAt(at: string, email: string) {
    t.clock.set(at);
    const { services } = t;
    await services.limiter.check({ name: 'test:jobs', limit: 5, windowMs: 60_000 }, email);
    // A web session; the old one has long expired by the time the jobs run.
    await services.accounts.register({ email, password: 'a long enough passphrase' }, 'web', device);
    services.links.requestSignInLink(email, undefined, silent);
    await services.links.settled();
    const period = services.meter.period('Asia/Kolkata');
    await services.meter.consume('rdr_jobs', `art_${email}`, 10, period);
  }

  it('are listed in one place: the sweep, every clean-up and the sandbox’s work', () => {
    expect(t.services.jobs.map((job) => job.name).sort()).toEqual([
      'accounts:forget-links',
      'accounts:forget-sessions',
      'billing:sweep',
      'epaper:tidy',
      'meter:prune',
      'queue:prune',
      'rate-limit:prune',
      'sandbox:expire-checkouts',
      'sandbox:webhooks',
    ]);
  });

  it('forget expired attempt windows, links, ended sessions and old meter months, and keep the rest', async () => {
    await leaveTracesAt(start, 'old@example.com');
    const later = new Date(Date.parse(start) + 200 * day).toISOString();
    await leaveTracesAt(later, 'new@example.com');
    expect(await count('rate_limit_windows')).toBe(2);
    expect(await count('account_links')).toBeGreaterThanOrEqual(2);
    expect(await count('account_sessions')).toBe(2);
    expect(await count('meter_reads')).toBe(2);

    const scheduler = createJobScheduler({ jobs: t.services.jobs, clock: t.clock, log: silent });
    const outcomes = await scheduler.runAll();
    expect(outcomes.filter((outcome) => !outcome.ok)).toEqual([]);

    // What the recent visit left is still there; the traces of 200 days ago are gone.
    expect(await count('rate_limit_windows')).toBe(1);
    const links = await t.database.db.selectFrom('account_links').select('created_at').execute();
    expect(links.map((link) => link.created_at)).toEqual(links.map(() => later));
    expect(await count('account_sessions')).toBe(1);
    const reads = await t.database.db.selectFrom('meter_reads').select('article_id').execute();
    expect(reads).toEqual([{ article_id: 'art_new@example.com' }]);
    const summaries = Object.fromEntries(
      outcomes.map((outcome) => [outcome.name, outcome.ok && outcome.summary]),
    );
    expect(summaries).toMatchObject({
      'rate-limit:prune': { windows: 1 },
      'accounts:forget-sessions': { sessions: 1 },
      'meter:prune': { reads: 1 },
    });
  });
});
