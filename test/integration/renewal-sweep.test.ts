import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { aSubscriber, billingBooks, cards, planId } from '../support/billing.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects, type TestDialect } from '../support/databases.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';

// The real `masthead` command, compiled by `npm run build` (npm test builds first).
const bin = new URL('../../bin/masthead.js', import.meta.url).pathname;
const day = 86_400_000;
const later = (iso: string, days: number) => new Date(new Date(iso).getTime() + days * day).toISOString();

/** A pino logger whose lines are kept, parsed, for the test to read. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'warn' },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

describe.each(dialects)('the renewal sweep on $name', (dialect) => {
  const start = '2026-11-15T06:00:00.000Z';
  const renewal = '2027-11-15T06:00:00.000Z';
  let t: TestApp;
  let smtp: TestSmtpServer;
  const log = capturedLogger();
  const books = billingBooks(() => t);

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await buildTestApp(dialect, { env: { SMTP_URL: smtp.url }, at: start, logger: log.logger });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it(
    'one reader whose mail is refused and one broken subscription hold up nobody else; both are reported',
    { timeout: 60_000 },
    async () => {
      books.at(start);
      const renewing = await aSubscriber(t);
      const refused = await aSubscriber(t);
      const broken = await aSubscriber(t);
      const failing = await aSubscriber(t, { card: cards.renewalsFail });
      const leaving = await aSubscriber(t);
      expect((await leaving.browser.send('POST', '/api/v1/subscription/cancel', {})).statusCode).toBe(200);
      // The refused reader's mailbox is gone: every mail to it is refused from now on.
      smtp.refuseRecipient(refused.email);
      // A row the sweep cannot work on: it renews on a price that does not exist.
      await books
        .db()
        .updateTable('subscriptions')
        .set({ pending_plan_id: await planId(t, 'super-saver'), pending_price_id: 'price_gone' })
        .where('account_id', '=', broken.accountId)
        .execute();
      const brokenId = (await books.subscriptionRowOf(broken.accountId))!.id;

      books.at(later(renewal, -3));
      const reminders = await books.sweep();
      // Every reminder is queued (so sent, as far as the charge is concerned) and the broken
      // subscription is skipped. The sweep itself talks to no SMTP server: the job queue delivers.
      expect(reminders).toMatchObject({ reminded: 3, errors: 1 });
      expect(await books.templatesTo(renewing.email)).toContain('renewal-reminder');
      expect(await books.templatesTo(refused.email)).toContain('renewal-reminder');
      const reminderTo = (email: string) =>
        smtp.mailTo(email).filter((mail) => (mail.subject ?? '').includes('will be charged on'));
      expect(reminderTo(renewing.email)).toHaveLength(0);
      // The refused reader's reminder is not delivered, and is tried again later.
      expect(await t.services.worker.runDue()).toEqual({ done: 2, retried: 1, dead: 0 });
      expect(reminderTo(renewing.email)).toHaveLength(1);

      books.at(renewal);
      const report = await books.sweep();
      expect(report).toMatchObject({ succeeded: 2, failed: 1, expired: 1, errors: 1 });
      for (const reader of [renewing, refused]) {
        expect(await books.subscriptionOf(reader.accountId)).toMatchObject({
          status: 'active',
          currentPeriodEnd: '2028-11-15T06:00:00.000Z',
        });
      }
      expect((await books.subscriptionOf(failing.accountId))?.status).toBe('past_due');
      expect((await books.subscriptionOf(leaving.accountId))?.status).toBe('expired');

      // The failure is in the broken subscription's history and in the log, with what failed.
      const failures = (await books.eventsOf(broken.accountId)).filter((e) => e.kind === 'sweep_failed');
      expect(failures).toHaveLength(1);
      expect(log.lines).toContainEqual(
        expect.objectContaining({
          level: 50,
          msg: 'renewal sweep: a subscription failed',
          step: 'remind',
          subscriptionId: brokenId,
        }),
      );
      // Billing mail errors go to the logger: the reminder's delivery, the refused receipt.
      expect(log.lines.map((line) => line.msg)).toEqual(
        expect.arrayContaining(['job failed; it will be tried again', 'billing mail was not sent']),
      );

      // The next day the failed card is retried while the broken row still fails, recorded once.
      books.at(later(renewal, 1));
      expect(await books.sweep()).toMatchObject({ failed: 1, errors: 1 });
      expect((await books.paymentsOf(failing.accountId)).map((p) => [p.kind, p.status])).toEqual([
        ['initial', 'succeeded'],
        ['renewal', 'failed'],
        ['renewal', 'failed'],
      ]);
      expect((await books.eventsOf(broken.accountId)).filter((e) => e.kind === 'sweep_failed')).toHaveLength(
        1,
      );

      // Once the mailbox takes mail again, the queued reminder is delivered from the outbox.
      smtp.refuseRecipient(refused.email, false);
      expect(await t.services.worker.runDue()).toEqual({ done: 1, retried: 0, dead: 0 });
      expect(reminderTo(refused.email)).toHaveLength(1);
      expect(await t.services.worker.runDue()).toEqual({ done: 0, retried: 0, dead: 0 });
    },
  );
});

describe('a sweep killed between the reminder and its mail', () => {
  const start = '2026-11-15T06:00:00.000Z';
  const renewal = '2027-11-15T06:00:00.000Z';
  const dir = mkdtempSync(join(tmpdir(), 'masthead-crash-'));
  const file = join(dir, 'masthead.db');
  // Two processes on one SQLite file: the test's app and the `masthead billing run` it kills.
  const onFile: TestDialect = {
    name: 'sqlite',
    async open() {
      const handle = openDatabase(`sqlite:${file}`);
      await migrateToLatest(handle);
      return handle;
    },
  };
  let t: TestApp;
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await buildTestApp(onFile, { env: { SMTP_URL: smtp.url }, at: start });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Runs `masthead billing run --at` with an SMTP server that kills it (SIGKILL) the moment it
   * connects: the command dies after the sweep queued its reminder, while delivering it.
   */
  async function sweepKilledAtTheMail(at: string): Promise<NodeJS.Signals | null> {
    let child: ChildProcess | undefined;
    const killer = createServer((socket) => {
      child?.kill('SIGKILL');
      socket.destroy();
    });
    await new Promise<void>((resolve) => killer.listen(0, '127.0.0.1', resolve));
    const { port } = killer.address() as AddressInfo;
    try {
      child = spawn(process.execPath, [bin, 'billing', 'run', '--at', at], {
        env: {
          ...process.env,
          DATABASE_URL: `sqlite:${file}`,
          DATA_DIR: dir,
          SMTP_URL: `smtp://127.0.0.1:${port}`,
          LOG_LEVEL: 'silent',
          NODE_ENV: 'development',
        },
        stdio: 'ignore',
      });
      const [, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
      return signal;
    } finally {
      killer.close();
    }
  }

  it(
    'never charges a renewal whose reminder was not queued at least 24 hours before',
    { timeout: 60_000 },
    async () => {
      const books = billingBooks(() => t);
      books.at(start);
      const reader = await aSubscriber(t);
      expect(await sweepKilledAtTheMail(later(renewal, -3))).toBe('SIGKILL');

      for (const at of [renewal, later(renewal, 1), later(renewal, 2)]) {
        books.at(at);
        await books.sweep();
      }
      const reminders = (await t.services.mail.sentTo(reader.email)).filter(
        (mail) => mail.template === 'renewal-reminder',
      );
      const renewals = (await books.paymentsOf(reader.accountId)).filter((p) => p.kind === 'renewal');
      expect(renewals.length).toBeGreaterThanOrEqual(1);
      for (const payment of renewals) {
        const noticeBy = new Date(new Date(payment.created_at).getTime() - day).toISOString();
        expect(reminders.some((mail) => mail.createdAt <= noticeBy)).toBe(true);
      }
      // The reminder the killed run queued is delivered by the job queue once its lease runs out.
      await t.services.worker.runDue();
      expect(smtp.mailTo(reader.email).some((mail) => /will be charged on/.test(mail.subject ?? ''))).toBe(
        true,
      );
    },
  );
});
