import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** PostgreSQL for tests: LLMR_TEST_POSTGRES_URL (default the local server); a unique schema per call, dropped by cleanup(). */
export const PG_URL = process.env.LLMR_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let reachable: Promise<string | null> | null = null;
/** null when reachable, else the reason. Under CI=true an unreachable server is a failure, not a skip. */
export function postgresUnavailable(): Promise<string | null> {
  reachable ??= (async () => {
    const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      return null;
    } catch (e) {
      return `PostgreSQL at ${PG_URL.replace(/:[^:@/]*@/, ':***@')} unreachable: ${(e as Error).message}`;
    } finally {
      await c.end().catch(() => {});
    }
  })();
  return reachable;
}

export async function skipUnlessPostgres(): Promise<boolean> {
  const why = await postgresUnavailable();
  if (why === null) return false;
  if (process.env.CI === 'true') throw new Error(`${why} (CI=true: PostgreSQL tests must run)`);
  console.warn(`[skip] ${why}`);
  return true;
}

export interface StoreTarget {
  url: string;
  cleanup(): Promise<void>;
}

export function duckdbTarget(): StoreTarget {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-store-'));
  return { url: `duckdb:${join(dir, 'llmr.duckdb')}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

export function postgresTarget(base = PG_URL): StoreTarget {
  const schema = `llmr_t_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const u = new URL(base);
  u.searchParams.set('schema', schema);
  return {
    url: u.toString(),
    cleanup: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    },
  };
}
