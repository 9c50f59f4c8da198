import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { pino } from 'pino';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from './config/config.js';
import { createCaches } from './caches.js';
import { databaseAnswers, type DatabaseHandle } from './db/database.js';
import { systemClock, type Clock } from './kernel/clock.js';
import {
  accountMail,
  accountPageRoutes,
  accountRoutes,
  accountSettingsKey,
  accountSettingsSchema,
  clearSessionCookie,
  createAccountLinks,
  createAccountPrivacy,
  createAccountService,
  linkRoutes,
  readerSessions,
} from './modules/accounts/index.js';
import { createApiKeyService } from './modules/api-keys/index.js';
import { createRateLimiter, createSqlRateLimitStore } from './modules/rate-limit/index.js';
import { adminArticleRoutes, createContentService } from './modules/content/index.js';
import {
  billingSettingsKey,
  billingSettingsSchema,
  createInvoiceService,
  grossUp,
  invoiceRoutes,
  isStateCode,
  readBillingSettings,
  selectableStates,
} from './modules/invoices/index.js';
import { legalRoutes, legalSettingsKey, legalSettingsSchema } from './modules/legal/index.js';
import { createMailer, devOutboxRoutes, joinMailCatalogues } from './modules/mail/index.js';
import { createMeterService, createSqlMeterStore } from './modules/metering/index.js';
import {
  createPaywallService,
  crawlerVerifier,
  meterSettingsSchema,
  paywallSettingsSchema,
} from './modules/paywall/index.js';
import {
  adminCouponRoutes,
  applyDiscount,
  createCouponService,
  discountJson,
  parseDiscount,
  type Discount,
} from './modules/coupons/index.js';
import {
  choosePaymentGateway,
  createSandboxWebhookDispatcher,
  httpDeliverer,
  razorpayRoutes,
  sandboxRoutes,
  type WebhookDeliverer,
} from './modules/payments/index.js';
import {
  accountBillingSection,
  adminSubscriberRoutes,
  billingMail,
  createBilling,
  createBillingNotices,
  subscriptionPageRoutes,
  paymentJson,
  subscriptionJson,
  subscriptionRoutes,
} from './modules/subscriptions/index.js';
import { adminPlanRoutes, createPlanService } from './modules/plans/index.js';
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
  /**
   * How the sandbox processor delivers its webhooks; by default an HTTP POST to
   * `PUBLIC_URL/webhooks/sandbox`. Tests deliver through `inject`.
   */
  readonly deliverWebhook?: WebhookDeliverer;
  /** The instance's logger, shared by the HTTP server and the services; by default pino at LOG_LEVEL. */
  readonly logger?: FastifyBaseLogger;
}

/** The services of one Masthead instance, wired from its configuration and database. */
export function createServices(config: Config, options: BuildOptions) {
  const { db } = options.database;
  const clock = options.clock ?? systemClock;
  // One logger for the instance: the HTTP server logs through it too (see `build`).
  const logger: FastifyBaseLogger = options.logger ?? pino({ level: config.logLevel });
  // Every in-process cache, made once here and handed to the services that read through them.
  const caches = createCaches({ clock });
  const settings = createSettingsStore({ db, clock, cache: caches.settings });
  const content = createContentService({
    db,
    clock,
    caches: { sections: caches.sections, articles: caches.articles, bodies: caches.articleBodies },
  });
  const meter = createMeterService({ store: createSqlMeterStore(db), clock });
  const publication = createPublicationService({ settings });
  const plans = createPlanService({ db, clock, cache: caches.activePlans });
  const paywall = createPaywallService({
    meter,
    settings,
    publication,
    isVerifiedCrawler: crawlerVerifier(config.crawlerCidrs),
    links: { login: '/login', subscribe: '/subscribe' },
  });
  const accounts = createAccountService({ db, clock, settings, meter, publication });
  const mail = createMailer({
    db,
    clock,
    publication,
    templates: joinMailCatalogues(accountMail, billingMail),
    smtpUrl: config.smtpUrl,
    from: config.mailFrom,
  });
  const coupons = createCouponService({ db, clock, plans, publication });
  const invoices = createInvoiceService({ db, clock, settings });
  const payments = choosePaymentGateway(config.paymentGateway, {
    db,
    clock,
    publicUrl: config.publicUrl,
    sessionSecret: config.sessionSecret,
  });
  const billing = createBilling({
    db,
    clock,
    gateway: payments.gateway,
    accounts,
    catalogue: {
      plans,
      coupons: {
        quote: (code, input) => coupons.quote(code, input),
        redeem: (trx, input) => coupons.redeem(trx, input),
        reserve: (use) => coupons.reserve(use),
        release: (trx, checkoutId) => coupons.release(trx, checkoutId),
        apply: (price, discount) => applyDiscount(price, parseDiscount(discount)),
        serialise: (discount) => discountJson(discount as Discount),
      },
      taxTerms: async () => {
        const { taxRateBp, taxInclusive } = await readBillingSettings(settings);
        return { rateBp: taxRateBp, inclusive: taxInclusive };
      },
      grossUp,
    },
    records: {
      invoices,
      notices: createBillingNotices({
        accounts,
        mailer: mail,
        publicUrl: config.publicUrl,
        timeZone: async () => (await publication.settings()).timeZone,
      }),
    },
    caches: { entitlements: caches.entitlements },
    options: {
      publicUrl: config.publicUrl,
      log: logger,
    },
  });
  // The sandbox processor's webhooks, delivered asynchronously like a real processor's.
  const sandboxWebhooks =
    payments.kind === 'sandbox'
      ? createSandboxWebhookDispatcher({
          db,
          clock,
          secret: payments.secret,
          deliver: options.deliverWebhook ?? httpDeliverer(`${config.publicUrl}/webhooks/sandbox`),
        })
      : undefined;
  return {
    clock,
    logger,
    caches,
    settings,
    content,
    meter,
    paywall,
    plans,
    coupons,
    publication,
    reading: createReadingService({ content, paywall }),
    accounts,
    privacy: createAccountPrivacy({
      db,
      clock,
      meter,
      publication,
      mail,
      billing: {
        recordsOf: async (accountId) => ({
          subscription: await billing.subscription(accountId).then((view) => view && subscriptionJson(view)),
          payments: (await billing.payments(accountId)).map(paymentJson),
          invoices: (await invoices.list(accountId)).map((invoice) => ({
            id: invoice.id,
            number: invoice.number,
            issuedAt: invoice.issuedAt,
            total: { amount: invoice.total.amountMinor, currency: invoice.total.currency },
          })),
        }),
        endForDeletedAccount: (accountId) => billing.endForDeletedAccount(accountId),
      },
    }),
    limiter: createRateLimiter({ store: createSqlRateLimitStore(db), clock }),
    apiKeys: createApiKeyService({ db, clock }),
    invoices,
    payments,
    billing,
    sandboxWebhooks,
    mail,
    links: createAccountLinks({
      db,
      clock,
      mailer: mail,
      accounts,
      publication,
      publicUrl: config.publicUrl,
    }),
  };
}

export type Services = ReturnType<typeof createServices>;

/** Builds the HTTP application. It does not listen; `server.ts` does. */
export async function build(config: Config, options: BuildOptions): Promise<FastifyInstance> {
  const services = options.services ?? createServices(config, options);
  const app = Fastify({
    loggerInstance: services.logger,
    trustProxy: config.trustProxy === false ? false : [...config.trustProxy],
    bodyLimit: 2 * 1024 * 1024,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Error pages for readers carry the site's header, sections and search.
  registerErrorHandling(app, { chrome: (request) => pageChrome(request, '/') });

  const secure = config.publicUrl.startsWith('https://');
  await app.register(fastifyCookie, { secret: config.sessionSecret });
  // Reader pages post forms (sign in, sign up, account); the JSON API still takes JSON.
  await app.register(fastifyFormbody);
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
    // Not helmet's `no-referrer`: under it browsers send `Origin: null` even on the site's own
    // form posts, and the same-origin guard must see the real Origin. Other sites still get
    // no referrer at all.
    referrerPolicy: { policy: 'same-origin' },
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
    await databaseAnswers(options.database.db);
    return { status: 'ok' };
  });

  const requireAdmin = services.apiKeys.requireScope('admin');
  app.addHook('onRequest', sameOriginGuard(config.publicUrl));

  const { accounts } = services;
  // Every request can ask for its reader's session: looked up once, whoever asks.
  await app.register(readerSessions, { accounts });
  // The reader's entitlements, looked up once per request (the meter and the header both ask).
  const entitlementsFound = new WeakMap<FastifyRequest, Promise<ReadonlySet<string>>>();
  const entitlementsOf = (request: FastifyRequest) => {
    let found = entitlementsFound.get(request);
    if (!found) {
      found = request
        .readerSession()
        .then((auth) =>
          auth?.lookup.status === 'live'
            ? services.billing.entitlements(auth.lookup.account.id)
            : new Set<string>(),
        );
      entitlementsFound.set(request, found);
    }
    return found;
  };
  await app.register(readingRoutes, {
    ...services,
    // Who is reading: the signed-in account when a live session comes with the request
    // (metered by account on every device), else the device's anonymous id.
    resolveReader: async (request, reply) => {
      const auth = await request.readerSession();
      if (auth?.lookup.status === 'live') {
        const { account } = auth.lookup;
        return {
          id: account.id,
          name: account.name,
          entitlements: await entitlementsOf(request),
        };
      }
      if (auth?.kind === 'web') clearSessionCookie(reply);
      return { id: anonymousReaderId(request, reply, secure), name: '', entitlements: new Set<string>() };
    },
    signedIn: async (request) => (await request.readerSession())?.lookup.status === 'live',
    subscribed: async (request) => (await entitlementsOf(request)).size > 0,
    publicUrl: config.publicUrl,
    pageCache: services.caches.articlePages,
  });
  const accountDeps = {
    accounts,
    privacy: services.privacy,
    limiter: services.limiter,
    secureCookies: secure,
    anonymousReaderId: knownAnonymousReaderId,
    links: services.links,
    membership: async (accountId: string) => {
      const [entitlements, subscription] = await Promise.all([
        services.billing.entitlements(accountId),
        services.billing.subscription(accountId),
      ]);
      return {
        entitlements: [...entitlements],
        subscription: subscription && subscriptionJson(subscription),
      };
    },
  };
  await app.register(accountRoutes, accountDeps);
  // The site chrome (publication name, sections) of the account and link pages.
  // A subscriber's header offers their account instead of "Subscribe".
  const shell = async (reader: { signedIn: boolean; path: string; accountId?: string | undefined }) => {
    const { accountId, ...chrome } = reader;
    const [settings, sections, entitlements] = await Promise.all([
      services.publication.settings(),
      services.content.sections(),
      accountId === undefined ? new Set<string>() : services.billing.entitlements(accountId),
    ]);
    return {
      chrome: { publicationName: settings.name, sections, ...chrome, subscribed: entitlements.size > 0 },
      timeZone: settings.timeZone,
    };
  };
  /** The site chrome of a page at `path`, for whoever sent `request`. */
  async function pageChrome(request: FastifyRequest, path: string) {
    const auth = await request.readerSession();
    const live = auth?.lookup.status === 'live' ? auth.lookup : undefined;
    return (await shell({ signedIn: live !== undefined, path, accountId: live?.account.id })).chrome;
  }
  await app.register(legalRoutes, { settings: services.settings, chrome: pageChrome });
  await app.register(accountPageRoutes, {
    ...accountDeps,
    shell,
    billingSection: accountBillingSection({ billing: services.billing, invoices: services.invoices }),
  });
  await app.register(subscriptionPageRoutes, {
    ...accountDeps,
    shell,
    billing: services.billing,
    plans: services.plans,
    stateOptions: selectableStates,
  });
  await app.register(linkRoutes, { ...accountDeps, shell });
  await app.register(invoiceRoutes, {
    invoices: services.invoices,
    shell,
    publicUrl: config.publicUrl,
  });
  await app.register(subscriptionRoutes, {
    billing: services.billing,
    gateway: services.payments.gateway,
    isStateCode,
  });
  if (services.payments.kind === 'sandbox') {
    await app.register(sandboxRoutes, { processor: services.payments.processor });
  } else if (services.payments.kind === 'razorpay') {
    await app.register(razorpayRoutes, {
      gateway: services.payments.gateway,
      publicationName: async () => (await services.publication.settings()).name,
    });
  }
  await app.register(adminArticleRoutes, {
    content: services.content,
    requireAdmin,
    publicUrl: config.publicUrl,
    now: () => services.clock.now(),
  });
  await app.register(adminPlanRoutes, { plans: services.plans, requireAdmin });
  await app.register(adminSubscriberRoutes, {
    billing: services.billing,
    requireAdmin,
  });
  await app.register(adminCouponRoutes, { coupons: services.coupons, requireAdmin });
  await app.register(settingsRoutes, {
    store: services.settings,
    requireAdmin,
    sections: [
      { key: publicationSettingsKey, schema: publicationSettingsSchema },
      { key: 'meter', schema: meterSettingsSchema },
      { key: 'paywall', schema: paywallSettingsSchema },
      { key: accountSettingsKey, schema: accountSettingsSchema },
      { key: billingSettingsKey, schema: billingSettingsSchema },
      { key: legalSettingsKey, schema: legalSettingsSchema },
    ],
  });
  // The outbox shows one-time links: a developer's tool, never served in production.
  if (config.nodeEnv !== 'production') await app.register(devOutboxRoutes, { mail: services.mail });
  return app;
}
