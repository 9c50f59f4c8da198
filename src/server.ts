import { build, createServices } from './app.js';
import type { Config } from './config/config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { seedDemo } from './seed/demo.js';
import { createBillingScheduler } from './modules/subscriptions/index.js';

/**
 * Starts one instance: migrates the database, seeds the demo newsroom into an empty one (when
 * enabled), listens, and closes cleanly on SIGINT/SIGTERM.
 */
export async function startServer(config: Config): Promise<void> {
  const database = openDatabase(config.databaseUrl);
  await migrateToLatest(database);
  const services = createServices(config, { database });
  if (config.seedDemoOnEmpty && (await services.content.count()) === 0) {
    const seeded = await seedDemo(services);
    console.log(`Seeded the demo newsroom: ${seeded.articles} articles, ${seeded.plans} plans.`);
  }
  const app = await build(config, { database, services });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  console.log(`Masthead is running at http://${config.host}:${port} (public URL ${config.publicUrl})`);
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

  // Renewals, reminders and dunning every five minutes; the sandbox's webhooks every second.
  const scheduler = createBillingScheduler({
    billing: services.billing,
    onSweep: (report) => {
      if (Object.values(report).some((count) => count > 0))
        app.log.info({ billing: report }, 'billing sweep');
    },
    onError: (error) => app.log.error({ err: error }, 'billing sweep failed'),
  });
  scheduler.start(5 * 60_000);
  services.sandboxWebhooks?.start(1000);
  // The sandbox processor lets abandoned checkout pages lapse, as a real processor does.
  const { payments } = services;
  // Queued mail (renewal reminders) that the SMTP server did not take is tried again.
  const mailRetry = setInterval(() => {
    services.mail.deliverQueued().then(
      (delivery) => {
        if (delivery.failed > 0) app.log.warn({ mail: delivery }, 'queued mail not delivered');
      },
      (error: unknown) => app.log.error({ err: error }, 'queued mail delivery failed'),
    );
  }, 60_000).unref();
  const sandboxExpiry =
    payments.kind === 'sandbox'
      ? setInterval(() => void payments.processor.expireDue().catch(() => undefined), 60_000).unref()
      : undefined;

  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    clearInterval(sandboxExpiry);
    clearInterval(mailRetry);
    await scheduler.stop();
    await services.sandboxWebhooks?.stop();
    await app.close();
    await database.destroy();
    process.exit(0);
  };
  process.on('SIGINT', () => void close('SIGINT'));
  process.on('SIGTERM', () => void close('SIGTERM'));
}
