import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSubscriber, billingBooks, cards } from '../support/billing.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';

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

  it('one reader whose mail is refused holds up nobody else: charges, retries and expiries go on, and the failure is reported', async () => {
    books.at(start);
    const renewing = await aSubscriber(t);
    const refused = await aSubscriber(t);
    const failing = await aSubscriber(t, { card: cards.renewalsFail });
    const leaving = await aSubscriber(t);
    expect((await leaving.browser.send('POST', '/api/v1/subscription/cancel', {})).statusCode).toBe(200);
    // The refused reader's mailbox is gone: every mail to it is refused from now on.
    smtp.refuseRecipient(refused.email);

    books.at(later(renewal, -3));
    await books.sweep();
    expect(await books.templatesTo(renewing.email)).toContain('renewal-reminder');

    books.at(renewal);
    const report = await books.sweep();
    expect(report.errors).toBeGreaterThanOrEqual(1);
    expect(report).toMatchObject({ succeeded: 1, failed: 1, expired: 1 });
    expect(await books.subscriptionOf(renewing.accountId)).toMatchObject({
      status: 'active',
      currentPeriodEnd: '2028-11-15T06:00:00.000Z',
    });
    expect((await books.subscriptionOf(failing.accountId))?.status).toBe('past_due');
    expect((await books.subscriptionOf(leaving.accountId))?.status).toBe('expired');

    // The failure is on the refused reader's subscription and in the log, with what failed.
    const events = await books.eventsOf(refused.accountId);
    expect(events.filter((e) => e.kind === 'sweep_failed')).toHaveLength(1);
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        level: 50,
        msg: 'renewal sweep: a subscription failed',
        step: 'remind',
        subscriptionId: (await books.subscriptionRowOf(refused.accountId))?.id,
      }),
    );

    // The next day the failed card is retried while the refused address still fails.
    books.at(later(renewal, 1));
    const retry = await books.sweep();
    expect(retry.errors).toBeGreaterThanOrEqual(1);
    expect(retry.failed).toBe(1);
    expect((await books.paymentsOf(failing.accountId)).map((p) => [p.kind, p.status])).toEqual([
      ['initial', 'succeeded'],
      ['renewal', 'failed'],
      ['renewal', 'failed'],
    ]);
    // Failing the same way again is not recorded a second time.
    expect((await books.eventsOf(refused.accountId)).filter((e) => e.kind === 'sweep_failed')).toHaveLength(
      1,
    );
  });
});
