// Masthead HTTP benchmark — `npm run bench` (builds first), about a minute, 127.0.0.1 only.
//
// Method
//   1. A fresh SQLite database in a temporary directory is migrated and seeded with the demo
//      newsroom through the compiled modules (dist/), with the meter's free limit raised to
//      1000 so the anonymous readers below are never refused for running out.
//   2. Masthead runs in a CHILD process (`node bin/masthead.js start`, NODE_ENV=production,
//      LOG_LEVEL=warn), so the load generator (autocannon, in this process) and the server do
//      not share an event loop. We wait for GET /healthz.
//   3. Each scenario gets a 2 s warm-up, then 8 s measured, with 50 keep-alive connections:
//      (a)  a metered article page, returning anonymous reader: the `mh_reader` cookie from a
//           first visit is sent on every request, so each one is a reread (access decision +
//           meter lookup, no write);
//      (a2) the same page with no cookie: every request is a new reader whose first read is
//           recorded (a database write transaction) and who gets a Set-Cookie;
//      (b)  a premium article page for the returning reader: the paywall is shown;
//      (c)  GET /api/v1/articles/<id> of the metered article, returning reader (JSON);
//      (d)  the ceiling: a bare node:http server (bench/ceiling-server.js, another child)
//           answering with exactly the body and content-type of response (a);
//      (e)  for reference, one bare Fastify route serving the same bytes: the framework's own
//           share of the gap between Masthead and the ceiling.
//   4. A table (requests/s, p99 latency, ratio to the ceiling) is printed and written to
//      bench/results/latest.json. The exit code is non-zero if any request of any scenario
//      (warm-up included) failed, timed out or was answered with a non-2xx status.
//
// Caveat: on a 2-core machine the load generator and the server compete for the CPU, so
// absolute numbers are lower than on a dedicated server and the ratios are the useful part.
//
// Options: `npm run bench -- --cpu-prof` runs the server with Node's --cpu-prof and prints
// its top self-time functions at the end (profile kept in bench/results/profiles/);
// `--only=a,d` runs a subset of the scenarios.
import { fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createServices } from '../dist/app.js';
import { loadConfig } from '../dist/config/config.js';
import { openDatabase } from '../dist/db/database.js';
import { migrateToLatest } from '../dist/db/migrate.js';
import { meterSettingsSchema } from '../dist/modules/paywall/index.js';
import { seedDemo } from '../dist/seed/demo.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const resultsDir = join(root, 'bench', 'results');
const CONNECTIONS = 50;
const WARMUP_SECONDS = 2;
const MEASURE_SECONDS = 8;
const FREE_LIMIT = 1000; // the schema's maximum
const DEADLINE_MS = 85_000; // the whole run, build excluded

const { values: options } = parseArgs({
  options: { 'cpu-prof': { type: 'boolean', default: false }, only: { type: 'string' } },
});

const children = new Set();
const tempDir = mkdtempSync(join(tmpdir(), 'masthead-bench-'));
const profileDir = join(resultsDir, 'profiles');

// ---- setup ----

/** Migrates and seeds a fresh database; returns the metered and premium articles to request. */
async function prepareDatabase(env) {
  const config = loadConfig(env);
  const database = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(database);
    const services = createServices(config, { database });
    await seedDemo(services);
    await services.settings.write('meter', meterSettingsSchema, { freeLimit: FREE_LIMIT });
    const articles = await services.content.listPublished({ limit: 100 });
    const metered = articles.find((a) => a.access === 'metered');
    const premium = articles.find((a) => a.access === 'premium');
    if (!metered || !premium) throw new Error('the demo newsroom has no published metered/premium article');
    return { metered, premium };
  } finally {
    await database.destroy();
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Starts Masthead in a child process and resolves once GET /healthz answers 200. */
async function startMasthead(env, port) {
  const nodeArgs = options['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = track(
    spawn(process.execPath, [...nodeArgs, join(root, 'bin', 'masthead.js'), 'start'], {
      cwd: root,
      env: { ...process.env, ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const base = `http://127.0.0.1:${port}`;
  for (const started = Date.now(); Date.now() - started < 20_000;) {
    if (child.exitCode !== null) break;
    const ok = await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, base, output: () => output };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Masthead did not become healthy (exit code ${child.exitCode}):\n${output}`);
}

/** Forks a reference server (`kind`: 'node' or 'fastify') serving `bytes`; resolves to its URL. */
function startCeiling(bytes, contentType, kind = 'node') {
  // Resolves to { url, pid }.
  const child = track(fork(join(root, 'bench', 'ceiling-server.js'), { stdio: 'inherit' }));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the ceiling server exited (code ${code})`)));
    child.once('message', ({ port }) => resolve({ url: `http://127.0.0.1:${port}/`, pid: child.pid }));
    child.send({ body: bytes.toString('base64'), contentType, kind });
  });
}

/** A request that must answer 200; returns its status, headers and body bytes. */
async function get(url, headers = {}) {
  const response = await fetch(url, { headers });
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200)
    throw new Error(`GET ${url} answered ${response.status}: ${body.slice(0, 300)}`);
  return { response, body };
}

function check(condition, message) {
  if (!condition) throw new Error(`pre-flight check failed: ${message}`);
}

// ---- measuring ----

function cannon(url, headers, duration) {
  return autocannon({ url, headers, connections: CONNECTIONS, duration });
}

async function measure(scenario) {
  const warmup = await cannon(scenario.url, scenario.headers, WARMUP_SECONDS);
  const cpuBefore = cpuSeconds(scenario.pid);
  const run = await cannon(scenario.url, scenario.headers, MEASURE_SECONDS);
  const serverCpuSeconds = cpuSeconds(scenario.pid) - cpuBefore;
  const failures = (r) => r.errors + r.timeouts + r.non2xx;
  return {
    id: scenario.id,
    scenario: scenario.label,
    url: scenario.url,
    requestsPerSecond: run.requests.average,
    latencyP99Ms: run.latency.p99,
    latencyMeanMs: run.latency.average,
    requests: run.requests.total,
    // CPU the server process spent per request: unlike req/s, barely affected by the load
    // generator competing for the same cores.
    serverCpuMicrosPerRequest: (serverCpuSeconds * 1e6) / Math.max(1, run.requests.total),
    bytesPerSecond: run.throughput.average,
    errors: run.errors,
    timeouts: run.timeouts,
    non2xx: run.non2xx,
    statusCodes: run.statusCodeStats,
    warmupFailures: failures(warmup),
    failures: failures(run) + failures(warmup),
  };
}

/** User + system CPU seconds a process has used so far (Linux /proc; clock ticks of 10 ms). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // After "pid (comm) ", utime and stime are the 12th and 13th fields.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function printTable(results, ceiling, ceilingCpu) {
  const rows = [
    ['scenario', 'req/s', 'p99 ms', 'vs (d)', 'server CPU µs/req', 'CPU vs (d)', 'failures'],
    ...results.map((r) => [
      r.scenario,
      r.requestsPerSecond.toFixed(0),
      String(r.latencyP99Ms),
      ceiling ? (r.requestsPerSecond / ceiling).toFixed(2) : 'n/a',
      r.serverCpuMicrosPerRequest.toFixed(0),
      ceilingCpu ? (ceilingCpu / r.serverCpuMicrosPerRequest).toFixed(2) : 'n/a',
      String(r.failures),
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log('\n' + line(rows[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows.slice(1)) console.log(line(row));
}

/** The functions with the most self time in a .cpuprofile, as [name (file:line), ms, %]. */
function topSelfTime(file, count = 20) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const { callFrame: f } = byNode.get(profile.samples[i]);
    const where = f.url ? ` ${f.url.replace(/^file:\/\//, '').replace(root, '')}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'}${where}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => [name, (us / 1000).toFixed(0), ((100 * us) / total).toFixed(1)]);
}

// ---- the run ----

async function main() {
  const dbFile = join(tempDir, 'bench.db');
  const env = {
    DATABASE_URL: `sqlite:${dbFile}`,
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    PUBLIC_URL: 'https://news.example', // production requires one; only links use it
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    SEED_DEMO: 'false',
    DATA_DIR: tempDir,
    // Production refuses the sandbox gateway; page serving never talks to the gateway.
    PAYMENT_GATEWAY: 'stripe',
    STRIPE_SECRET_KEY: 'sk_test_bench',
    STRIPE_WEBHOOK_SECRET: 'whsec_bench',
  };
  const { metered, premium } = await prepareDatabase(env);
  const masthead = await startMasthead(env, await freePort());
  const { base } = masthead;
  const meteredUrl = `${base}/article/${metered.slug}`;

  // A first visit makes the anonymous reader and spends one meter credit; later visits reread.
  const first = await get(meteredUrl);
  const setCookie = first.response.headers.getSetCookie().find((c) => c.startsWith('mh_reader='));
  check(setCookie, 'the first visit set no mh_reader cookie');
  const cookie = setCookie.split(';')[0];

  // Pre-flight: each scenario's request answers what it is meant to.
  const page = await get(meteredUrl, { cookie });
  check(page.response.headers.getSetCookie().length === 0, '(a) the reader cookie was not recognised');
  check(page.body.includes('meter-banner'), '(a) no meter banner on the metered page');
  const again = await get(meteredUrl, { cookie });
  check(again.body.equals(page.body), '(a) differs between two rereads, so (d) cannot mirror it');
  const api = JSON.parse((await get(`${base}/api/v1/articles/${metered.id}`, { cookie })).body);
  check(api.access.granted && api.access.reason === 'metered', `(c) access ${JSON.stringify(api.access)}`);
  const blocked = await get(`${base}/article/${premium.slug}`, { cookie });
  check(blocked.body.includes('data-reason="premium"'), '(b) the premium page shows no paywall');
  const contentType = page.response.headers.get('content-type');
  const { url: ceilingUrl, pid: ceilingPid } = await startCeiling(page.body, contentType);
  const bare = await get(ceilingUrl);
  check(bare.body.equals(page.body), '(d) the ceiling server does not serve the bytes of (a)');
  const { url: floorUrl, pid: floorPid } = await startCeiling(page.body, contentType, 'fastify');
  check(
    (await get(floorUrl)).body.equals(page.body),
    '(e) the Fastify floor does not serve the bytes of (a)',
  );

  const scenarios = [
    {
      id: 'a',
      label: '(a) metered article, returning reader (cookie)',
      url: meteredUrl,
      headers: { cookie },
      pid: masthead.child.pid,
    },
    {
      id: 'a2',
      label: '(a2) metered article, new reader per request (write)',
      url: meteredUrl,
      headers: {},
      pid: masthead.child.pid,
    },
    {
      id: 'b',
      label: '(b) premium article, paywall shown (cookie)',
      url: `${base}/article/${premium.slug}`,
      headers: { cookie },
      pid: masthead.child.pid,
    },
    {
      id: 'c',
      label: '(c) GET /api/v1/articles/:id (cookie)',
      url: `${base}/api/v1/articles/${metered.id}`,
      headers: { cookie },
      pid: masthead.child.pid,
    },
    {
      id: 'd',
      label: '(d) ceiling: bare node:http, same bytes as (a)',
      url: ceilingUrl,
      headers: {},
      pid: ceilingPid,
    },
    {
      id: 'e',
      label: '(e) floor: one bare Fastify route, same bytes',
      url: floorUrl,
      headers: {},
      pid: floorPid,
    },
  ].filter((s) => !options.only || options.only.split(',').includes(s.id));

  const cores = cpus().length;
  console.log(
    `Masthead benchmark: ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ${MEASURE_SECONDS} s per scenario; ` +
      `node ${process.version}, ${cores} CPU core(s).`,
  );
  console.log(
    `Note: the load generator (this process) and the server under test share these ${cores} core(s) — ` +
      'absolute numbers understate a dedicated server; compare the ratios.',
  );
  const [load] = loadavg();
  if (load > 0.5) {
    console.log(
      `Warning: the 1-minute load average was ${load.toFixed(1)} before the run: other processes ` +
        'are competing for the CPU too, so expect noisy numbers.',
    );
  }
  console.log(`Metered article: ${metered.slug} (${page.body.length} bytes, ${contentType})`);
  console.log(`Premium article: ${premium.slug}`);

  const results = [];
  for (const scenario of scenarios) {
    process.stdout.write(`  running ${scenario.label} …\n`);
    results.push(await measure(scenario));
  }
  const ceiling = results.find((r) => r.id === 'd')?.requestsPerSecond;
  for (const r of results) r.ratioToCeiling = ceiling ? r.requestsPerSecond / ceiling : null;
  const ceilingCpu = results.find((r) => r.id === 'd')?.serverCpuMicrosPerRequest;
  for (const r of results) r.cpuRatioToCeiling = ceilingCpu ? ceilingCpu / r.serverCpuMicrosPerRequest : null;
  printTable(results, ceiling, ceilingCpu);

  mkdirSync(resultsDir, { recursive: true });
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    cpuCores: cores,
    note: 'load generator and server share the machine; on 2 cores they compete for CPU',
    connections: CONNECTIONS,
    warmupSeconds: WARMUP_SECONDS,
    measureSeconds: MEASURE_SECONDS,
    meteredArticle: metered.slug,
    premiumArticle: premium.slug,
    pageBytes: page.body.length,
    results,
  };
  writeFileSync(join(resultsDir, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
  console.log(`\nResults written to ${join('bench', 'results', 'latest.json')}.`);

  const failed = results.filter((r) => r.failures > 0);
  for (const r of failed) {
    console.error(
      `FAILED ${r.scenario}: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx ` +
        `(${r.warmupFailures} in the warm-up); status codes ${JSON.stringify(r.statusCodes)}`,
    );
  }
  if (masthead.output().trim()) console.log(`\nServer output:\n${masthead.output().trim()}`);

  if (options['cpu-prof']) {
    await stopChild(masthead.child); // the profile is written as the server exits
    const profiles = readdirSync(profileDir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .sort();
    const latest = join(profileDir, profiles.at(-1));
    console.log(`\nServer CPU profile ${latest.replace(root, '')}, top self time:`);
    for (const [name, ms, pct] of topSelfTime(latest))
      console.log(`${pct.padStart(6)}%  ${ms.padStart(6)} ms  ${name}`);
  }
  return failed.length > 0 ? 1 : 0;
}

// ---- cleanup ----

function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function cleanup() {
  await Promise.all([...children].map(stopChild));
  rmSync(tempDir, { recursive: true, force: true });
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => cleanup().finally(() => process.exit(130)));
}
const deadline = setTimeout(() => {
  console.error(`bench: gave up after ${DEADLINE_MS / 1000} s`);
  cleanup().finally(() => process.exit(1));
}, DEADLINE_MS);
deadline.unref();

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  console.error('bench:', error);
} finally {
  await cleanup();
}
process.exit(exitCode);
