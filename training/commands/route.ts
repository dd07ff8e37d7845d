import { initBackend } from '../../src/backend/backend.js';
import { resolveArtifactDir } from '../../src/artifacts/artifact.js';
import { RouterPipeline } from '../../src/routers/RouterPipeline.js';
import { loadRankService } from '../../serve/rankService.js';
import { runServer } from '../../serve/run.js';
import type { CliContext } from '../cliContext.js';
import { addPolicyFlags, policyFromFlags, type PolicyFlags } from './policyFlags.js';

export function formatDecision(d: Awaited<ReturnType<RouterPipeline['route']>>): string {
  const lines = [`→ ${d.model}   (${d.reason})`, '', '  model                                   quality     cost/req USD   utility'];
  for (const c of d.ranked) lines.push(`  ${c.eligible ? ' ' : '×'}${c.model.padEnd(38)} ${c.quality.toFixed(4).padStart(8)}   ${c.cost.toExponential(3).padStart(12)}   ${c.utility.toFixed(5)}`);
  if (d.explanation?.neighbours) {
    lines.push('', '  nearest training prompts:');
    for (const n of d.explanation.neighbours.slice(0, 5)) lines.push(`    ${n.id}  sim ${n.similarity.toFixed(3)}${n.prompt !== undefined ? `  ${JSON.stringify(n.prompt.length > 80 ? `${n.prompt.slice(0, 79)}…` : n.prompt)}` : ''}`);
    if (!d.explanation.neighbours.some((n) => n.prompt !== undefined)) lines.push('    (train with --params \'{"keepPrompts":true}\' to see what these prompts were)');
  }
  return lines.join('\n');
}

export function registerRouteCommands(ctx: CliContext): void {
  addPolicyFlags(
    ctx.program
      .command('route')
      .description('choose a model for a prompt with a trained router')
      .argument('<prompt>', 'the prompt to route')
      .option('--router <artifact>', 'router artifact folder or name under the models dir', 'demo-knn')
      .option('--candidates <list>', 'comma-separated subset of models')
      .option('--explain', 'show nearest neighbours / reasons')
      .option('--json', 'print the full decision as JSON'),
  ).action(async (prompt: string, o: PolicyFlags & { router: string; candidates?: string; explain?: boolean; json?: boolean }) => {
    await initBackend(ctx.config.backend);
    const p = await RouterPipeline.load(resolveArtifactDir(o.router, ctx.config.modelsDir));
    const d = await p.route({ prompt, candidates: o.candidates?.split(',').map((s) => s.trim()), policy: policyFromFlags(o), explain: o.explain || o.json });
    process.stdout.write((o.json ? JSON.stringify(d, null, 2) : formatDecision(d)) + '\n');
  });

  ctx.program
    .command('serve')
    .description('start the HTTP service (POST /route, POST /rank)')
    .option('--router <artifact>', 'router artifact folder or name')
    .option('--ranker <artifact>', 'ranker artifact folder or name')
    .option('--port <n>', 'port', '8080')
    .option('--host <h>', 'interface', '127.0.0.1')
    .option('--store <url>', 'feedback store: duckdb:<file> or postgres://… (default LLMR_STORE_URL, else duckdb:data/store/llmr.duckdb)')
    .option('--no-store', 'no feedback store: no route records, no POST /feedback')
    .option('--store-prompts', 'keep prompt text in the store (needed to retrain on it); default: salted hash only (LLMR_STORE_PROMPTS)')
    .action(async (o: { router?: string; ranker?: string; port: string; host: string; store?: string | boolean; storePrompts?: boolean }) => {
      const store = o.store === false ? false : typeof o.store === 'string' ? o.store : undefined;
      await runServer({ router: o.router, ranker: o.ranker, port: Number(o.port), host: o.host, modelsDir: ctx.config.modelsDir, backend: ctx.config.backend, loadRanker: loadRankService, store, storePrompts: o.storePrompts || undefined });
      await new Promise(() => {});
    });
}
