import { LlmrError } from '../src/errors.js';
import { storeConfigFromEnv } from '../src/store/openStore.js';
import { ApiKeys } from './auth.js';
import type { ServeOptions } from './server.js';

/** The serve flags as strings (commander / parseArgs), before validation. */
export interface ServeFlags {
  router?: string;
  ranker?: string;
  port?: string;
  host?: string;
  apiKeysFile?: string;
  adminKeysFile?: string;
  insecure?: boolean;
  rateLimit?: string;
  burst?: string;
  concurrency?: string;
  heavyConcurrency?: string;
  queueTimeout?: string;
  requestTimeout?: string;
  drainTimeout?: string;
  bodyLimit?: string;
  watch?: boolean;
  store?: string;
  storePrompts?: boolean;
  gateway?: string;
  online?: boolean;
}

/** Flag → description, shared by `llmr serve` and serve/main.ts. */
export const SERVE_FLAG_HELP: Record<keyof ServeFlags, string> = {
  router: 'router artifact folder or name (env LLMR_ROUTER)',
  ranker: 'ranker artifact folder or name (env LLMR_RANKER)',
  port: 'port (env PORT; 0 = any free port)',
  host: 'interface (env HOST); anything but loopback needs API keys or --insecure',
  apiKeysFile: 'file of sha256 key hashes, one per line, optional "admin" after a hash (plain keys: env LLMR_API_KEYS)',
  adminKeysFile: 'file of sha256 hashes of admin keys (plain: env LLMR_ADMIN_API_KEYS)',
  insecure: 'allow a non-loopback --host without API keys',
  rateLimit: 'requests/s per key (token bucket; env LLMR_RATE_LIMIT; default 100 with keys, off without); Redis-shared with LLMR_REDIS_URL',
  burst: 'bucket size per key (default 2 × rate)',
  concurrency: 'requests running at once in the light lane (default 32)',
  heavyConcurrency: 'requests running at once in the heavy lane: /route/batch, large /rank (default 2)',
  queueTimeout: 'longest wait in a lane queue, ms, then 503 + Retry-After (default 5000)',
  requestTimeout: 'request deadline, ms, then 503 (default 15000)',
  drainTimeout: 'SIGTERM: longest wait for requests in flight, ms (default 20000)',
  bodyLimit: 'largest JSON body (default 1mb)',
  watch: 'reload when a new version of the router/ranker appears in its folder',
  store: 'feedback store: duckdb:<file> | postgres://… | off (env LLMR_STORE_URL; default duckdb:data/store/llmr.duckdb): route records + POST /feedback',
  gateway: 'gateway config (JSON or YAML): also serve the OpenAI-compatible POST /v1/chat/completions and GET /v1/models',
  online:
    'online learning from feedback without retraining: kNN adds rated prompts to its memory, Elo applies preferences (needs --store-prompts); replayed from the store at start',
  storePrompts: 'keep prompt text in the store, needed to retrain on it (env LLMR_STORE_PROMPTS=true); default: salted hash only',
};

function int(flag: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new LlmrError(`--${flag} must be an integer between ${min} and ${max}, got "${v}"`, {
      field: `--${flag}`,
      code: 'bad_flag',
      fix: `e.g. --${flag} ${Math.max(min, Math.min(max, 10))}`,
    });
  return n;
}

function positive(flag: string, v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new LlmrError(`--${flag} must be a positive number, got "${v}"`, { field: `--${flag}`, code: 'bad_flag', fix: `e.g. --${flag} 50` });
  return n;
}

/** Validate flags + environment into ServeOptions; every mistake is one LlmrError naming the flag and the fix. */
export function serveOptionsFromFlags(f: ServeFlags, env: NodeJS.ProcessEnv = process.env): Omit<ServeOptions, 'loadRanker' | 'log' | 'modelsDir' | 'backend'> {
  const apiKeys = ApiKeys.from({ keys: env.LLMR_API_KEYS, adminKeys: env.LLMR_ADMIN_API_KEYS, file: f.apiKeysFile, adminFile: f.adminKeysFile });
  if (f.bodyLimit !== undefined && !/^\d+(b|kb|mb)?$/i.test(f.bodyLimit))
    throw new LlmrError(`--body-limit must look like 512kb or 1mb, got "${f.bodyLimit}"`, {
      field: '--body-limit',
      code: 'bad_flag',
      fix: 'e.g. --body-limit 1mb',
    });
  const rate = positive('rate-limit', f.rateLimit ?? env.LLMR_RATE_LIMIT) ?? (apiKeys.enabled ? 100 : undefined);
  const burst = positive('burst', f.burst);
  const queueTimeoutMs = int('queue-timeout', f.queueTimeout, 1, 600_000);
  const concurrency = int('concurrency', f.concurrency, 1, 10_000);
  const heavy = int('heavy-concurrency', f.heavyConcurrency, 1, 1_000);
  return {
    router: f.router ?? env.LLMR_ROUTER,
    ranker: f.ranker ?? env.LLMR_RANKER,
    port: int('port', f.port ?? env.PORT, 0, 65535) ?? 8080,
    host: f.host ?? env.HOST ?? '127.0.0.1',
    apiKeys,
    insecure: Boolean(f.insecure),
    rateLimit: rate ? { ratePerS: rate, burst: burst ?? Math.max(1, rate * 2) } : null,
    redisUrl: env.LLMR_REDIS_URL || undefined,
    lanes: {
      light: { ...(concurrency ? { concurrency } : {}), ...(queueTimeoutMs ? { queueTimeoutMs } : {}) },
      heavy: { ...(heavy ? { concurrency: heavy } : {}), ...(queueTimeoutMs ? { queueTimeoutMs } : {}) },
    },
    requestTimeoutMs: int('request-timeout', f.requestTimeout, 0, 3_600_000) ?? 15_000,
    drainTimeoutMs: int('drain-timeout', f.drainTimeout, 0, 3_600_000),
    bodyLimit: f.bodyLimit,
    watch: Boolean(f.watch),
    store: f.store === 'off' ? false : (f.store ?? storeConfigFromEnv(env).url),
    storePrompts: f.storePrompts || storeConfigFromEnv(env).storePrompts,
    gateway: f.gateway,
    online: Boolean(f.online),
  };
}
