import type { StoreKind } from './Store.js';

export type SqlValue = string | number | boolean | null;
export type SqlRow = Record<string, unknown>;

/** One open transaction (or the auto-commit connection): `$1`-style positional parameters in both dialects. */
export interface SqlExecutor {
  query(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
}

/** What SqlStore needs from a database: reads, transactions, a migration lock, and failure classification. */
export interface SqlDriver extends SqlExecutor {
  readonly kind: StoreKind;
  /** Where it points (no password). */
  readonly location: string;
  /** How many write transactions may run at once (DuckDB: 1 writer connection). */
  readonly writeConcurrency: number;
  /** Run fn in one transaction: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Run fn holding a lock that serialises migrations across processes sharing the database. */
  withMigrationLock<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** True when the error means "database unreachable, retry later" (not a bad query). */
  isUnavailable(e: unknown): boolean;
  close(): Promise<void>;
}

/** A simple FIFO mutex: one holder at a time. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
