import type SQLite from 'better-sqlite3';
import { CompiledQuery, SqliteDialect, type DatabaseConnection, type Driver, type QueryResult } from 'kysely';

/**
 * Kysely's SQLite dialect with a driver that differs from Kysely's own in two ways, both for
 * the page-view path:
 *
 * - Its connection lock is a FIFO queue. Kysely's wakes every waiter on each release and lets
 *   them race for the lock again, so under 50 concurrent requests each query costs tens of
 *   microseconds of promise churn.
 * - Transactions begin IMMEDIATE (see `beginTransaction`).
 * - Statements are prepared once and reused (bounded; oldest dropped first). Kysely prepares
 *   every statement afresh, which costs more than running the queries a page view makes.
 *   Reuse is safe because better-sqlite3 runs each statement to completion synchronously.
 */
export class MastheadSqliteDialect extends SqliteDialect {
  readonly #database: SQLite.Database;

  constructor(database: SQLite.Database) {
    super({ database });
    this.#database = database;
  }

  override createDriver(): Driver {
    return new FifoSqliteDriver(this.#database);
  }
}

class FifoSqliteDriver implements Driver {
  readonly #connection: SqliteConnection;
  readonly #lock = new FifoLock();

  constructor(private readonly database: SQLite.Database) {
    this.#connection = new SqliteConnection(database);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#lock.acquire();
    return this.#connection;
  }

  // Masthead's transactions all write. Taking the write lock at the start means a second
  // process (another server, the CLI) waits out the busy timeout instead of failing when a
  // read lock cannot be upgraded.
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {
    this.#lock.release();
  }

  async destroy(): Promise<void> {
    this.database.close();
  }
}

class SqliteConnection implements DatabaseConnection {
  readonly #statements = new Map<string, SQLite.Statement>();

  constructor(
    private readonly database: SQLite.Database,
    private readonly capacity = 500,
  ) {}

  #prepare(sql: string): SQLite.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.database.prepare(sql);
      if (this.#statements.size >= this.capacity)
        this.#statements.delete(this.#statements.keys().next().value!);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const statement = this.#prepare(query.sql);
    const parameters = query.parameters as unknown[];
    if (statement.reader) return { rows: statement.all(parameters) as R[] };
    const { changes, lastInsertRowid } = statement.run(parameters);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  // eslint-disable-next-line require-yield -- part of the interface; Masthead never streams
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Masthead does not stream SQLite queries');
  }
}

/** A lock whose waiters are served in arrival order, each woken exactly once. */
class FifoLock {
  #held = false;
  readonly #waiters: (() => void)[] = [];

  acquire(): Promise<void> | void {
    if (!this.#held) {
      this.#held = true;
      return;
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#held = false;
  }
}
