import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { build, createServices, type Services } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import type { RedisHandle } from '../../src/db/redis.js';
import { fixedClock } from '../../src/kernel/clock.js';
import type { ArticleInput } from '../../src/modules/content/index.js';
import { demoPlans } from '../../src/seed/demo.js';
import type { TestDialect } from './databases.js';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly services: Services;
  readonly config: Config;
  readonly clock: ReturnType<typeof fixedClock>;
  readonly database: DatabaseHandle;
  /** An admin API key's Authorization header. */
  readonly admin: { authorization: string };
  close(): Promise<void>;
}

/** The sandbox gateway's parts (its processor and webhook dispatcher) of an app built with it. */
export function sandboxOf(t: Pick<TestApp, 'services'>) {
  const { payments } = t.services;
  if (payments.kind !== 'sandbox')
    throw new Error(`the app runs the ${payments.kind} gateway, not the sandbox`);
  return payments;
}

export const testSecret = 'test-secret-that-is-long-enough-0123456789';

/**
 * A Masthead app on a fresh database of `dialect`, with the five demo sections, the three
 * reference plans, an admin key and a clock fixed at `at`.
 */
export async function buildTestApp(
  dialect: TestDialect,
  options: {
    env?: Record<string, string>;
    at?: string;
    logger?: FastifyBaseLogger;
    redis?: RedisHandle;
    /** Leave out the five sections, as a fresh install without the demo has none. */
    noSections?: boolean;
  } = {},
): Promise<TestApp> {
  const database = await dialect.open();
  // Files (e-paper PDFs and pages) go to a directory of this app's own, removed on close.
  const dataDir = mkdtempSync(join(tmpdir(), 'masthead-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    SESSION_SECRET: testSecret,
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    ...options.env,
  });
  const clock = fixedClock(options.at ?? '2026-11-15T06:00:00.000Z');
  // The sandbox processor's webhooks reach the app over inject, as they would over HTTP.
  const built: { app?: FastifyInstance } = {};
  const services = createServices(config, {
    database,
    redis: options.redis,
    clock,
    ...(options.logger && { logger: options.logger }),
    deliverWebhook: async (body, headers) =>
      (await built.app!.inject({ method: 'POST', url: '/webhooks/sandbox', payload: body, headers }))
        .statusCode,
  });
  for (const [slug, name] of [
    ['politics', 'Politics'],
    ['markets', 'Markets'],
    ['world', 'World'],
    ['opinion', 'Opinion'],
    ['technology', 'Technology'],
  ] as const) {
    if (options.noSections) break;
    await services.content.createSection(slug, name);
  }
  for (const plan of demoPlans) await services.plans.create(plan);
  const { key } = await services.apiKeys.create('tests', 'admin');
  const app = (built.app = await build(config, { database, redis: options.redis, clock, services }));
  await app.ready();
  return {
    app,
    services,
    config,
    clock,
    database,
    admin: { authorization: `Bearer ${key}` },
    async close() {
      await app.close();
      await database.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let counter = 0;

/** An article input with sensible defaults; several paragraphs so a teaser and a rest exist. */
export function anArticle(overrides: Partial<ArticleInput> = {}): ArticleInput {
  counter++;
  return {
    headline: `Test article number ${counter}`,
    standfirst: `Standfirst of test article ${counter}.`,
    section: 'politics',
    access: 'metered',
    body: `<p>Opening paragraph ${counter}.</p><p>Second paragraph ${counter}.</p><p>Third paragraph ${counter}.</p>`,
    publishedAt: '2026-11-01T04:30:00.000Z',
    ...overrides,
  };
}
