// HTTP service entry point: `node --import tsx serve/main.ts --router models/demo-knn [--ranker models/demo-ranker] [--port 8080]`
// (or `llmr serve`). Environment: LLMR_ROUTER, LLMR_RANKER, PORT, HOST, LLMR_BACKEND, LLMR_MODELS_DIR,
// LLMR_API_KEYS, LLMR_ADMIN_API_KEYS, LLMR_RATE_LIMIT, LLMR_REDIS_URL.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { configFromEnv } from '../src/config.js';
import { LlmrError } from '../src/errors.js';
import { loadRankService } from './rankService.js';
import { runServer } from './run.js';
import { SERVE_FLAG_HELP, type ServeFlags, serveOptionsFromFlags } from './serveConfig.js';

const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const BOOL = new Set(['insecure', 'watch', 'storePrompts', 'online']);

function fail(e: unknown): never {
  process.stderr.write(
    `error: ${e instanceof LlmrError ? [e.message, e.fix && `fix: ${e.fix}`].filter(Boolean).join(' — ') : e instanceof Error ? e.message : String(e)}\n`,
  );
  process.exit(2);
}

try {
  const options = Object.fromEntries(Object.keys(SERVE_FLAG_HELP).map((k) => [kebab(k), { type: BOOL.has(k) ? 'boolean' : 'string' }])) as NonNullable<
    ParseArgsConfig['options']
  >;
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ options, strict: true }).values;
  } catch (e) {
    throw new LlmrError((e as Error).message, {
      code: 'bad_flag',
      fix: `flags: ${Object.keys(SERVE_FLAG_HELP)
        .map((k) => `--${kebab(k)}`)
        .join(' ')}`,
    });
  }
  const flags = Object.fromEntries(Object.keys(SERVE_FLAG_HELP).map((k) => [k, values[kebab(k)]])) as ServeFlags;
  const cfg = configFromEnv();
  runServer({ ...serveOptionsFromFlags(flags), modelsDir: cfg.modelsDir, backend: cfg.backend, loadRanker: loadRankService }).catch(fail);
} catch (e) {
  fail(e);
}
