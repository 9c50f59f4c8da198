import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build, createServices, type Services } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { fixedClock } from '../../src/kernel/clock.js';
import { seedDemo } from '../../src/seed/demo.js';

export const chromiumPath = '/usr/bin/chromium';

/** Debian's Chromium, headless, with everything that would phone home switched off. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface RunningServer {
  readonly baseUrl: string;
  readonly services: Services;
  /** The server's database, for checking what a journey left behind (what was charged). */
  readonly database: DatabaseHandle;
  close(): Promise<void>;
}

/** A port the OS says is free right now, so the config's publicUrl matches where we listen. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A real Masthead listening on 127.0.0.1: a fresh in-memory SQLite database, migrated and
 * seeded with the demo newsroom. The clock is fixed mid-month (after the newest demo story) so
 * that no run straddles a meter period and the banner's reset date is known.
 */
export async function startServer(at = '2026-11-20T06:30:00.000Z'): Promise<RunningServer> {
  const database = openDatabase('sqlite::memory:');
  await migrateToLatest(database);
  const port = await freePort();
  // The e-paper's files go to a directory of this server's own, removed on close.
  const dataDir = mkdtempSync(join(tmpdir(), 'masthead-e2e-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    NODE_ENV: 'test',
    SESSION_SECRET: 'e2e-secret-that-is-long-enough-0123456789',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: String(port),
    SEED_DEMO: 'false',
  });
  const clock = fixedClock(at);
  const services = createServices(config, { database, clock });
  await seedDemo(services);
  const app = await build(config, { database, clock });
  try {
    await app.listen({ host: '127.0.0.1', port });
  } catch (error) {
    await app.close();
    await database.destroy();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    baseUrl: config.publicUrl,
    services,
    database,
    async close() {
      await app.close();
      await database.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Collects what a smoke test should never see: console errors (CSP violations land here),
 * uncaught page errors and same-origin responses of 400 or more.
 */
export function watchForTrouble(page: Page, baseUrl: string): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    const source = message.location().url;
    // The browser asks for /favicon.ico on its own; Masthead serves none (a known gap, not
    // what this smoke test is about).
    if (source.endsWith('/favicon.ico')) return;
    if (message.type() === 'error') problems.push(`console: ${message.text()} [${source}]`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    // The browser fetches the icon on its own and drops it when the page moves on first.
    if (/\/favicon\.(svg|ico)$/.test(request.url()) && request.failure()?.errorText === 'net::ERR_ABORTED')
      return;
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
  });
  page.on('response', (response) => {
    if (response.url().startsWith(baseUrl) && response.status() >= 400) {
      problems.push(`HTTP ${response.status()}: ${response.url()}`);
    }
  });
  return problems;
}

/**
 * A stretch of `text` free of characters an HTML serialiser might escape (quotes,
 * ampersands, typographic marks), so that "not in the HTML" cannot pass merely because the
 * text was encoded differently.
 */
export function plainFragment(text: string, length = 60): string {
  const runs = text.match(/[A-Za-z0-9 ,.;:()-]+/g) ?? [];
  const longest = runs.reduce((best, run) => (run.trim().length > best.length ? run.trim() : best), '');
  if (longest.length < 20) throw new Error(`no usable plain-text fragment in: ${text.slice(0, 80)}…`);
  return longest.slice(0, length);
}

/** Whitespace-normalised text, for comparing innerText with seed paragraphs. */
export const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

/**
 * Devices on `browser`: each a fresh context (its own cookies), its page watched for console
 * errors and failed requests; `closeAll` closes every one opened.
 */
export function deviceFactory(browser: Browser, baseUrl: string) {
  const contexts: BrowserContext[] = [];
  return {
    async open(): Promise<{ page: Page; problems: string[] }> {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-IN' });
      contexts.push(context);
      const page = await context.newPage();
      return { page, problems: watchForTrouble(page, baseUrl) };
    },
    async closeAll(): Promise<void> {
      for (const context of contexts) await context.close().catch(() => undefined);
    },
  };
}
