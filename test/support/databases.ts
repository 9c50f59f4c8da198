import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';

export interface TestDialect {
  readonly name: 'sqlite' | 'postgres';
  /** A fresh, migrated, empty database of this dialect. */
  open(): Promise<DatabaseHandle>;
}

const sqlite: TestDialect = {
  name: 'sqlite',
  async open() {
    const handle = openDatabase('sqlite::memory:');
    await migrateToLatest(handle);
    return handle;
  },
};

/** Each PostgreSQL test database is a schema of its own, dropped when it is destroyed. */
function postgres(url: string): TestDialect {
  return {
    name: 'postgres',
    async open() {
      const schema = `t_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      await admin.end();
      const scoped = new URL(url);
      scoped.searchParams.set('options', `-c search_path=${schema}`);
      const handle = openDatabase(scoped.toString());
      await migrateToLatest(handle);
      return {
        ...handle,
        async destroy() {
          await handle.destroy();
          const cleanup = new pg.Client({ connectionString: url });
          await cleanup.connect();
          await cleanup.query(`drop schema ${schema} cascade`);
          await cleanup.end();
        },
      };
    },
  };
}

const postgresUrl = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined;

/** SQLite always; PostgreSQL when DATABASE_URL points at one. */
export const dialects: readonly TestDialect[] = postgresUrl ? [sqlite, postgres(postgresUrl)] : [sqlite];
