import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from './config/config.js';
import { createCaches } from './caches.js';
import { periodicJobs } from './jobs/schedule.js';
import { databaseAnswers, type DatabaseHandle } from './db/database.js';
import type { RedisHandle } from './db/redis.js';
import { systemClock, type Clock } from './kernel/clock.js';
import {
  accountMail,
  accountPageRoutes,
  accountRoutes,
  accountSettingsKey,
  accountSettingsSchema,
  createAccountLinks,
  createAccountPrivacy,
  createAccountService,
  linkRoutes,
  readerSessions,
} from './modules/accounts/index.js';
import { adsPageRoutes, adsSettingsKey, adsSettingsSchema, createAdService } from './modules/ads/index.js';
import { createApiKeyService } from './modules/api-keys/index.js';
import {
  createRateLimiter,
  createRedisRateLimitStore,
  createSqlRateLimitStore,
} from './modules/rate-limit/index.js';
import {
  adminArticlePageRoutes,
  adminArticleRoutes,
  adminSectionPageRoutes,
  adminImageRoutes,
  adminSectionRoutes,
  createContentService,
  createImageLibrary,
  imageRoutes,
} from './modules/content/index.js';
import {
  billingSettingsKey,
  billingSettingsSchema,
  createInvoiceService,
  adminCreditNoteRoutes,
  invoiceRoutes,
  isStateCode,
  selectableStates,
} from './modules/invoices/index.js';
import { legalRoutes, legalSettingsKey, legalSettingsSchema } from './modules/legal/index.js';
import {
  adminEpaperRoutes,
  createEpaperService,
  epaperPageRoutes,
  epaperRoutes,
} from './modules/epaper/index.js';
import {
  adminMailTemplateRoutes,
  createMailCopy,
  createMailer,
  devOutboxRoutes,
  joinMailCatalogues,
  mailPageRoutes,
} from './modules/mail/index.js';
import {
  accountNewsletterSection,
  adminNewsletterRoutes,
  newsletterAdminPageRoutes,
  createNewsletterService,
  newsletterApiRoutes,
  newsletterMail,
  newsletterPageRoutes,
  oneClickUnsubscribeRoute,
} from './modules/newsletters/index.js';
import { createMeterService, createRedisMeterStore, createSqlMeterStore } from './modules/metering/index.js';
import {
  adminPaywallPreviewRoutes,
  archiveSettingsSchema,
  createPaywallService,
  crawlerVerifier,
  meterSettingsCheck,
  meterSettingsSchema,
  paywallPageRoutes,
  paywallSettingsSchema,
} from './modules/paywall/index.js';
import { adminCouponRoutes, couponPageRoutes, createCouponService } from './modules/coupons/index.js';
import { choosePaymentGateway, type WebhookDeliverer } from './modules/payments/index.js';
import {
  accountBillingSection,
  accountMembership,
  billingPrivacy,
  adminPriceMoveRoutes,
  adminSubscribePreviewRoutes,
  adminReaderRoutes,
  adminRefundRoutes,
  adminSubscriberRoutes,
  billingMail,
  createBilling,
  createBillingNotices,
  createSupportDesk,
  readerPageRoutes,
  maxNoticeDays,
  minNoticeDays,
  subscribePlansHtml,
  subscriptionPageRoutes,
  subscriptionRoutes,
} from './modules/subscriptions/index.js';
import { adminPlanRoutes, benefitKeys, createPlanService, planPageRoutes } from './modules/plans/index.js';
import {
  accountPartnerSection,
  createPartnerService,
  PARTNER_ACCESS,
  partnerAdminPageRoutes,
  partnerMail,
  partnerNoticeKey,
  partnerPageRoutes,
  partnerRoutes,
} from './modules/partners/index.js';
import {
  createPublicationService,
  publicationSettingsKey,
  publicationSettingsSchema,
} from './modules/publication/index.js';
import {
  adminWirePageRoutes,
  adminWireRoutes,
  createWireService,
  feedMaxBytes,
} from './modules/wire/index.js';
import {
  adminJobRoutes,
  createJobQueue,
  createJobWorker,
  jobPageRoutes,
  type JobHandler,
} from './modules/queue/index.js';
import { createReadingService, readingRoutes } from './modules/reading/index.js';
import {
  adminAnalyticsRoutes,
  analyticsPageRoutes,
  createAnalyticsService,
} from './modules/analytics/index.js';
import { createSettingsChanges, createSettingsStore, settingsRoutes } from './modules/settings/index.js';
import { adminAuditRoutes, createAuditLog } from './modules/audit/index.js';
import {
  adminStaffRoutes,
  createStaffService,
  staffGuard,
  staffMail,
  staffPageRoutes,
} from './modules/staff/index.js';
import type { AdminNavItem } from './web/admin/shell.js';
import { registerErrorHandling } from './web/errors.js';
import { registerHttpBasics } from './web/http-basics.js';
import { createReaderContext } from './web/reader-context.js';
import { knownAnonymousReaderId } from './web/reader-identity.js';
import { sameOriginGuard } from './web/same-origin.js';

export interface BuildOptions {
  readonly database: DatabaseHandle;
  /** Redis (`REDIS_URL`): the meter and the attempt limits live there, shared by instances. */
  readonly redis?: RedisHandle | undefined;
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
    settings,
    dialect: options.database.dialect,
    clock,
    caches: { sections: caches.sections, articles: caches.articles, bodies: caches.articleBodies },
  });
  // The newsroom's uploaded images, under the data directory.
  const images = createImageLibrary({ dataDir: config.dataDir });
  const { redis } = options;
  // The meter and the attempt limits count in Redis when there is one, else in the database.
  const meter = createMeterService({
    store: redis ? createRedisMeterStore(redis) : createSqlMeterStore(db),
    clock,
  });
  const publication = createPublicationService({ settings });
  const plans = createPlanService({ db, clock, cache: caches.activePlans });
  const paywall = createPaywallService({
    meter,
    clock,
    plans,
    settings,
    publication,
    isVerifiedCrawler: crawlerVerifier(config.crawlerCidrs),
    links: { login: '/login', subscribe: '/subscribe' },
  });
  const accounts = createAccountService({ db, clock, settings, meter, publication });
  // Work done in the background, durably: each module's handlers are listed once, below.
  const handlers: JobHandler<unknown>[] = [];
  const queue = createJobQueue({
    db,
    clock,
    maxAttempts: (kind) => handlers.find((handler) => handler.kind === kind)?.maxAttempts,
  });
  const mailTemplates = joinMailCatalogues(
    joinMailCatalogues(joinMailCatalogues(accountMail, billingMail), partnerMail),
    joinMailCatalogues(newsletterMail, staffMail),
  );
  // The publisher's copy of the mail, kept with the settings and edited at /admin/mail.
  const mailCopy = createMailCopy({
    settings,
    templates: mailTemplates,
    groups: [
      { label: 'Accounts', names: Object.keys(accountMail) },
      { label: 'Billing', names: Object.keys(billingMail) },
      { label: 'Newsletters', names: Object.keys(newsletterMail) },
      { label: 'Partner offers', names: Object.keys(partnerMail) },
      { label: 'Staff', names: Object.keys(staffMail) },
    ],
    publicationName: async () => (await publication.settings()).name,
  });
  const mail = createMailer({
    db,
    clock,
    publication,
    jobs: queue,
    templates: mailTemplates,
    copy: mailCopy,
    warn: (message) => logger.warn(message),
    smtpUrl: config.smtpUrl,
    from: config.mailFrom,
  });
  const coupons = createCouponService({ db, clock, plans, publication });
  const invoices = createInvoiceService({ db, clock, settings });
  // The chosen provider brings its gateway, the pages it serves and the jobs it needs.
  const payments = choosePaymentGateway(config.paymentGateway, {
    db,
    clock,
    publicUrl: config.publicUrl,
    sessionSecret: config.sessionSecret,
    publicationName: async () => (await publication.settings()).name,
    deliverWebhook: options.deliverWebhook,
  });
  const billing = createBilling({
    db,
    clock,
    gateway: payments.gateway,
    accounts,
    catalogue: { plans, coupons, tax: invoices },
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
  const partners = createPartnerService({
    db,
    clock,
    // The paywall decides, over the account's entitlements: no module looks at them itself.
    benefit: async (accountId) =>
      paywall.benefit({ entitlements: await billing.entitlements(accountId) }, PARTNER_ACCESS),
    mailer: mail,
    publication,
    publicUrl: config.publicUrl,
    log: logger,
  });
  const limiter = createRateLimiter({
    store: redis ? createRedisRateLimitStore(redis) : createSqlRateLimitStore(db),
    clock,
  });
  const links = createAccountLinks({
    db,
    clock,
    mailer: mail,
    accounts,
    publication,
    publicUrl: config.publicUrl,
  });
  // The e-paper: uploaded editions, drawn page by page by the queue's worker.
  const epaper = createEpaperService({
    db,
    clock,
    queue,
    publication,
    dataDir: config.dataDir,
    publicUrl: config.publicUrl,
  });
  // Curated newsletters: issues sent in durable batches by the queue's worker.
  const newsletters = createNewsletterService({
    db,
    clock,
    sources: { content, publication },
    readers: {
      accounts,
      entitlementsOfMany: (accountIds) => billing.entitlementsOfMany(accountIds),
      paywall,
    },
    delivery: { mail, queue },
    options: { publicUrl: config.publicUrl, secret: config.sessionSecret, mailFrom: config.mailFrom.address },
  });
  // Paywall impressions and checkout starts, written in batches; the figures over them and
  // billing's facts (subscriptions, payments, refunds, comps).
  const analytics = createAnalyticsService({
    db,
    clock,
    billing: {
      subscriptionsBetween: (from, to) => billing.reporting.subscriptionsBetween(from, to),
      paymentsBetween: (from, to) => billing.reporting.paymentsBetween(from, to),
      refundsBetween: (from, to) => billing.refundsBetween(from, to),
      compsBetween: (from, to) => billing.compsBetween(from, to),
    },
    articles: { find: (idOrSlug) => content.findPublished(idOrSlug) },
    log: logger,
  });
  const privacy = createAccountPrivacy({
    db,
    clock,
    meter,
    publication,
    mail,
    billing: billingPrivacy({ billing, invoices }),
  });
  handlers.push(...mail.handlers, ...epaper.handlers, ...newsletters.handlers, ...content.handlers);
  return {
    clock,
    logger,
    caches,
    settings,
    content,
    images,
    // Wire import: feed items become syndicated articles through the content service.
    wire: createWireService({
      content,
      clock,
      limits: {
        allowHosts: config.wireAllowHosts,
        maxBytes: feedMaxBytes,
        timeoutMs: 10_000,
        maxRedirects: 3,
      },
    }),
    meter,
    paywall,
    plans,
    coupons,
    publication,
    reading: createReadingService({ content, paywall }),
    ads: createAdService({ settings, paywall }),
    accounts,
    privacy,
    /** Support's work on readers: the admin API and the admin's reader pages act through it. */
    supportDesk: createSupportDesk({ billing, accounts, invoices, meter, privacy }),
    limiter,
    apiKeys: createApiKeyService({ db, clock }),
    staff: createStaffService({ db, clock, settings, mailer: mail, publicUrl: config.publicUrl }),
    audit: createAuditLog({ db, clock }),
    invoices,
    payments,
    billing,
    mail,
    mailCopy,
    links,
    epaper,
    newsletters,
    queue,
    /** Runs the queue's jobs (`server.ts` starts it; `masthead queue run` drains the queue). */
    worker: createJobWorker({
      db,
      dialect: options.database.dialect,
      clock,
      handlers,
      log: logger,
    }),
    partners,
    analytics,
    /** Everything done on a timer (`server.ts` starts them; `masthead jobs run` runs one). */
    jobs: periodicJobs({
      billing,
      epaper,
      queue,
      limiter,
      accounts,
      links,
      meter,
      publication,
      payments,
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
  const secure = config.publicUrl.startsWith('https://');
  // Who is reading, what they may read, and the chrome of every reader page.
  const readers = createReaderContext({
    entitlements: (accountId) => services.billing.entitlements(accountId),
    publication: services.publication,
    content: services.content,
    secureCookies: secure,
  });
  // Error pages for readers carry the site's header, sections and search.
  registerErrorHandling(app, { chrome: (request) => readers.pageChrome(request, '/') });

  // Cookies, forms, security headers, static assets and the OpenAPI document.
  await registerHttpBasics(app, { sessionSecret: config.sessionSecret, publicUrl: config.publicUrl });
  // Before any admin route: it refuses to register one that declares no staff access.
  await app.register(staffGuard, { staff: services.staff, apiKeys: services.apiKeys, audit: services.audit });

  app.get('/healthz', async () => {
    await databaseAnswers(options.database.db);
    await options.redis?.ping();
    return { status: 'ok' };
  });

  // The RFC 8058 one-click unsubscribe is posted by mail providers, from anywhere, by design.
  app.addHook('onRequest', sameOriginGuard(config.publicUrl, { exemptPosts: [oneClickUnsubscribeRoute] }));

  const { accounts } = services;
  // Every request can ask for its reader's session: looked up once, whoever asks.
  await app.register(readerSessions, { accounts });
  await app.register(readingRoutes, {
    content: services.content,
    paywall: services.paywall,
    plans: services.plans,
    publication: services.publication,
    reading: services.reading,
    resolveReader: readers.resolveReader,
    signedIn: readers.signedIn,
    subscribed: readers.subscribed,
    publicUrl: config.publicUrl,
    pageCache: services.caches.articlePages,
    now: () => services.clock.now(),
    adSlot: async (request) => services.ads.slotFor({ entitlements: await readers.entitlements(request) }),
    paywallImpressions: services.analytics.recorder,
  });
  // Events still buffered are written before the app (and its database) goes away.
  app.addHook('onClose', () => services.analytics.close());
  const accountDeps = {
    accounts,
    privacy: services.privacy,
    limiter: services.limiter,
    secureCookies: secure,
    anonymousReaderId: knownAnonymousReaderId,
    links: services.links,
    membership: accountMembership(services.billing),
  };
  const { shell } = readers;
  await app.register(accountRoutes, accountDeps);
  await app.register(legalRoutes, { settings: services.settings, chrome: readers.pageChrome });
  await app.register(accountPageRoutes, {
    ...accountDeps,
    shell,
    billingSection: accountBillingSection({ billing: services.billing, invoices: services.invoices }),
    sections: [
      { key: partnerNoticeKey, render: accountPartnerSection({ partners: services.partners }) },
      {
        key: 'newsletters',
        render: accountNewsletterSection({
          newsletters: services.newsletters,
          accounts,
          entitlements: (accountId) => services.billing.entitlements(accountId),
          paywall: services.paywall,
        }),
      },
    ],
  });
  await app.register(newsletterPageRoutes, {
    newsletters: services.newsletters,
    entitlements: (accountId) => services.billing.entitlements(accountId),
    paywall: services.paywall,
    limiter: services.limiter,
    chrome: readers.pageChrome,
  });
  await app.register(newsletterApiRoutes, {
    newsletters: services.newsletters,
    entitlements: (accountId) => services.billing.entitlements(accountId),
  });
  await app.register(partnerPageRoutes, { partners: services.partners });
  await app.register(subscriptionPageRoutes, {
    ...accountDeps,
    shell,
    billing: services.billing,
    plans: services.plans,
    stateOptions: selectableStates,
    checkoutStarts: services.analytics.recorder,
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
    anonymousReaderId: knownAnonymousReaderId,
    checkoutStarts: services.analytics.recorder,
  });
  // The provider's own pages: the sandbox's card page, Razorpay's checkout page.
  await app.register(services.payments.routes);
  await app.register(adminArticleRoutes, {
    content: services.content,
    publicUrl: config.publicUrl,
    now: () => services.clock.now(),
    benefits: benefitKeys,
  });
  await app.register(epaperRoutes, {
    epaper: services.epaper,
    paywall: services.paywall,
    publication: services.publication,
    account: readers.account,
    chrome: readers.pageChrome,
    publicUrl: config.publicUrl,
  });
  await app.register(adminEpaperRoutes, {
    epaper: services.epaper,
    maxBytes: config.epaperMaxBytes,
  });
  await app.register(adminSectionRoutes, { content: services.content, benefits: benefitKeys });
  await app.register(adminImageRoutes, {
    images: services.images,
    publicUrl: config.publicUrl,
  });
  await app.register(imageRoutes, { images: services.images });
  await app.register(adminWireRoutes, { wire: services.wire });
  await app.register(adminPlanRoutes, { plans: services.plans });
  await app.register(adminPriceMoveRoutes, { billing: services.billing });
  await app.register(adminSubscribePreviewRoutes, { plans: services.plans });
  await app.register(adminPaywallPreviewRoutes, { paywall: services.paywall });
  await app.register(adminMailTemplateRoutes, { copy: services.mailCopy });
  await app.register(adminSubscriberRoutes, {
    billing: services.billing,
  });
  await app.register(adminRefundRoutes, { billing: services.billing, publicUrl: config.publicUrl });
  await app.register(adminCreditNoteRoutes, { invoices: services.invoices, publicUrl: config.publicUrl });
  await app.register(adminAnalyticsRoutes, { analytics: services.analytics });
  await app.register(adminReaderRoutes, { desk: services.supportDesk, publicUrl: config.publicUrl });
  await app.register(adminNewsletterRoutes, { newsletters: services.newsletters });
  await app.register(adminCouponRoutes, { coupons: services.coupons });
  await app.register(adminJobRoutes, { queue: services.queue });
  await app.register(partnerRoutes, { partners: services.partners });
  // Settings are changed through one service, by the admin API and the admin's pages alike.
  const settingsChanges = createSettingsChanges({
    store: services.settings,
    sections: [
      { key: publicationSettingsKey, schema: publicationSettingsSchema },
      {
        key: 'meter',
        schema: meterSettingsSchema,
        staff: ['marketer'],
        check: meterSettingsCheck(() => services.content.sections()),
      },
      { key: 'paywall', schema: paywallSettingsSchema, staff: ['marketer'] },
      { key: 'archives', schema: archiveSettingsSchema, staff: ['marketer'] },
      { key: accountSettingsKey, schema: accountSettingsSchema },
      { key: billingSettingsKey, schema: billingSettingsSchema },
      { key: legalSettingsKey, schema: legalSettingsSchema },
      { key: adsSettingsKey, schema: adsSettingsSchema, staff: ['marketer'] },
    ],
  });
  await app.register(settingsRoutes, { changes: settingsChanges });
  await app.register(adminStaffRoutes, { staff: services.staff });
  await app.register(adminAuditRoutes, { audit: services.audit });
  // The admin's pages; each module with pages adds its entry to the navigation.
  const adminNav: AdminNavItem[] = [
    { href: '/admin/articles', label: 'Articles', staff: ['editor'] },
    { href: '/admin/sections', label: 'Sections', staff: ['editor'] },
    { href: '/admin/front-page', label: 'Front page', staff: ['editor'] },
    { href: '/admin/wire', label: 'Wire import', staff: ['editor'] },
    { href: '/admin/newsletters', label: 'Newsletters', staff: ['editor'] },
    { href: '/admin/epaper', label: 'E-paper', staff: ['editor'] },
    { href: '/admin/staff', label: 'Staff', staff: ['owner'] },
    { href: '/admin/audit', label: 'Audit log', staff: ['owner'] },
    { href: '/admin/paywall', label: 'Paywall', staff: ['marketer'] },
    { href: '/admin/mail', label: 'Mail copy', staff: ['marketer'] },
    { href: '/admin/plans', label: 'Plans', staff: ['marketer'] },
    { href: '/admin/coupons', label: 'Coupons', staff: ['marketer'] },
    { href: '/admin/ads', label: 'Ads', staff: ['marketer'] },
    { href: '/admin/partners', label: 'Partner offers', staff: ['marketer'] },
    { href: '/admin/readers', label: 'Readers', staff: ['support'] },
    { href: '/admin/analytics', label: 'Analytics', staff: ['owner'] },
    { href: '/admin/jobs', label: 'Job queue', staff: ['owner'] },
  ];
  await app.register(staffPageRoutes, {
    staff: services.staff,
    audit: services.audit,
    limiter: services.limiter,
    secureCookies: secure,
    publicationName: async () => (await services.publication.settings()).name,
    nav: adminNav,
  });
  await app.register(paywallPageRoutes, {
    paywall: services.paywall,
    settings: services.settings,
    changes: settingsChanges,
    sections: () => services.content.sections(),
    nav: adminNav,
  });
  await app.register(adminArticlePageRoutes, {
    content: services.content,
    images: services.images,
    publicUrl: config.publicUrl,
    timeZone: async () => (await services.publication.settings()).timeZone,
    nav: adminNav,
    now: () => services.clock.now(),
    benefits: benefitKeys,
    teaserParagraphs: async () =>
      (await services.settings.read('paywall', paywallSettingsSchema)).teaserParagraphs,
  });
  await app.register(planPageRoutes, {
    plans: services.plans,
    priceMoves: {
      move: (input) => services.billing.movePrice(input),
      list: (planId) => services.billing.priceMoves(planId),
      minNoticeDays,
      maxNoticeDays,
    },
    subscribePreview: subscribePlansHtml,
    nav: adminNav,
  });
  await app.register(couponPageRoutes, { coupons: services.coupons, plans: services.plans, nav: adminNav });
  await app.register(newsletterAdminPageRoutes, {
    newsletters: services.newsletters,
    articles: {
      recent: () => services.content.listPublished({ limit: 20 }),
      find: (idOrSlug) => services.content.findPublished(idOrSlug),
    },
    timeZone: async () => (await services.publication.settings()).timeZone,
    now: () => services.clock.now(),
    nav: adminNav,
  });
  await app.register(partnerAdminPageRoutes, { partners: services.partners, nav: adminNav });
  await app.register(adminSectionPageRoutes, {
    content: services.content,
    benefits: benefitKeys,
    nav: adminNav,
  });
  await app.register(adminWirePageRoutes, {
    wire: services.wire,
    sections: () => services.content.sections(),
    nav: adminNav,
  });
  await app.register(epaperPageRoutes, {
    epaper: services.epaper,
    maxBytes: config.epaperMaxBytes,
    nav: adminNav,
  });
  await app.register(readerPageRoutes, {
    desk: services.supportDesk,
    billing: services.billing,
    plans: services.plans,
    nav: adminNav,
  });
  await app.register(jobPageRoutes, { queue: services.queue, nav: adminNav });
  await app.register(adsPageRoutes, { settings: services.settings, changes: settingsChanges, nav: adminNav });
  await app.register(analyticsPageRoutes, {
    analytics: services.analytics,
    now: () => services.clock.now(),
    nav: adminNav,
  });
  await app.register(mailPageRoutes, { copy: services.mailCopy, nav: adminNav });
  // The outbox shows one-time links: a developer's tool, never served in production.
  if (config.nodeEnv !== 'production') await app.register(devOutboxRoutes, { mail: services.mail });
  return app;
}
