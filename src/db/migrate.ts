import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { DatabaseHandle } from './database.js';
import * as m0001 from './migrations/0001-initial.js';
import * as m0002 from './migrations/0002-mail-outbox.js';
import * as m0003 from './migrations/0003-rate-limits.js';
import * as m0004 from './migrations/0004-accounts.js';
import * as m0005 from './migrations/0005-account-links.js';
import * as m0006 from './migrations/0006-billing.js';
import * as m0007 from './migrations/0007-mail-queue.js';
import * as m0008 from './migrations/0008-coupon-reservations.js';
import * as m0009 from './migrations/0009-article-body-format.js';
import * as m0010 from './migrations/0010-job-queue.js';
import * as m0011 from './migrations/0011-reading-benefits.js';
import * as m0012 from './migrations/0012-partner-offers.js';
import * as m0013 from './migrations/0013-epaper.js';
import * as m0014 from './migrations/0014-newsletters.js';
import * as m0017 from './migrations/0017-analytics-events.js';
import * as m0018 from './migrations/0018-newsroom.js';
import * as m0019 from './migrations/0019-price-moves.js';
import * as m0016 from './migrations/0016-comp-grants.js';
import * as m0020 from './migrations/0020-staff.js';
import * as m0021 from './migrations/0021-refunds.js';
import * as m0022 from './migrations/0022-article-benefit.js';
import * as m0023 from './migrations/0023-article-markdown.js';

/** Migrations are listed here in order; each is frozen once released. */
const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-mail-outbox': m0002,
  '0003-rate-limits': m0003,
  '0004-accounts': m0004,
  '0005-account-links': m0005,
  '0006-billing': m0006,
  '0007-mail-queue': m0007,
  '0008-coupon-reservations': m0008,
  '0009-article-body-format': m0009,
  '0010-job-queue': m0010,
  '0011-reading-benefits': m0011,
  '0012-partner-offers': m0012,
  '0013-epaper': m0013,
  '0014-newsletters': m0014,
  '0017-analytics-events': m0017,
  '0018-newsroom': m0018,
  '0019-price-moves': m0019,
  '0016-comp-grants': m0016,
  '0020-staff': m0020,
  '0021-refunds': m0021,
  '0022-article-benefit': m0022,
  '0023-article-markdown': m0023,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Brings the schema up to date; returns the names of the migrations it applied. */
export async function migrateToLatest(handle: DatabaseHandle): Promise<string[]> {
  // Migrations are frozen in time and so typed against no particular schema (Kysely's advice).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const db = handle.db as Kysely<any>;
  // On PostgreSQL the bookkeeping tables live in the connection's current schema; Kysely would
  // otherwise find another schema's copy and skip creating its own.
  const schema =
    handle.dialect === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
      : undefined;
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'masthead_migrations',
    migrationLockTableName: 'masthead_migrations_lock',
    ...(schema !== undefined && { migrationTableSchema: schema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
