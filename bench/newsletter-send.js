// Masthead newsletter benchmark — `npm run bench:newsletter` (builds first): ONE issue sent to
// 100,000 recipients through a local SMTP server, with the sending process killed half-way and
// restarted. Not part of `npm test`.
//
// Method
//   1. A SQLite database in a file in a temporary directory is migrated; a free newsletter, one
//      article and an issue are made through the compiled services (dist/); N confirmed address
//      subscriptions are bulk-inserted (not timed). The send is queued as staff would.
//   2. An SMTP server (the smtp-server package) runs in this process on a free port. It reads
//      each message only for its Message-ID and counts, per recipient, the messages accepted.
//   3. A child process (this file with `--child`) builds the services with SMTP_URL pointing at
//      it (a nodemailer pool of 4 connections) and runs the queue's worker on `newsletter:send`.
//      When half the recipients have been received, the child is killed with SIGKILL.
//   4. A second child is started. The job's lease (2 minutes) is still held by the dead process;
//      instead of waiting, the second child's clock runs 3 minutes ahead, so its worker takes
//      the job over as any worker would once the lease ran out. It finishes the send.
//   5. Checked: every recipient received the issue (none missing); recipients received twice
//      (each a copy with the same Message-ID as the first); the delivery rows (sent, failed,
//      remaining). Printed with recipients/s for each child.
//
// Options: BENCH_RECIPIENTS (default 100000). Bounded: the run stops after BENCH_DEADLINE_SECONDS
// (default 900), printing what it measured until then.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { SMTPServer } from 'smtp-server';
import { createServices } from '../dist/app.js';
import { loadConfig } from '../dist/config/config.js';
import { openDatabase } from '../dist/db/database.js';
import { migrateToLatest } from '../dist/db/migrate.js';

const secret = 'bench-secret-that-is-long-enough-0123456789';
const env = (dbFile, smtpUrl) => ({
  NODE_ENV: 'test',
  SESSION_SECRET: secret,
  LOG_LEVEL: 'silent',
  DATABASE_URL: `sqlite:${dbFile}`,
  ...(smtpUrl && { SMTP_URL: smtpUrl }),
});

if (process.argv[2] === '--child') {
  const [, , , dbFile, smtpUrl, aheadMs] = process.argv;
  const config = loadConfig(env(dbFile, smtpUrl));
  const database = openDatabase(config.databaseUrl ?? `sqlite:${dbFile}`);
  const ahead = Number(aheadMs);
  const services = createServices(config, { database, clock: { now: () => new Date(Date.now() + ahead) } });
  const summary = await services.worker.runDue({ kinds: ['newsletter:send'] });
  process.stdout.write(JSON.stringify(summary) + '\n');
  await database.destroy();
  process.exit(0);
}

const recipients = Number(process.env.BENCH_RECIPIENTS ?? 100_000);
const deadline = Date.now() + Number(process.env.BENCH_DEADLINE_SECONDS ?? 900) * 1000;
const dir = mkdtempSync(join(tmpdir(), 'masthead-newsletter-bench-'));
const dbFile = join(dir, 'bench.db');

// 1. The database, the newsletter, the issue and the subscribers.
const handle = openDatabase(`sqlite:${dbFile}`);
await migrateToLatest(handle);
const services = createServices(loadConfig(env(dbFile)), { database: handle });
await services.content.createSection('markets', 'Markets');
const article = await services.content.create({
  headline: 'Rates hold steady',
  standfirst: 'The central bank waits.',
  body: '<p>One.</p><p>Two.</p>',
  section: 'markets',
  access: 'free',
});
const newsletter = await services.newsletters.define({
  slug: 'bench',
  name: 'Bench Brief',
  description: 'A benchmark.',
  access: 'free',
});
const issue = await services.newsletters.compose(newsletter.id, {
  subject: 'Bench issue',
  intro: 'Hello.',
  articleIds: [article.id],
});
await handle.destroy();
{
  const raw = new SQLite(dbFile);
  const now = new Date().toISOString();
  const insert = raw.prepare(
    `insert into newsletter_subscriptions (id, newsletter_id, email, account_id, status, created_at, confirmed_at, updated_at)
     values (?, ?, ?, null, 'active', ?, ?, ?)`,
  );
  raw.transaction(() => {
    for (let i = 0; i < recipients; i++) {
      const id = `nls_${String(i).padStart(10, '0')}benchbenchbench1`;
      insert.run(id, newsletter.id, `reader${i}@bench.example`, now, now, now);
    }
  })();
  raw.close();
}
{
  const again = openDatabase(`sqlite:${dbFile}`);
  const s = createServices(loadConfig(env(dbFile)), { database: again });
  await s.newsletters.send(issue.id);
  await again.destroy();
}

// 2. The SMTP server.
const received = new Map();
const messageIds = new Map();
let total = 0;
const smtp = new SMTPServer({
  logger: false,
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  onData(stream, session, callback) {
    let head = '';
    stream.on('data', (chunk) => {
      if (head.length < 4096) head += chunk.toString('latin1');
    });
    stream.on('end', () => {
      const id = /^Message-ID:\s*(\S+)/im.exec(head)?.[1] ?? '';
      for (const r of session.envelope.rcptTo) {
        received.set(r.address, (received.get(r.address) ?? 0) + 1);
        if (id) messageIds.set(r.address, [...(messageIds.get(r.address) ?? []), id]);
      }
      total++;
      callback();
    });
  },
});
await new Promise((resolve) => smtp.listen(0, '127.0.0.1', resolve));
const smtpUrl = `smtp://127.0.0.1:${smtp.server.address().port}?pool=true&maxConnections=4`;

function child(aheadMs, killAt) {
  return new Promise((resolve) => {
    const started = Date.now();
    const before = total;
    const proc = spawn(
      process.execPath,
      [fileURLToPath(import.meta.url), '--child', dbFile, smtpUrl, String(aheadMs)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const timer = setInterval(() => {
      if ((killAt !== undefined && total >= killAt) || Date.now() > deadline) {
        clearInterval(timer);
        proc.kill('SIGKILL');
      }
    }, 5);
    proc.on('exit', (code, signal) => {
      clearInterval(timer);
      const seconds = (Date.now() - started) / 1000;
      resolve({
        code,
        signal,
        seconds,
        messages: total - before,
        perSecond: Math.round((total - before) / seconds),
      });
    });
  });
}

// 3 and 4. Killed half-way, restarted.
const first = await child(0, Math.floor(recipients / 2));
const second = Date.now() < deadline ? await child(180_000) : undefined;

// 5. The checks.
const raw = new SQLite(dbFile, { readonly: true });
const rows = raw
  .prepare('select status, count(*) as n from newsletter_deliveries where issue_id = ? group by status')
  .all(issue.id);
raw.close();
const counts = Object.fromEntries(rows.map((r) => [r.status, r.n]));
let missing = 0;
let twice = 0;
let twiceWithAnotherId = 0;
for (let i = 0; i < recipients; i++) {
  const address = `reader${i}@bench.example`;
  const n = received.get(address) ?? 0;
  if (n === 0) missing++;
  if (n > 1) {
    twice++;
    if (new Set(messageIds.get(address)).size > 1) twiceWithAnotherId++;
  }
}
console.log(`newsletter send, ${recipients} recipients, SQLite, SMTP pool of 4 on 127.0.0.1`);
console.log(
  `first process: ${first.messages} messages in ${first.seconds.toFixed(1)} s (${first.perSecond}/s), killed by ${first.signal ?? `exit ${first.code}`}`,
);
if (second) {
  console.log(
    `second process: ${second.messages} messages in ${second.seconds.toFixed(1)} s (${second.perSecond}/s, including start-up), ${second.signal ? `killed by ${second.signal} at the deadline` : `exit ${second.code}`}`,
  );
}
console.log(`deliveries: ${JSON.stringify(counts)}`);
console.log(
  `recipients missing: ${missing}; received twice: ${twice} (with a different Message-ID: ${twiceWithAnotherId})`,
);
await new Promise((resolve) => smtp.close(resolve));
rmSync(dir, { recursive: true, force: true });
process.exit(missing === 0 && twiceWithAnotherId === 0 && (counts.sent ?? 0) === recipients ? 0 : 1);
