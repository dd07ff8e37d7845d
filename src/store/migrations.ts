import type { StoreKind } from './Store.js';

/**
 * Versioned schema migrations, applied in order at start (each in its own transaction, recorded in
 * `llmr_schema_migrations`). Never edit a released migration: append a new one. SQL is written once for
 * both dialects; `{double}` becomes DOUBLE (DuckDB) or DOUBLE PRECISION (PostgreSQL).
 */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'route records, feedback, model versions, settings',
    statements: [
      `CREATE TABLE IF NOT EXISTS llmr_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS llmr_route_records (
        route_id TEXT PRIMARY KEY,
        time_ms BIGINT NOT NULL,
        source TEXT NOT NULL,
        router_name TEXT,
        router_version TEXT,
        chosen_model TEXT NOT NULL,
        answered_model TEXT,
        cost_usd {double},
        latency_ms {double} NOT NULL,
        status TEXT NOT NULL,
        propensity {double},
        prompt_hash TEXT,
        user_id TEXT,
        record TEXT NOT NULL
      )`,
      `CREATE INDEX IF NOT EXISTS llmr_route_records_time ON llmr_route_records (time_ms)`,
      `CREATE INDEX IF NOT EXISTS llmr_route_records_user ON llmr_route_records (user_id)`,
      `CREATE TABLE IF NOT EXISTS llmr_feedback (
        feedback_id TEXT PRIMARY KEY,
        route_id TEXT,
        time_ms BIGINT NOT NULL,
        kind TEXT NOT NULL,
        model TEXT,
        score {double},
        winner TEXT,
        loser TEXT,
        tie BOOLEAN NOT NULL,
        prompt_hash TEXT,
        prompt TEXT,
        user_id TEXT
      )`,
      `CREATE INDEX IF NOT EXISTS llmr_feedback_route ON llmr_feedback (route_id)`,
      `CREATE INDEX IF NOT EXISTS llmr_feedback_time ON llmr_feedback (time_ms)`,
      `CREATE TABLE IF NOT EXISTS llmr_model_versions (
        id TEXT PRIMARY KEY,
        router_name TEXT NOT NULL,
        version TEXT NOT NULL,
        time_ms BIGINT NOT NULL,
        actor TEXT NOT NULL,
        step TEXT NOT NULL,
        data_digest TEXT,
        metrics TEXT NOT NULL,
        promoted BOOLEAN NOT NULL,
        reason TEXT NOT NULL,
        parent_version TEXT
      )`,
      `CREATE INDEX IF NOT EXISTS llmr_model_versions_router ON llmr_model_versions (router_name, time_ms)`,
    ],
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function dialect(sql: string, kind: StoreKind): string {
  return sql.replaceAll('{double}', kind === 'postgres' ? 'DOUBLE PRECISION' : 'DOUBLE');
}
