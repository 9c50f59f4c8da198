import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from './config/config.js';
import type { DatabaseHandle } from './db/database.js';
import { systemClock, type Clock } from './kernel/clock.js';
import {
  accountRoutes,
  accountSettingsKey,
  accountSettingsSchema,
  authenticate,
  createAccountService,
  sessionCookie,
} from './modules/accounts/index.js';
import { createApiKeyService } from './modules/api-keys/index.js';
import { createRateLimiter, createSqlRateLimitStore } from './modules/rate-limit/index.js';
import { adminArticleRoutes, createContentService } from './modules/content/index.js';
import { createMailer, devOutboxRoutes } from './modules/mail/index.js';
import { createMeterService, createSqlMeterStore } from './modules/metering/index.js';
import {
  createPaywallService,
  crawlerVerifier,
  meterSettingsSchema,
  paywallSettingsSchema,
} from './modules/paywall/index.js';
import { createPlanService } from './modules/plans/index.js';
import {
  createPublicationService,
  publicationSettingsKey,
  publicationSettingsSchema,
} from './modules/publication/index.js';
import { createReadingService, readingRoutes } from './modules/reading/index.js';
import { createSettingsStore, settingsRoutes } from './modules/settings/index.js';
import { registerErrorHandling } from './web/errors.js';
import { helmetHeaders } from './web/security-headers.js';
import { anonymousReaderId, knownAnonymousReaderId } from './web/reader-identity.js';
import { sameOriginGuard } from './web/same-origin.js';

export interface BuildOptions {
  readonly database: DatabaseHandle;
  readonly clock?: Clock;
  /** Services already made for this database (start-up seeding, tests), so caches are shared. */
  readonly services?: Services;
}

/** The services of one Masthead instance, wired from its configuration and database. */
export function createServices(config: Config, options: BuildOptions) {
  const { db } = options.database;
  const clock = options.clock ?? systemClock;
  const settings = createSettingsStore({ db, clock });
  const content = createContentService({ db, clock });
  const meter = createMeterService({ store: createSqlMeterStore(db), clock });
  const publication = createPublicationService({ settings });
  const paywall = createPaywallService({
    meter,
    settings,
    publication,
    isVerifiedCrawler: crawlerVerifier(config.crawlerCidrs),
    links: { login: '/login', subscribe: '/subscribe' },
  });
  return {
    clock,
    settings,
    content,
    meter,
    paywall,
    plans: createPlanService({ db, clock }),
    publication,
    reading: createReadingService({ content, paywall }),
    accounts: createAccountService({ db, clock, settings, meter, publication }),
    limiter: createRateLimiter({ store: createSqlRateLimitStore(db), clock }),
    apiKeys: createApiKeyService({ db, clock }),
    mail: createMailer({ db, clock, publication, smtpUrl: config.smtpUrl, from: config.mailFrom }),
  };
}

export type Services = ReturnType<typeof createServices>;

/** Builds the HTTP application. It does not listen; `server.ts` does. */
export async function build(config: Config, options: BuildOptions): Promise<FastifyInstance> {
  const services = options.services ?? createServices(config, options);
  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    trustProxy: config.trustProxy === false ? false : [...config.trustProxy],
    bodyLimit: 2 * 1024 * 1024,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);

  const secure = config.publicUrl.startsWith('https://');
  await app.register(fastifyCookie, { secret: config.sessionSecret });
  // Security headers from helmet, computed once: they are the same for every response, and
  // setting a dozen headers one by one on each request costs more than the access decision.
  const securityHeaders = helmetHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'https:', 'data:'],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
      },
    },
    strictTransportSecurity: secure,
  });
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });

  await app.register(fastifyStatic, {
    root: fileURLToPath(new URL('../public', import.meta.url)),
    prefix: '/assets/',
    maxAge: '1h',
  });

  // The OpenAPI document covers the JSON API; reader pages are HTML and stay out of it.
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Masthead API',
        version: '1',
        description: 'Reader API (/api/v1) and admin API (/api/admin/v1).',
      },
      servers: [{ url: config.publicUrl }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: (document) =>
      document.url.startsWith('/api/') || document.url === '/healthz'
        ? jsonSchemaTransform(document)
        : { schema: { ...document.schema, hide: true }, url: document.url },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', staticCSP: true });

  app.get('/healthz', async () => {
    await options.database.db.selectFrom('settings').select('key').limit(1).execute();
    return { status: 'ok' };
  });

  const requireAdmin = services.apiKeys.requireScope('admin');
  app.addHook('onRequest', sameOriginGuard(config.publicUrl));

  const { accounts } = services;
  await app.register(readingRoutes, {
    ...services,
    // Who is reading: the signed-in account when a live session comes with the request
    // (metered by account on every device), else the device's anonymous id.
    resolveReader: async (request, reply) => {
      const auth = await authenticate(request, accounts);
      if (auth?.lookup.status === 'live') {
        const { account } = auth.lookup;
        return { id: account.id, name: account.name, entitlements: new Set<string>() };
      }
      if (auth?.kind === 'web') reply.clearCookie(sessionCookie, { path: '/' });
      return { id: anonymousReaderId(request, reply, secure), name: '', entitlements: new Set<string>() };
    },
    publicUrl: config.publicUrl,
  });
  await app.register(accountRoutes, {
    accounts,
    limiter: services.limiter,
    secureCookies: secure,
    anonymousReaderId: knownAnonymousReaderId,
  });
  await app.register(adminArticleRoutes, {
    content: services.content,
    requireAdmin,
    publicUrl: config.publicUrl,
    now: () => services.clock.now(),
  });
  await app.register(settingsRoutes, {
    store: services.settings,
    requireAdmin,
    sections: [
      { key: publicationSettingsKey, schema: publicationSettingsSchema },
      { key: 'meter', schema: meterSettingsSchema },
      { key: 'paywall', schema: paywallSettingsSchema },
      { key: accountSettingsKey, schema: accountSettingsSchema },
    ],
  });
  // The outbox shows one-time links: a developer's tool, never served in production.
  if (config.nodeEnv !== 'production') await app.register(devOutboxRoutes, { mail: services.mail });
  return app;
}
