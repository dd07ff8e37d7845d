import { join } from 'node:path';
import { LlmrError } from '../errors.js';
import { DuckDbDriver } from './duckdbDriver.js';
import { PostgresDriver } from './postgresDriver.js';
import { SqlStore, type SqlStoreOptions } from './SqlStore.js';
import type { Store } from './Store.js';

/** Where the store lives when LLMR_STORE_URL is unset: one DuckDB file under the data folder. */
export function defaultStoreUrl(dataDir = process.env.LLMR_DATA_DIR ?? join('data', 'store')): string {
  return `duckdb:${join(dataDir, 'llmr.duckdb')}`;
}

/** Store options from the environment: LLMR_STORE_URL, LLMR_STORE_PROMPTS=true, LLMR_STORE_SALT. */
export function storeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): { url: string } & SqlStoreOptions {
  return {
    url: env.LLMR_STORE_URL || defaultStoreUrl(env.LLMR_DATA_DIR ?? join('data', 'store')),
    storePrompts: env.LLMR_STORE_PROMPTS === 'true' || env.LLMR_STORE_PROMPTS === '1',
    salt: env.LLMR_STORE_SALT || undefined,
  };
}

/**
 * Open a store by URL and apply migrations: `duckdb:<path>` (or a path ending in .duckdb, or `duckdb::memory:`)
 * or `postgres://user@host:5432/db[?schema=name]`.
 */
export async function openStore(url: string, opts: SqlStoreOptions = {}): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(url)) return SqlStore.open(await PostgresDriver.open(url), opts);
  const path = url.startsWith('duckdb:') ? url.slice('duckdb:'.length) : url.endsWith('.duckdb') ? url : null;
  if (path === null || path === '')
    throw new LlmrError(`store URL "${url.replace(/:[^:@/]*@/, ':***@')}" is neither duckdb:<file> nor postgres://…`, {
      field: 'LLMR_STORE_URL',
      fix: 'duckdb:data/store/llmr.duckdb (default) or postgres://user@host:5432/db',
    });
  return SqlStore.open(await DuckDbDriver.open(path), opts);
}
