import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const src = join(root, 'src');
const modules = join(src, 'modules');

/** The tables each module owns (db/schema.ts); no other module may name them in a statement. */
const owners: Record<string, readonly string[]> = {
  accounts: ['accounts', 'account_sessions', 'refresh_tokens', 'account_links'],
  'api-keys': ['api_keys'],
  content: ['sections', 'articles', 'article_search_docs'],
  coupons: ['coupons', 'coupon_redemptions', 'coupon_reservations'],
  epaper: ['epaper_editions', 'epaper_shares'],
  invoices: ['invoice_sequences', 'invoices', 'credit_note_sequences', 'credit_notes'],
  mail: ['mail_outbox'],
  metering: ['meter_periods', 'meter_reads'],
  partners: ['partner_offers', 'partner_codes'],
  newsletters: ['newsletters', 'newsletter_subscriptions', 'newsletter_issues', 'newsletter_deliveries'],
  analytics: ['analytics_events'],
  audit: ['audit_log'],
  staff: ['staff_members', 'staff_sessions', 'staff_invitations', 'staff_recovery_codes'],
  payments: [
    'sandbox_sessions',
    'sandbox_payment_methods',
    'sandbox_charges',
    'sandbox_refunds',
    'sandbox_webhooks',
  ],
  plans: ['plans', 'plan_prices'],
  queue: ['jobs'],
  'rate-limit': ['rate_limit_windows'],
  settings: ['settings'],
  subscriptions: [
    'checkouts',
    'subscriptions',
    'subscription_events',
    'payments',
    'webhook_events',
    'price_moves',
    'price_notices',
    'comp_grants',
    'refunds',
  ],
};

const statement =
  /\b(selectFrom|insertInto|updateTable|deleteFrom|innerJoin|leftJoin|rightJoin|fullJoin|mergeInto)\(\s*'([a-z_]+)/g;

const sources = (dir: string) =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.tsx?$/.test(file))
    .map((file) => join(dir, file));

/** Each statement in `files`: the file, and the table it names. */
function statementsIn(files: readonly string[]) {
  return files.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(statement)].map((match) => ({
      file: relative(src, file),
      table: match[2]!,
    })),
  );
}

describe('module boundaries', () => {
  it('lets no module name another module’s tables in a query', () => {
    const modulesFound = readdirSync(modules, { withFileTypes: true }).filter((entry) => entry.isDirectory());
    const crossings = modulesFound.flatMap(({ name }) =>
      statementsIn(sources(join(modules, name)))
        .filter(({ table }) => !(owners[name] ?? []).includes(table))
        .map(({ file, table }) => `${file} → ${table}`),
    );
    expect(statementsIn(sources(join(modules, 'subscriptions'))).length).toBeGreaterThan(20);
    expect(crossings).toEqual([]);
  });

  it('keeps every table owned by exactly one module', () => {
    const schema = readFileSync(join(src, 'db/schema.ts'), 'utf8');
    const body = schema.slice(schema.indexOf('export interface Database {'));
    const tables = [...body.slice(0, body.indexOf('}')).matchAll(/^\s+([a-z_]+):/gm)].map((m) => m[1]);
    expect(Object.values(owners).flat().sort()).toEqual([...tables].sort());
  });

  it('keeps the composition root and the web layer out of the tables', () => {
    const outside = [join(src, 'app.ts'), ...sources(join(src, 'web'))];
    expect(statementsIn(outside)).toEqual([]);
  });

  it('keeps every statement of the subscriptions module in its queries files', () => {
    const elsewhere = statementsIn(
      sources(join(modules, 'subscriptions')).filter((file) => !/\/queries[^/]*\.ts$/.test(file)),
    );
    expect(elsewhere).toEqual([]);
  });

  it('lints an import of another module’s internals as an error, and its index.ts as fine', async () => {
    const eslint = new ESLint({ cwd: root });
    const lint = async (code: string) => {
      const [result] = await eslint.lintText(code, {
        filePath: join(modules, 'subscriptions', 'pages', 'example.ts'),
      });
      return result!.messages.filter((m) => m.ruleId === 'masthead/module-boundaries');
    };
    const reaching = await lint("export { startWebSession } from '../../accounts/routes.js';\n");
    expect(reaching).toHaveLength(1);
    expect(reaching[0]!.severity).toBe(2);
    expect(reaching[0]!.message).toContain('accounts/index.js');
    expect(await lint("export { openFormSession } from '../../accounts/index.js';\n")).toEqual([]);
    // Inside a module, its own files are its own business.
    expect(await lint("export { subscriptionOf } from '../queries.js';\n")).toEqual([]);
  });
});
