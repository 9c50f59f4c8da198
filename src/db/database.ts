import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Database } from './schema.js';
import { MastheadSqliteDialect } from './sqlite-driver.js';

export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /**
   * Writes a consistent copy of an SQLite database to `file` while it is in use (SQLite's
   * online backup). PostgreSQL has its own tools (pg_dump), so this is undefined there.
   */
  readonly backup?: (file: string) => Promise<void>;
  destroy(): Promise<void>;
}

// PostgreSQL's bigint (count(*), sums) arrives as a string by default; every such value
// Masthead reads is a count or an amount in minor units, so a safe integer or a bug.
pg.types.setTypeParser(pg.types.builtins.INT8, (text) => {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`bigint ${text} exceeds the safe integer range`);
  return value;
});

/** Resolves once the database answers a query (the health check); throws when it does not. */
export async function databaseAnswers(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}

/** Opens the database named by a `sqlite:PATH` or `postgres://…` URL. */
export function openDatabase(url: string): DatabaseHandle {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length));
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', destroy: () => db.destroy() };
}

function openSqlite(path: string): DatabaseHandle {
  const inMemory = path === ':memory:';
  if (!inMemory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new SQLite(inMemory ? ':memory:' : resolve(path));
  // WAL lets readers proceed during a write; the busy timeout covers a second process
  // (the CLI) writing while the server runs.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new MastheadSqliteDialect(sqlite) });
  return {
    db,
    dialect: 'sqlite',
    backup: async (file) => {
      await sqlite.backup(resolve(file));
    },
    destroy: () => db.destroy(),
  };
}
