import pg from 'pg';
import { LlmrError } from '../errors.js';
import { StoreUnavailableError } from './Store.js';
import type { SqlDriver, SqlExecutor, SqlRow, SqlValue } from './SqlDriver.js';

/** Connection-level failures: the database is down or unreachable (retry), not a bad statement. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

// BIGINT (int8) as a JS number: times in ms and counts fit in 2^53.
pg.types.setTypeParser(20, (v: string) => Number(v));

/**
 * PostgreSQL through a `pg` pool: several server replicas may share one database. `?schema=name` in the URL
 * puts the tables in that schema (created if missing); migrations take a transaction-scoped advisory lock so
 * replicas starting together apply each migration once.
 */
export class PostgresDriver implements SqlDriver {
  readonly kind = 'postgres' as const;
  readonly writeConcurrency: number;
  private constructor(
    readonly location: string,
    private readonly pool: pg.Pool,
    readonly schema: string | null,
  ) {
    this.writeConcurrency = Math.max(1, Math.min(8, (pool.options.max ?? 10) - 2));
  }

  static async open(url: string, opts: { max?: number; connectTimeoutMs?: number; queryTimeoutMs?: number } = {}): Promise<PostgresDriver> {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new LlmrError(`LLMR_STORE_URL is not a URL: ${url.replace(/:[^:@/]*@/, ':***@')}`, {
        field: 'LLMR_STORE_URL',
        fix: 'postgres://user[:password]@host:5432/database[?schema=name]',
      });
    }
    const schema = u.searchParams.get('schema');
    if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
      throw new LlmrError(`schema "${schema}" is not a plain lower-case identifier`, { field: 'LLMR_STORE_URL.schema', fix: 'use letters, digits and _ only' });
    u.searchParams.delete('schema');
    const pool = new pg.Pool({
      connectionString: u.toString(),
      max: opts.max ?? 10,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 3000,
      query_timeout: opts.queryTimeoutMs ?? 10_000,
      idleTimeoutMillis: 30_000,
      allowExitOnIdle: true,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    // A pool whose server went away emits 'error' on idle clients; without a listener that kills the process.
    pool.on('error', () => {});
    const location = `${u.protocol}//${u.username ? `${u.username}@` : ''}${u.host}${u.pathname}${schema ? `?schema=${schema}` : ''}`;
    const d = new PostgresDriver(location, pool, schema);
    if (schema) {
      try {
        await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      } catch (e) {
        // Two replicas creating the same schema at once: one wins, the other sees a unique violation.
        if ((e as { code?: string }).code !== '23505') throw d.wrap(e);
      }
    }
    return d;
  }

  private wrap(e: unknown): unknown {
    if (this.isUnavailable(e) && !(e instanceof StoreUnavailableError))
      return new StoreUnavailableError(`PostgreSQL store ${this.location} is unavailable: ${(e as Error).message}`, { cause: e });
    return e;
  }

  private async withClient<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let c: pg.PoolClient;
    try {
      c = await this.pool.connect();
    } catch (e) {
      throw this.wrap(e);
    }
    let broken = false;
    try {
      return await fn(c);
    } catch (e) {
      broken = this.isUnavailable(e);
      throw this.wrap(e);
    } finally {
      c.release(broken);
    }
  }

  query(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    return this.withClient(async (c) => (await c.query(sql, params as SqlValue[])).rows as SqlRow[]);
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.withClient(async (c) => {
      await c.query('BEGIN');
      try {
        const out = await fn({ query: async (sql, params = []) => (await c.query(sql, params as SqlValue[])).rows as SqlRow[] });
        await c.query('COMMIT');
        return out;
      } catch (e) {
        await c.query('ROLLBACK').catch(() => {});
        throw e;
      }
    });
  }

  withMigrationLock<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('llmr_migrations:' || current_schema()))`);
      return fn(tx);
    });
  }

  isUnavailable(e: unknown): boolean {
    if (e instanceof StoreUnavailableError) return true;
    const x = e as { code?: string; message?: string } | undefined;
    if (x?.code && (UNAVAILABLE_CODES.has(x.code) || x.code.startsWith('08'))) return true;
    return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|not queryable/i.test(
      x?.message ?? '',
    );
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }
}
