// Masthead billing benchmark — `npm run bench:billing` (builds first): ONE renewal sweep over
// 100,000 subscriptions due at the same moment, against the sandbox gateway, on SQLite and on
// PostgreSQL. About 20 minutes on the 2-core development machine.
//
// Method
//   1. For each database — SQLite in a file in a temporary directory; PostgreSQL at
//      BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test) in a schema of its
//      own, dropped afterwards, or skipped with a line saying so when it cannot be reached — the
//      schema is migrated and the demo plans are created through the compiled modules (dist/).
//   2. N readers are bulk-inserted (multi-row inserts of 1,000 rows, one transaction per 1,000
//      readers): an account, a saved sandbox card (behaviour `ok`; every 25th `renewals_fail`, so
//      4 % go into dunning) and an `active` subscription on one of the three demo plans, renewing
//      at the sweep's moment on the plan's current price, its pre-debit reminder sent 3 days
//      before. This is not timed.
//   3. ONE sweep, `services.billing.runSweep()` with the clock fixed at that moment, is timed,
//      in this process (fresh services, as `masthead billing run` would make). Everything a real
//      sweep does happens: the payment claimed, the sandbox charge with its queued webhook, the
//      settlement, the invoice and its number, the subscription event and the receipt (or
//      payment-failed notice) — into the mail outbox table, as there is no SMTP. Also measured:
//      the CPU it took (this process, and PostgreSQL's server processes when they run on this
//      machine) and the longest it held the event loop (what a server running the sweep
//      in-process could not answer requests for).
//   4. The books are checked: every subscription charged exactly once at the sandbox; one
//      renewal payment each (succeeded or failed, none pending) with the amounts expected; one
//      invoice per succeeded payment, numbered without gaps; renewed subscriptions' periods moved
//      on by their plan's term; failing ones `past_due`, retried a day later; one mail each.
//      A second sweep at the same moment must charge nothing.
//   5. A table (sweep seconds, subscriptions/s, ms and CPU ms per subscription, charges,
//      invoices, correct) is printed and written to bench/results/billing-latest.json. The exit
//      code is non-zero if any check failed.
//
// Options: BENCH_SUBSCRIPTIONS=2000 for a quick run (default 100000); `--only=sqlite` or
// `--only=postgres`; `--queries` times every statement at the driver (better-sqlite3, pg),
// grouped by its SQL, and prints the top ones; `--cpu-prof` profiles this process during the
// sweep and prints its top functions, the profile kept in bench/results/profiles/. Both slow the
// sweep a little: such runs are marked in the table.
//
// Bounded: a sweep still running after BENCH_SWEEP_DEADLINE_SECONDS (default 900) ends the run,
// printing how many subscriptions it had charged by then (measured) and the time all of them
// would take at that rate (extrapolated, and labelled so), after the results of the databases
// already done. Setup and checks take about a minute at 100,000.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { createServices } from '../dist/app.js';
import { loadConfig } from '../dist/config/config.js';
import { openDatabase } from '../dist/db/database.js';
import { migrateToLatest } from '../dist/db/migrate.js';
import { fixedClock } from '../dist/kernel/clock.js';
import { newId } from '../dist/kernel/ids.js';
import { addDays, addTerm } from '../dist/modules/subscriptions/domain/terms.js';
import { defaultBillingPolicy, nextRetry } from '../dist/modules/subscriptions/domain/dunning.js';
import { demoPlans } from '../dist/seed/demo.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const resultsDir = join(root, 'bench', 'results');
const profileDir = join(resultsDir, 'profiles');
const SUBSCRIPTIONS = Number(process.env.BENCH_SUBSCRIPTIONS ?? 100_000);
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SWEEP_DEADLINE_MS = Number(process.env.BENCH_SWEEP_DEADLINE_SECONDS ?? 900) * 1000;
const FAILING_EVERY = 25; // every 25th card fails its renewals: 4 % of the subscriptions
const BATCH = 1000; // rows per multi-row insert: 29 columns × 1,000 stays under SQLite's 32,766 variables
const PROGRESS_MS = 10_000;
// The sweep's moment, and the financial year its invoices are numbered in (India's: April–March).
const AT = new Date('2027-04-15T06:00:00.000Z');

const { values: options } = parseArgs({
  options: {
    only: { type: 'string' },
    queries: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
  },
});
if (!Number.isSafeInteger(SUBSCRIPTIONS) || SUBSCRIPTIONS < 1) {
  console.error(
    `BENCH_SUBSCRIPTIONS must be a positive whole number, not "${process.env.BENCH_SUBSCRIPTIONS}"`,
  );
  process.exit(2);
}

const tempDir = mkdtempSync(join(tmpdir(), 'masthead-bench-billing-'));
/** The database being benchmarked, closed (or abandoned) however the run ends. */
let opened;
/** The sweep in progress, for the deadline's last word. */
let current;
/** The statement timer of `--queries`, once installed. */
let queryTimer;

// ---- the databases ----

/** A fresh SQLite database in a file (as deployed: WAL, synchronous=NORMAL; see db/database.ts). */
async function openSqlite() {
  const url = `sqlite:${join(tempDir, 'billing.db')}`;
  const handle = openDatabase(url);
  // Abandoned, the file goes with the temporary directory.
  return { handle, url, close: () => handle.destroy(), abandon: async () => {} };
}

/**
 * A schema of its own in the PostgreSQL database at `POSTGRES_URL` (the test suite's trick: the
 * connection's search_path names it), dropped afterwards; undefined when it cannot be reached.
 */
async function openPostgres() {
  const admin = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (error) {
    console.log(`\nPostgreSQL: skipped — cannot connect to ${POSTGRES_URL} (${error.message}).`);
    return undefined;
  }
  const schema = `bench_billing_${randomBytes(5).toString('hex')}`;
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const scoped = new URL(POSTGRES_URL);
  scoped.searchParams.set('options', `-c search_path=${schema}`);
  // Names this run's connections, so that the CPU their server processes use can be found.
  scoped.searchParams.set('application_name', schema);
  const handle = openDatabase(scoped.toString());
  const dropSchema = async (terminate) => {
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    if (terminate) {
      await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
        [schema],
      );
    }
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
  };
  return {
    handle,
    url: scoped.toString(),
    schema,
    async close() {
      await handle.destroy();
      await dropSchema(false);
    },
    // A sweep still running holds connections and locks: they are ended first.
    abandon: () => dropSchema(true),
  };
}

// ---- setup ----

/** Creates the demo plans; returns each with its current INR price and the term it renews for. */
async function createPlans(services) {
  const plans = [];
  for (const input of demoPlans) {
    const plan = await services.plans.create(input);
    const price = plan.prices.find((p) => p.currency === 'INR');
    if (!price) throw new Error(`demo plan ${plan.slug} has no INR price`);
    plans.push({
      id: plan.id,
      name: plan.name,
      term: plan.term,
      priceId: price.id,
      amountMinor: price.amountMinor,
      end: addTerm(AT, plan.term).toISOString(),
    });
  }
  return plans;
}

/**
 * Inserts `count` readers, each with a saved card and a subscription due at `AT`, in multi-row
 * inserts; returns what the sweep is expected to do with them.
 */
async function insertDueSubscriptions(db, plans, count) {
  const at = AT.toISOString();
  const remindedAt = addDays(AT, -defaultBillingPolicy.reminderDaysBefore).toISOString();
  const created = new Date(AT.getTime() - 400 * 86_400_000).toISOString();
  const expected = { failing: 0, amountMinor: 0, perPlan: new Map(plans.map((p) => [p.id, 0])) };
  const started = performance.now();
  let nextReport = count / 10;
  for (let from = 0; from < count; from += BATCH) {
    const accounts = [];
    const cards = [];
    const subscriptions = [];
    for (let i = from; i < Math.min(from + BATCH, count); i++) {
      const plan = plans[i % plans.length];
      const fails = i % FAILING_EVERY === FAILING_EVERY - 1;
      const accountId = newId('acc');
      const cardId = newId('pm');
      accounts.push({
        id: accountId,
        email: `reader${i}@bench.example`,
        name: `Reader ${i}`,
        password_hash: null,
        email_verified_at: created,
        created_at: created,
        updated_at: created,
      });
      cards.push({
        id: cardId,
        customer_ref: accountId,
        brand: 'visa',
        last4: fails ? '0341' : '4242',
        behaviour: fails ? 'renewals_fail' : 'ok',
        created_at: created,
      });
      subscriptions.push({
        id: newId('sub'),
        account_id: accountId,
        plan_id: plan.id,
        price_id: plan.priceId,
        status: 'active',
        currency: 'INR',
        discount: null,
        billing_name: `Reader ${i}`,
        // Maharashtra (the publisher's state: CGST + SGST), Karnataka (IGST), or none given.
        billing_state: ['27', '29', null][i % 3],
        gateway: 'sandbox',
        gateway_customer: accountId,
        payment_method_ref: cardId,
        payment_method_label: `Visa •••• ${fails ? '0341' : '4242'}`,
        current_period_start: addTerm(AT, plan.term, -1).toISOString(),
        current_period_end: at,
        trial_ends_at: null,
        cancel_requested_at: null,
        cancel_reason: null,
        pending_plan_id: null,
        pending_price_id: null,
        renewal_attempts: 0,
        next_attempt_at: null,
        reminded_for: at,
        reminded_at: remindedAt,
        ended_at: null,
        version: 1,
        created_at: created,
        updated_at: remindedAt,
      });
      if (fails) expected.failing += 1;
      else expected.perPlan.set(plan.id, expected.perPlan.get(plan.id) + 1);
      expected.amountMinor += plan.amountMinor;
    }
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('accounts').values(accounts).execute();
      await trx.insertInto('sandbox_payment_methods').values(cards).execute();
      await trx.insertInto('subscriptions').values(subscriptions).execute();
    });
    const done = Math.min(from + BATCH, count);
    if (done >= nextReport || done === count) {
      console.log(`    inserted ${done.toLocaleString('en')} readers (${seconds(started)} s)`);
      nextReport += count / 10;
    }
  }
  return expected;
}

// ---- measuring ----

/** User + system CPU seconds a process has used so far (Linux /proc; clock ticks of 10 ms). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // After "pid (comm) ", utime and stime are the 12th and 13th fields.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * CPU seconds used so far by each PostgreSQL server process serving this run's connections (by
 * their application_name), or undefined when they are not processes of this machine.
 */
async function serverCpu(handle, applicationName) {
  if (handle.dialect !== 'postgres') return undefined;
  const { rows } =
    await sql`select pid from pg_stat_activity where application_name = ${applicationName}`.execute(
      handle.db,
    );
  const cpu = new Map();
  for (const { pid } of rows) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') return undefined;
      cpu.set(pid, cpuSeconds(pid));
    } catch {
      return undefined;
    }
  }
  return cpu;
}

/**
 * Watches the sweep from the inside: a Kysely plugin on the services' database counts the
 * charges written to the sandbox's books, prints the progress every `PROGRESS_MS` and gives up
 * at the deadline. From the inside because a sweep on SQLite never lets the event loop turn
 * (better-sqlite3 is synchronous; the rest is promise callbacks): no timer fires until it ends.
 * How long the event loop was held at most is measured too.
 */
function sweepWatch(total) {
  const started = performance.now();
  let nextReport = started + PROGRESS_MS;
  let watching = true;
  const charges = new WeakSet();
  // A heartbeat every 10 ms: the longest gap between beats is the longest the loop was held.
  let beat = started;
  let longestGap = 0;
  const heart = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - beat);
    beat = now;
  }, 10);
  current.started = started;
  const deadline = setTimeout(giveUp, SWEEP_DEADLINE_MS);
  const plugin = {
    transformQuery({ node, queryId }) {
      if (
        watching &&
        node.kind === 'InsertQueryNode' &&
        node.into.table.identifier.name === 'sandbox_charges'
      ) {
        charges.add(queryId);
      }
      return node;
    },
    async transformResult({ result, queryId }) {
      if (!watching) return result;
      if (charges.has(queryId)) current.charged += 1;
      const now = performance.now();
      if (now >= nextReport) {
        nextReport = now + PROGRESS_MS;
        const elapsed = (now - started) / 1000;
        const rate = current.charged / elapsed;
        console.log(
          `    … ${elapsed.toFixed(0)} s: ${current.charged.toLocaleString('en')} of ` +
            `${total.toLocaleString('en')} charged (${rate.toFixed(0)}/s` +
            `${rate > 0 ? `, about ${((total - current.charged) / rate).toFixed(0)} s to go` : ''})`,
        );
      }
      if (now - started >= SWEEP_DEADLINE_MS) giveUp();
      return result;
    },
  };
  return {
    plugin,
    /** Stops watching; returns the longest the event loop was held, in ms. */
    stop() {
      watching = false;
      clearTimeout(deadline);
      clearInterval(heart);
      return Math.max(longestGap, performance.now() - beat);
    },
  };
}

/**
 * Times every statement at the driver, grouped by its SQL, while `on`: better-sqlite3's
 * statements (SQLite runs in this process, one statement at a time, so this is SQLite's own
 * time) and pg's `Client.query` (the round trip on one connection). Waiting for the connection
 * is not counted, and `begin` and `commit` are statements like any other. Installed once, and
 * only with `--queries`: it wraps the two libraries' methods for the rest of the process.
 */
function installQueryTimer() {
  const timer = { on: false, stats: new Map() };
  const record = (sql, ms) => {
    if (!timer.on) return;
    const entry = timer.stats.get(sql) ?? { count: 0, ms: 0 };
    entry.count += 1;
    entry.ms += ms;
    timer.stats.set(sql, entry);
  };
  const probe = new SQLite(':memory:');
  const statement = Object.getPrototypeOf(probe.prepare('select 1'));
  probe.close();
  for (const method of ['run', 'all', 'get']) {
    const original = statement[method];
    statement[method] = function (...args) {
      const started = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        record(this.source, performance.now() - started);
      }
    };
  }
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (config, ...rest) {
    const started = performance.now();
    const result = query.call(this, config, ...rest);
    if (typeof result?.finally === 'function') {
      const sql = typeof config === 'string' ? config : config?.text;
      return result.finally(() => record(sql, performance.now() - started));
    }
    return result;
  };
  return timer;
}

async function countRows(db, table, where) {
  let query = db.selectFrom(table).select((eb) => eb.fn.countAll().as('n'));
  if (where) query = where(query);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

/** The books after the sweep, each check a line: [what, expected, found]. */
async function checkBooks(db, plans, expected, report) {
  const n = SUBSCRIPTIONS;
  const ok = n - expected.failing;
  const checks = [];
  const check = (what, want, got) => checks.push({ what, expected: want, found: got, ok: want === got });
  const count = (table, where) => countRows(db, table, where);

  check('sweep report: charged', n, report.charged);
  check('sweep report: succeeded', ok, report.succeeded);
  check('sweep report: failed', expected.failing, report.failed);
  check('sweep report: unanswered', 0, report.unanswered);
  check('sandbox charges', n, await count('sandbox_charges'));
  check(
    'sandbox charges succeeded',
    ok,
    await count('sandbox_charges', (q) => q.where('status', '=', 'succeeded')),
  );
  const cardsCharged = await db
    .selectFrom('sandbox_charges')
    .select((eb) => eb.fn.count('payment_method_id').distinct().as('n'))
    .executeTakeFirstOrThrow();
  check('cards charged (each once)', n, Number(cardsCharged.n));
  const renewals = (q) => q.where('kind', '=', 'renewal');
  check('payments', n, await count('payments'));
  check(
    'renewal payments succeeded',
    ok,
    await count('payments', (q) => renewals(q).where('status', '=', 'succeeded')),
  );
  check(
    'renewal payments failed',
    expected.failing,
    await count('payments', (q) => renewals(q).where('status', '=', 'failed')),
  );
  check('payments pending', 0, await count('payments', (q) => q.where('status', '=', 'pending')));
  const paid = await db
    .selectFrom('payments')
    .select((eb) => [
      eb.fn.count('subscription_id').distinct().as('subs'),
      eb.fn.sum('amount_minor').as('sum'),
    ])
    .executeTakeFirstOrThrow();
  check('subscriptions with a payment (each one)', n, Number(paid.subs));
  check('amount charged, minor units', expected.amountMinor, Number(paid.sum));
  const invoices = await db
    .selectFrom('invoices')
    .select((eb) => [
      eb.fn.countAll().as('n'),
      eb.fn.count('payment_id').distinct().as('payments'),
      eb.fn.min('sequence').as('first'),
      eb.fn.max('sequence').as('last'),
    ])
    .executeTakeFirstOrThrow();
  check('invoices', ok, Number(invoices.n));
  check('invoices, one per payment', ok, Number(invoices.payments));
  check('invoice numbers 1…n without gaps', `1…${ok}`, `${invoices.first}…${invoices.last}`);
  for (const plan of plans) {
    check(
      `${plan.name}: renewed to ${plan.end.slice(0, 10)}`,
      expected.perPlan.get(plan.id),
      await count('subscriptions', (q) =>
        q
          .where('plan_id', '=', plan.id)
          .where('status', '=', 'active')
          .where('current_period_start', '=', AT.toISOString())
          .where('current_period_end', '=', plan.end)
          .where('version', '=', 2),
      ),
    );
  }
  const retryAt = nextRetry(AT, 1, defaultBillingPolicy).retryAt.toISOString();
  check(
    `past due, retry at ${retryAt.slice(0, 10)}`,
    expected.failing,
    await count('subscriptions', (q) =>
      q
        .where('status', '=', 'past_due')
        .where('next_attempt_at', '=', retryAt)
        .where('renewal_attempts', '=', 1)
        .where('current_period_end', '=', AT.toISOString()),
    ),
  );
  check('subscription events', n, await count('subscription_events'));
  check('receipts in the outbox', ok, await count('mail_outbox', (q) => q.where('template', '=', 'receipt')));
  check(
    'payment-failed notices in the outbox',
    expected.failing,
    await count('mail_outbox', (q) => q.where('template', '=', 'payment-failed')),
  );
  check('mail in the outbox', n, await count('mail_outbox'));
  return checks;
}

async function benchmark(name, opened, results) {
  const { handle } = opened;
  const result = { database: name, subscriptions: SUBSCRIPTIONS };
  const env = {
    DATABASE_URL: opened.url,
    NODE_ENV: 'development', // the sandbox gateway is refused in production
    PUBLIC_URL: 'https://news.example', // only links in the mail use it
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    PAYMENT_GATEWAY: 'sandbox',
    SEED_DEMO: 'false',
    DATA_DIR: tempDir,
    LOG_LEVEL: 'warn',
  };
  const config = loadConfig(env);
  const clock = fixedClock(AT);

  let started = performance.now();
  await migrateToLatest(handle);
  const setupServices = createServices(config, { database: handle, clock });
  const plans = await createPlans(setupServices);
  console.log(`  setup: ${SUBSCRIPTIONS.toLocaleString('en')} readers, cards and due subscriptions …`);
  const expected = await insertDueSubscriptions(handle.db, plans, SUBSCRIPTIONS);
  // What autovacuum would have done by the night of the sweep after 100,000 new rows; SQLite is
  // left as Masthead runs it (it never runs ANALYZE).
  if (handle.dialect === 'postgres') await sql`analyze`.execute(handle.db);
  result.setupSeconds = Number(seconds(started));
  console.log(`  setup done in ${result.setupSeconds} s`);

  const timer = options.queries ? (queryTimer ??= installQueryTimer()) : undefined;
  console.log(`  sweep${timer ? ' (every query timed: --queries)' : ''} …`);
  current = { database: name, charged: 0, results };
  const watch = sweepWatch(SUBSCRIPTIONS);
  // Fresh services, as a `masthead billing run` process would have: nothing cached from the setup.
  const services = createServices(config, {
    database: { ...handle, db: handle.db.withPlugin(watch.plugin) },
    clock,
  });
  const profiler = options['cpu-prof'] ? await startProfiler() : undefined;
  const serverCpuBefore = await serverCpu(handle, opened.schema);
  const cpuBefore = process.cpuUsage();
  if (timer) Object.assign(timer, { on: true, stats: new Map() });
  started = performance.now();
  let stallMs = 0;
  const report = await services.billing.runSweep().finally(() => (stallMs = watch.stop()));
  const sweepMs = performance.now() - started;
  if (timer) timer.on = false;
  const { user, system } = process.cpuUsage(cpuBefore);
  const serverCpuAfter = await serverCpu(handle, opened.schema);
  if (profiler) result.profile = await profiler.stop(name);
  current = undefined;
  result.sweepSeconds = sweepMs / 1000;
  result.subscriptionsPerSecond = SUBSCRIPTIONS / result.sweepSeconds;
  result.msPerSubscription = sweepMs / SUBSCRIPTIONS;
  // CPU is steadier than the wall clock on a shared machine. This process runs Masthead (and
  // SQLite, in-process); PostgreSQL's share is its server processes serving this run's pool.
  result.cpuSeconds = (user + system) / 1e6;
  // Meanwhile nothing else in this process ran for up to this long: a server running the sweep
  // in-process (the scheduler) answers no request for that time.
  result.longestEventLoopStallMs = stallMs;
  result.postgresCpuSeconds =
    serverCpuBefore && serverCpuAfter
      ? [...serverCpuAfter].reduce((sum, [pid, after]) => sum + after - (serverCpuBefore.get(pid) ?? 0), 0)
      : null;
  result.cpuMsPerSubscription =
    (1000 * (result.cpuSeconds + (result.postgresCpuSeconds ?? 0))) / SUBSCRIPTIONS;
  // Timing queries or profiling the CPU slows the sweep a little: such runs are marked.
  result.instrumented = [timer && '--queries', profiler && '--cpu-prof'].filter(Boolean).join(' ');
  result.report = report;
  console.log(`  sweep done in ${result.sweepSeconds.toFixed(1)} s: ${JSON.stringify(report)}`);
  console.log(
    `  longest the event loop was held: ${(stallMs / 1000).toFixed(2)} s; CPU during the sweep: ${result.cpuSeconds.toFixed(1)} s in this process` +
      (handle.dialect === 'sqlite'
        ? ' (SQLite included: it runs in-process)'
        : result.postgresCpuSeconds === null
          ? "; PostgreSQL's server processes not measurable (not on this machine)"
          : `, ${result.postgresCpuSeconds.toFixed(1)} s in PostgreSQL's server processes`),
  );

  const checks = await checkBooks(handle.db, plans, expected, report);
  result.charges = await countRows(handle.db, 'sandbox_charges');
  result.invoices = await countRows(handle.db, 'invoices');

  // The same moment again: everything due was charged, so nothing may be charged twice.
  started = performance.now();
  const again = await services.billing.runSweep();
  result.secondSweepSeconds = Number(seconds(started));
  result.secondSweep = again;
  checks.push({ what: 'second sweep: charged', expected: 0, found: again.charged, ok: again.charged === 0 });
  const chargesAfter = await countRows(handle.db, 'sandbox_charges');
  checks.push({
    what: 'second sweep: sandbox charges unchanged',
    expected: result.charges,
    found: chargesAfter,
    ok: chargesAfter === result.charges,
  });
  console.log(`  second sweep at the same moment: ${result.secondSweepSeconds} s, charged ${again.charged}`);
  result.checks = checks;
  result.correct = checks.every((c) => c.ok);
  for (const c of checks.filter((c) => !c.ok)) {
    console.log(`  WRONG: ${c.what}: expected ${c.expected}, found ${c.found}`);
  }
  if (timer) result.queries = printQueries(timer.stats, sweepMs, handle.dialect);
  return result;
}

function printQueries(stats, sweepMs, dialect) {
  const rows = [...stats.entries()]
    .map(([sql, s]) => ({ sql, count: s.count, ms: s.ms }))
    .sort((a, b) => b.ms - a.ms);
  const queryMs = rows.reduce((sum, r) => sum + r.ms, 0);
  const statements = rows.reduce((n, r) => n + r.count, 0).toLocaleString('en');
  console.log(
    dialect === 'sqlite'
      ? `\n  Where the sweep's ${(sweepMs / 1000).toFixed(1)} s went: SQLite ${(queryMs / 1000).toFixed(1)} s ` +
          `(${statements} statements), the rest — JavaScript: Masthead, Kysely, mail templates — ` +
          `${((sweepMs - queryMs) / 1000).toFixed(1)} s. Top statements by total time:`
      : `\n  The sweep's ${(sweepMs / 1000).toFixed(1)} s: ${statements} round trips to PostgreSQL taking ` +
          `${(queryMs / 1000).toFixed(1)} s summed over the connections (they overlap: the sweep works on ` +
          'several subscriptions at once). Top statements by total time, % of that sum:',
  );
  for (const r of rows.slice(0, 15)) {
    console.log(
      `  ${((100 * r.ms) / (dialect === 'sqlite' ? sweepMs : queryMs)).toFixed(1).padStart(5)}%  ` +
        `${(r.ms / 1000).toFixed(1).padStart(6)} s  ` +
        `${String(r.count).padStart(7)} × ${((1000 * r.ms) / r.count).toFixed(0).padStart(5)} µs  ` +
        `${r.sql.replace(/\s+/g, ' ').slice(0, 140)}`,
    );
  }
  return rows.slice(0, 30);
}

/** Profiles this process's CPU (the sweep: Masthead runs in-process here) until `stop`. */
async function startProfiler() {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(name) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      mkdirSync(profileDir, { recursive: true });
      const file = join(profileDir, `billing-${name}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      const { self, inclusive } = profileSummary(profile);
      console.log(`\n  CPU profile of the sweep ${file.replace(root, '')}, top self time:`);
      for (const [fn, ms, pct] of self) console.log(`  ${pct.padStart(6)}%  ${ms.padStart(6)} ms  ${fn}`);
      console.log("  Masthead's own functions (dist/) by total time, callees included:");
      for (const [fn, ms, pct] of inclusive)
        console.log(`  ${pct.padStart(6)}%  ${ms.padStart(6)} ms  ${fn}`);
      return { file, self, inclusive };
    },
  };
}

/**
 * The functions of a .cpuprofile with the most self time, and Masthead's own (dist/) functions
 * with the most time including their callees, each as [name (file:line), ms, % of the samples].
 * `(idle)` is the time this process waited for the database (or anything else).
 */
function profileSummary(profile, count = 15) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const nameOf = ({ callFrame: f }) => {
    const name = f.functionName || '(anonymous)';
    if (f.url) return `${name} ${f.url.replace(/^file:\/\//, '').replace(root, '')}:${f.lineNumber + 1}`;
    // Native code has no file: better-sqlite3's `run` and `all` are the SQLite statements themselves.
    return f.functionName && !f.functionName.startsWith('(') ? `${name} (native)` : name;
  };

  const ownCode = new URL('../dist/', import.meta.url).href;
  const self = new Map();
  const inclusive = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    let id = profile.samples[i];
    const leaf = nameOf(byId.get(id));
    self.set(leaf, (self.get(leaf) ?? 0) + us);
    const seen = new Set();
    for (; id !== undefined; id = parentOf.get(id)) {
      const node = byId.get(id);
      if (!node.callFrame.url.startsWith(ownCode)) continue;
      const name = nameOf(node);
      if (seen.has(name)) continue; // recursion: once per sample
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + us);
    }
  }
  const top = (map) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, us]) => [name, (us / 1000).toFixed(0), ((100 * us) / total).toFixed(1)]);
  return { self: top(self), inclusive: top(inclusive) };
}

function seconds(since) {
  return ((performance.now() - since) / 1000).toFixed(1);
}

function printTable(results) {
  const rows = [
    [
      'database',
      'subscriptions',
      'sweep s',
      'subs/s',
      'ms/sub',
      'CPU ms/sub',
      'loop held s',
      'charges',
      'invoices',
      'correct',
    ],
    ...results.map((r) => [
      r.database + (r.instrumented ? ` (${r.instrumented})` : ''),
      r.subscriptions.toLocaleString('en'),
      r.sweepSeconds.toFixed(1),
      r.subscriptionsPerSecond.toFixed(0),
      r.msPerSubscription.toFixed(2),
      // Without PostgreSQL's server processes when they could not be measured.
      r.cpuMsPerSubscription.toFixed(2) +
        (r.database === 'postgres' && r.postgresCpuSeconds === null ? '+' : ''),
      (r.longestEventLoopStallMs / 1000).toFixed(2),
      r.charges.toLocaleString('en'),
      r.invoices.toLocaleString('en'),
      r.correct ? 'yes' : 'NO',
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log('\n' + line(rows[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows.slice(1)) console.log(line(row));
}

// ---- the run ----

async function main() {
  const wanted = options.only ? options.only.split(',') : ['sqlite', 'postgres'];
  const cores = cpus().length;
  console.log(
    `Masthead billing benchmark: one renewal sweep over ${SUBSCRIPTIONS.toLocaleString('en')} due ` +
      `subscriptions (${(100 / FAILING_EVERY).toFixed(0)} % with a failing card), sandbox gateway, ` +
      `mail to the outbox; node ${process.version}, ${cores} CPU core(s).`,
  );
  const [load] = loadavg();
  if (load > 0.5) {
    console.log(
      `Warning: the 1-minute load average was ${load.toFixed(1)} before the run: other processes ` +
        'are competing for the CPU too, so expect noisy numbers.',
    );
  }
  const results = [];
  for (const name of wanted) {
    if (name !== 'sqlite' && name !== 'postgres') {
      throw new Error(`--only: unknown database "${name}" (sqlite or postgres)`);
    }
    opened = name === 'sqlite' ? await openSqlite() : await openPostgres();
    if (opened === undefined) continue;
    console.log(`\n${name}${opened.schema ? ` (schema ${opened.schema}, dropped afterwards)` : ''}:`);
    try {
      results.push(await benchmark(name, opened, results));
    } finally {
      await close(false);
    }
  }
  if (results.length === 0) return 1;
  printTable(results);

  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(
    join(resultsDir, 'billing-latest.json'),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cpuCores: cores,
        sweepAt: AT.toISOString(),
        failingEvery: FAILING_EVERY,
        results,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`\nResults written to ${join('bench', 'results', 'billing-latest.json')}.`);
  return results.every((r) => r.correct) ? 0 : 1;
}

// ---- cleanup ----

/** Closes the open database; `abandon` while a sweep still runs on it. */
async function close(abandon) {
  const database = opened;
  opened = undefined;
  if (!database) return;
  await (abandon ? database.abandon() : database.close()).catch((error) =>
    process.stderr.write(`bench: cleanup failed: ${error.message}\n`),
  );
}

let stopping;
/** Ends the run now (a signal, the deadline): the database closed or abandoned, the temporary files removed. */
function stop(code) {
  stopping ??= (async () => {
    const abandon = current !== undefined;
    if (abandon) {
      // The abandoned sweep fails from here on, its connections ended under it: what it prints
      // or throws is no result.
      console.log = console.error = () => {};
      process.on('uncaughtException', () => {});
    }
    await close(abandon);
    rmSync(tempDir, { recursive: true, force: true });
    process.exit(code);
  })();
  return stopping;
}

for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => stop(130));

/**
 * The sweep ran past its deadline: the databases already done, how far this one got (measured)
 * and how long all of it would take at that rate (extrapolated), then out.
 */
function giveUp() {
  if (stopping || !current) return;
  const { database, charged, results } = current;
  const elapsed = (performance.now() - current.started) / 1000;
  if (results.length > 0) printTable(results);
  const rate = elapsed > 0 ? charged / elapsed : 0;
  console.error(
    `\nbench: ${database}: the sweep was still running after ${SWEEP_DEADLINE_MS / 1000} s ` +
      `(BENCH_SWEEP_DEADLINE_SECONDS). MEASURED: ${charged.toLocaleString('en')} of ` +
      `${SUBSCRIPTIONS.toLocaleString('en')} subscriptions charged in ${elapsed.toFixed(0)} s ` +
      `(${rate.toFixed(1)}/s, ${rate > 0 ? (1000 / rate).toFixed(2) : '∞'} ms each). EXTRAPOLATED, not measured: ` +
      `${rate > 0 ? (SUBSCRIPTIONS / rate).toFixed(0) : '∞'} s for all of them. Run a smaller ` +
      'BENCH_SUBSCRIPTIONS for a complete, checked sweep.',
  );
  void stop(1);
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  if (!stopping) console.error('bench:', error);
}
if (stopping) await stopping; // exits
await close(false);
rmSync(tempDir, { recursive: true, force: true });
process.exit(exitCode);
