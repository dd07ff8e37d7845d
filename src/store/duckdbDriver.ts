import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { StoreUnavailableError } from './Store.js';
import { Mutex, type SqlDriver, type SqlExecutor, type SqlRow, type SqlValue } from './SqlDriver.js';

/**
 * DuckDB embedded: one file, nothing to start. One writer connection (DuckDB allows one writing process per
 * file; transactions on it are serialised by a mutex) and one reader connection (MVCC: reads never wait for
 * the writer). Every COMMIT is written to the WAL before the promise resolves.
 */
export class DuckDbDriver implements SqlDriver {
  readonly kind = 'duckdb' as const;
  readonly writeConcurrency = 1;
  private readonly mutex = new Mutex();
  private closed = false;

  private constructor(
    readonly location: string,
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly reader: DuckDBConnection,
  ) {}

  static async open(path: string): Promise<DuckDbDriver> {
    const file = path === ':memory:' ? path : resolve(path);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(file);
    } catch (e) {
      const msg = (e as Error).message;
      if (/lock/i.test(msg))
        throw new StoreUnavailableError(`DuckDB file ${file} is locked by another process (DuckDB allows one server per file): ${msg.split('\n')[0]}`, {
          cause: e,
        });
      throw e;
    }
    const writer = await instance.connect();
    const reader = await instance.connect();
    return new DuckDbDriver(file, instance, writer, reader);
  }

  private static async exec(c: DuckDBConnection, sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    const r = await c.runAndReadAll(sql, params as SqlValue[]);
    return r.getRowObjectsJS() as SqlRow[];
  }

  query(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]> {
    this.check();
    return DuckDbDriver.exec(this.reader, sql, params);
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    this.check();
    return this.mutex.run(async () => {
      const tx: SqlExecutor = { query: (sql, params) => DuckDbDriver.exec(this.writer, sql, params) };
      await this.writer.run('BEGIN TRANSACTION');
      try {
        const out = await fn(tx);
        await this.writer.run('COMMIT');
        return out;
      } catch (e) {
        await this.writer.run('ROLLBACK').catch(() => {});
        throw e;
      }
    });
  }

  withMigrationLock<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    // One process per file: the file lock is the migration lock.
    return this.transaction(fn);
  }

  isUnavailable(e: unknown): boolean {
    return (
      e instanceof StoreUnavailableError || /IO Error|Could not set lock|database has been closed|connection was closed/i.test((e as Error)?.message ?? '')
    );
  }

  private check(): void {
    if (this.closed) throw new StoreUnavailableError('the DuckDB store is closed');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.mutex.run(async () => {
      this.closed = true;
      await this.writer.run('CHECKPOINT').catch(() => {});
      this.writer.closeSync();
      this.reader.closeSync();
      this.instance.closeSync();
    });
  }
}
