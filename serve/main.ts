// HTTP service entry point: `node --import tsx serve/main.ts --router models/demo-knn [--ranker models/demo-ranker] [--port 8080]`
// (or `llmr serve`). Environment: LLMR_ROUTER, LLMR_RANKER, PORT, HOST, LLMR_BACKEND, LLMR_MODELS_DIR.
import { parseArgs } from 'node:util';
import { LlmrError } from '../src/errors.js';
import { configFromEnv } from '../src/config.js';
import { loadRankService } from './rankService.js';
import { runServer } from './run.js';

const { values } = parseArgs({ options: { router: { type: 'string' }, ranker: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } } });
const cfg = configFromEnv();
runServer({
  router: values.router ?? process.env.LLMR_ROUTER,
  ranker: values.ranker ?? process.env.LLMR_RANKER,
  port: Number(values.port ?? process.env.PORT ?? 8080),
  host: values.host ?? process.env.HOST ?? '127.0.0.1',
  modelsDir: cfg.modelsDir,
  backend: cfg.backend,
  loadRanker: loadRankService,
}).catch((e: unknown) => {
  process.stderr.write(`error: ${e instanceof LlmrError ? e.describe() : e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});
