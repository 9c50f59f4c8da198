import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createServices } from './app.js';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { openDatabase } from './db/database.js';
import { openRedis } from './db/redis.js';
import { migrateToLatest } from './db/migrate.js';
import { seedDemo } from './seed/demo.js';
import { fixedClock, type Clock } from './kernel/clock.js';
import { isoInstant } from './kernel/validation.js';
import { startServer, upgradeStoredData } from './server.js';
import { createJobScheduler } from './jobs/scheduler.js';
import { meterMonthsKept } from './jobs/schedule.js';
import { mailDeliveryJob } from './modules/mail/index.js';
import { isStaffRole, staffRoles } from './kernel/staff-access.js';

const usage = `Usage: masthead <command>

  start                                   migrate, seed an empty database, serve
  migrate                                 bring the database schema up to date
  seed --demo                             add the demo newsroom (idempotent)
  admin create --email E --password P [--name N] [--role owner|editor|marketer|support]
                                          create a staff account (default role: owner)
  api-key create --name N --scope admin [--role R]
                                          create an admin API key (printed last; role owner by default)
  api-key list                            list API keys (never the keys themselves)
  api-key revoke ID                       stop a key working at once
  backup FILE                             copy the SQLite database to FILE while it runs
  meter prune [--keep-months N]           forget meter reads of months before the last N (3)
  billing run [--at ISO-8601]             one renewal/dunning sweep (as of a given moment)
  jobs list                               the jobs start runs on timers, and how often
  jobs run [NAME…]                        run those jobs once now (all of them by default)
  queue status                            the job queue: how many jobs of each kind in each state
  queue list [--status S] [--kind K]      the latest jobs (S: queued, running, done, dead)
  queue run                               run every job that is due, until none is left
  queue retry ID                          give a dead job fresh tries

Configuration comes from the environment; see README.md.`;

async function withDatabase<T>(
  config: Config,
  work: (services: ReturnType<typeof createServices>) => Promise<T>,
  clock?: Clock,
): Promise<T> {
  const database = openDatabase(config.databaseUrl);
  const redis = config.redisUrl === undefined ? undefined : openRedis(config.redisUrl);
  try {
    await migrateToLatest(database);
    await redis?.ping();
    // Log lines go to stderr: stdout is the command's answer (a script reads an API key from it).
    const logger = pino({ level: config.logLevel }, pino.destination(2));
    return await work(createServices(config, { database, redis, logger, ...(clock && { clock }) }));
  } finally {
    await redis?.close();
    await database.destroy();
  }
}

/** `jobs list` and `jobs run [NAME…]`: for running the timed work from cron instead, or catching up. */
async function jobs(config: Config, [action, ...names]: string[]): Promise<number> {
  if (action !== 'list' && action !== 'run') throw new UsageError('jobs supports: list, run [NAME…]');
  return withDatabase(config, async (services) => {
    const known = services.jobs.map((job) => job.name);
    if (action === 'list') {
      for (const job of services.jobs) console.log(`${job.name}\tevery ${describeInterval(job.everyMs)}`);
      return 0;
    }
    const unknown = names.filter((name) => !known.includes(name));
    if (unknown.length > 0)
      throw new UsageError(`No job is named ${unknown.join(', ')}; jobs: ${known.join(', ')}`);
    const scheduler = createJobScheduler({
      jobs: services.jobs,
      clock: services.clock,
      log: services.logger,
    });
    let failed = 0;
    for (const name of names.length > 0 ? names : known) {
      const outcome = await scheduler.run(name);
      if (outcome.ok) console.log(`${name}: ${JSON.stringify(outcome.summary ?? {})}`);
      else {
        failed++;
        console.log(
          `${name}: failed (${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)})`,
        );
      }
    }
    return failed > 0 ? 1 : 0;
  });
}

/** `queue status|list|run|retry`: the durable job queue, for operators. */
async function queue(config: Config, [action, ...options]: string[]): Promise<number> {
  return withDatabase(config, async ({ queue: jobs, worker }) => {
    switch (action) {
      case 'status': {
        const counts = await jobs.counts();
        if (counts.length === 0) console.log('The job queue is empty.');
        for (const { kind, status, count } of counts) console.log(`${kind}\t${status}\t${count}`);
        return 0;
      }
      case 'list': {
        const { values } = parseArgs({
          args: options,
          options: { status: { type: 'string' }, kind: { type: 'string' } },
          strict: true,
        });
        const status = jobStatuses.find((known) => known === values.status);
        if (values.status !== undefined && status === undefined)
          throw new UsageError(`--status takes one of ${jobStatuses.join(', ')}`);
        for (const job of await jobs.list({
          ...(status && { status }),
          ...(values.kind && { kind: values.kind }),
        }))
          console.log(
            [job.id, job.kind, job.status, `tries ${job.attempts}/${job.maxAttempts}`, job.lastError ?? '']
              .join('\t')
              .trimEnd(),
          );
        return 0;
      }
      case 'run': {
        const summary = await worker.runDue();
        console.log(`done ${summary.done}, to retry ${summary.retried}, dead ${summary.dead}`);
        return 0;
      }
      case 'retry': {
        const [id] = options;
        if (!id) throw new UsageError('queue retry needs the ID of a dead job');
        if (!(await jobs.retry(id))) throw new UsageError(`${id} is not a dead job`);
        console.log(`Queued ${id} again.`);
        return 0;
      }
      default:
        throw new UsageError('queue supports: status, list [--status S] [--kind K], run, retry ID');
    }
  });
}

const jobStatuses = ['queued', 'running', 'done', 'dead'] as const;

function describeInterval(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help') {
    console.log(usage);
    return command === undefined ? 2 : 0;
  }
  const config = loadConfig();
  switch (command) {
    case 'start':
      await startServer(config);
      return -1; // keep running
    case 'migrate': {
      const database = openDatabase(config.databaseUrl);
      try {
        const applied = await migrateToLatest(database);
        console.log(applied.length > 0 ? `Applied ${applied.join(', ')}.` : 'The database is up to date.');
        const logger = pino({ level: config.logLevel }, pino.destination(2));
        await upgradeStoredData(createServices(config, { database, logger }), (line) => console.log(line));
      } finally {
        await database.destroy();
      }
      return 0;
    }
    case 'seed': {
      const { values } = parseArgs({ args: rest, options: { demo: { type: 'boolean' } }, strict: true });
      if (!values.demo) throw new UsageError('seed needs --demo (the only seed there is)');
      const seeded = await withDatabase(config, (services) => seedDemo(services));
      console.log(
        `Seeded the demo newsroom: ${seeded.articles} articles, ${seeded.plans} plans and ${seeded.editions} e-paper editions added (the server draws their pages; or run \`masthead queue run\`); partner offers added: ${seeded.partnerOffers}; newsletters added: ${seeded.newsletters}.`,
      );
      return 0;
    }
    case 'admin': {
      const [action, ...options] = rest;
      if (action !== 'create') throw new UsageError('admin supports: create');
      const { values } = parseArgs({
        args: options,
        options: {
          email: { type: 'string' },
          password: { type: 'string' },
          name: { type: 'string' },
          role: { type: 'string', default: 'owner' },
        },
        strict: true,
      });
      if (!values.email?.trim()) throw new UsageError('admin create needs --email');
      if (!values.password) throw new UsageError('admin create needs --password');
      const role = values.role;
      if (!isStaffRole(role))
        throw new UsageError(`admin create --role takes one of ${staffRoles.join(', ')}`);
      const { email, password, name } = values;
      const member = await withDatabase(config, (services) =>
        services.staff.create({ email, password, role, ...(name !== undefined && { name }) }),
      );
      console.log(
        `Created ${member.role} ${member.email} (${member.id}); sign in at ${config.publicUrl}/admin/login`,
      );
      return 0;
    }
    case 'api-key': {
      const [action, ...options] = rest;
      if (action === 'list') {
        const keys = await withDatabase(config, (services) => services.apiKeys.list());
        for (const key of keys) {
          const state = key.revokedAt ? `revoked ${key.revokedAt}` : `last used ${key.lastUsedAt ?? 'never'}`;
          console.log(
            `${key.id}  ${key.scope}  ${key.role}  ${key.name}  created ${key.createdAt}  ${state}`,
          );
        }
        return 0;
      }
      if (action === 'revoke') {
        const [id] = options;
        if (!id) throw new UsageError('api-key revoke needs the key id (see api-key list)');
        const revoked = await withDatabase(config, (services) => services.apiKeys.revoke(id));
        if (!revoked) throw new UsageError(`there is no live API key ${id}`);
        console.log(`Revoked API key ${id}.`);
        return 0;
      }
      if (action !== 'create') throw new UsageError('api-key supports: create, list, revoke');
      const { values } = parseArgs({
        args: options,
        options: {
          name: { type: 'string' },
          scope: { type: 'string' },
          role: { type: 'string', default: 'owner' },
        },
        strict: true,
      });
      if (!values.name?.trim()) throw new UsageError('api-key create needs --name');
      if (values.scope !== 'admin')
        throw new UsageError('api-key create needs --scope admin (the only scope there is)');
      const role = values.role;
      if (!isStaffRole(role))
        throw new UsageError(`api-key create --role takes one of ${staffRoles.join(', ')}`);
      const name = values.name.trim();
      const created = await withDatabase(config, (services) => services.apiKeys.create(name, 'admin', role));
      console.log(`Created API key ${created.id} (${name}, ${role}). It is shown once; keep it secret:`);
      console.log(created.key);
      return 0;
    }
    case 'meter': {
      const [action, ...options] = rest;
      if (action !== 'prune') throw new UsageError('meter supports: prune');
      const { values } = parseArgs({
        args: options,
        options: { 'keep-months': { type: 'string', default: String(meterMonthsKept) } },
        strict: true,
      });
      const keepMonths = Number(values['keep-months']);
      if (!Number.isInteger(keepMonths) || keepMonths < 1)
        throw new UsageError('--keep-months takes a whole number of at least 1');
      const pruned = await withDatabase(config, async (services) =>
        services.meter.prune(keepMonths, (await services.publication.settings()).timeZone),
      );
      console.log(`Forgot ${pruned.reads} meter reads of periods before ${pruned.before}.`);
      return 0;
    }
    case 'jobs':
      return jobs(config, rest);
    case 'queue':
      return queue(config, rest);
    case 'billing': {
      const [action, ...options] = rest;
      if (action !== 'run') throw new UsageError('billing takes one action: run');
      const { values } = parseArgs({ args: options, options: { at: { type: 'string' } }, strict: true });
      let clock: Clock | undefined;
      if (values.at !== undefined) {
        if (!isoInstant.safeParse(values.at).success)
          throw new UsageError('--at takes an ISO 8601 moment such as 2027-11-15T06:00:00Z');
        clock = fixedClock(values.at);
      }
      await withDatabase(
        config,
        async (services) => {
          const report = await services.billing.runSweep();
          console.log(
            Object.entries(report)
              .map(([what, count]) => `${what} ${count}`)
              .join(', '),
          );
          // The sweep only queued its reminders; without a server running, deliver them here.
          const mail = await services.worker.runDue({ kinds: [mailDeliveryJob] });
          console.log(`queued mail: delivered ${mail.done}, to retry ${mail.retried}, given up ${mail.dead}`);
        },
        clock,
      );
      return 0;
    }
    case 'backup': {
      const [file] = rest;
      if (!file) throw new UsageError('backup needs a FILE to write');
      const database = openDatabase(config.databaseUrl);
      try {
        if (!database.backup)
          throw new UsageError('backup copies SQLite databases; for PostgreSQL use pg_dump');
        await database.backup(file);
      } finally {
        await database.destroy();
      }
      console.log(`Backed up the database to ${file}.`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      for (const line of error.problems) console.error(`masthead: ${line}`);
      process.exitCode = 2;
    } else if (
      error instanceof UsageError ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      console.error(`masthead: ${error.message}\n\n${usage}`);
      process.exitCode = 2;
    } else {
      console.error(error);
      process.exitCode = 1;
    }
  },
);
