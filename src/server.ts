import { build, createServices, type Services } from './app.js';
import type { Config } from './config/config.js';
import { openDatabase } from './db/database.js';
import { openRedis } from './db/redis.js';
import { migrateToLatest } from './db/migrate.js';
import { seedDemo } from './seed/demo.js';
import { createJobScheduler } from './jobs/scheduler.js';
import { newSecret } from './kernel/ids.js';
import { bodyFormat, prepareBodiesJob } from './modules/content/index.js';

/**
 * What a new version does to stored data after the schema migrations and before it serves:
 * articles whose teaser an older preparation cut unsafely are prepared again (an old teaser
 * could show hidden text); articles an older but safe preparation stored are left to a
 * background job (`content:prepare-bodies`, once per body format), so a large archive does not
 * hold up the start. `say` gets a line for each thing done or needing a person.
 */
export async function upgradeStoredData(services: Services, say: (line: string) => void): Promise<void> {
  const bodies = await services.content.upgradeStoredBodies();
  if (bodies.upgraded > 0) {
    say(`Prepared ${bodies.upgraded} stored article bodies again (teasers and search text).`);
  }
  const outdated = await services.content.outdatedBodies();
  if (outdated > 0) {
    await services.queue.enqueue(prepareBodiesJob, {}, { key: `format-${bodyFormat}` });
    say(`${outdated} stored article bodies will be prepared again in the background (longer teasers).`);
  }
  if (bodies.failed.length > 0) {
    say(
      `These articles have no text once cleaned and were left as they were; edit them: ${bodies.failed.join(', ')}`,
    );
  }
}

/**
 * Starts one instance: migrates the database, seeds the demo newsroom into an empty one (when
 * enabled), listens, and closes cleanly on SIGINT/SIGTERM.
 */
export async function startServer(config: Config): Promise<void> {
  const database = openDatabase(config.databaseUrl);
  await migrateToLatest(database);
  const redis = config.redisUrl === undefined ? undefined : openRedis(config.redisUrl);
  await redis?.ping();
  const services = createServices(config, { database, redis });
  await upgradeStoredData(services, (line) => console.log(line));
  let demoAdmin: { email: string; password: string } | undefined;
  if (config.seedDemoOnEmpty && (await services.content.count()) === 0) {
    const seeded = await seedDemo(services);
    console.log(
      `Seeded the demo newsroom: ${seeded.articles} articles, ${seeded.plans} plans, ${seeded.editions} e-paper editions (their pages are drawn in the background), ${seeded.partnerOffers} partner offers, ${seeded.newsletters} newsletters (their first issues are sent by the worker).`,
    );
    // A demo owner to look around the admin with; its password is random and shown only now.
    if (config.nodeEnv !== 'production' && (await services.staff.list()).length === 0) {
      demoAdmin = { email: 'owner@demo.example', password: newSecret(12) };
      await services.staff.create({ ...demoAdmin, name: 'Demo owner', role: 'owner' });
    }
  }
  const app = await build(config, { database, redis, services });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  console.log(`Masthead is running at http://${config.host}:${port} (public URL ${config.publicUrl})`);
  const adminUrl = `http://${config.host}:${port}/admin`;
  if (demoAdmin)
    console.log(
      `Admin: ${adminUrl} — demo sign-in ${demoAdmin.email}, password ${demoAdmin.password} (shown this once).`,
    );
  else if ((await services.staff.list()).length === 0)
    console.log(`Admin: ${adminUrl} — no staff yet: \`npx masthead admin create --email E --password P\`.`);
  else console.log(`Admin: ${adminUrl}`);
  console.log('Admin API: create a key with `npx masthead api-key create --name NAME --scope admin`.');
  if (config.nodeEnv !== 'production') {
    // The outbox holds sign-in and reset links: say who can read it, so nobody assumes everyone.
    console.log(
      `Mail outbox: http://${config.host}:${port}/dev/outbox, for browsers on this machine only (not through a proxy; never in production).`,
    );
  }
  if (config.nodeEnv === 'production' && config.smtpUrl === undefined) {
    app.log.warn(
      'SMTP_URL is not set: mail (sign-in links, confirmations) is kept in the outbox table and not sent',
    );
  }

  // The renewal sweep, clean-ups and the payment provider's own work, on timers.
  const jobs = createJobScheduler({ jobs: services.jobs, clock: services.clock, log: app.log });
  jobs.start();
  // The job queue's work: queued mail, e-paper processing, newsletter sends.
  services.worker.start();

  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    await Promise.all([jobs.stop(), services.worker.stop()]);
    await app.close();
    await redis?.close();
    await database.destroy();
    process.exit(0);
  };
  process.on('SIGINT', () => void close('SIGINT'));
  process.on('SIGTERM', () => void close('SIGTERM'));
}
