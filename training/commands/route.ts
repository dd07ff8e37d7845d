import { initBackend } from '../../src/backend/backend.js';
import { resolveArtifactDir } from '../../src/artifacts/artifact.js';
import { decisionBody, RouterPipeline } from '../../src/routers/RouterPipeline.js';
import type { CliContext } from '../cliContext.js';
import { addPolicyFlags, policyFromFlags, type PolicyFlags } from './policyFlags.js';

export function formatDecision(d: Awaited<ReturnType<RouterPipeline['route']>>): string {
  const lines = [`→ ${d.model}   (${d.reason})`, '', '  model                                   quality     cost/req USD   utility'];
  for (const c of d.ranked)
    lines.push(
      `  ${c.eligible ? ' ' : '×'}${c.model.padEnd(38)} ${c.quality.toFixed(4).padStart(8)}   ${c.cost.toExponential(3).padStart(12)}   ${c.utility.toFixed(5)}`,
    );
  if (d.guard?.routedAsZero) lines.push('', `  guarded: the raw router would have chosen ${d.guard.routerChoice}`);
  if (d.explanation?.neighbours) {
    lines.push('', '  nearest training prompts:');
    for (const n of d.explanation.neighbours.slice(0, 5))
      lines.push(
        `    ${n.id}  sim ${n.similarity.toFixed(3)}${n.prompt !== undefined ? `  ${JSON.stringify(n.prompt.length > 80 ? `${n.prompt.slice(0, 79)}…` : n.prompt)}` : ''}`,
      );
    if (!d.explanation.neighbours.some((n) => n.prompt !== undefined))
      lines.push('    (train with --params \'{"keepPrompts":true}\' to see what these prompts were)');
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
      .option('--no-guard', "ignore the artifact's Zero-router guard (route by the raw router)")
      .option('--json', 'print the decision as JSON, the body POST /route returns'),
  ).action(async (prompt: string, o: PolicyFlags & { router: string; candidates?: string; explain?: boolean; json?: boolean; guard: boolean }) => {
    await initBackend(ctx.config.backend);
    const p = await RouterPipeline.load(resolveArtifactDir(o.router, ctx.config.modelsDir));
    const d = await p.route({
      prompt,
      candidates: o.candidates?.split(',').map((s) => s.trim()),
      policy: policyFromFlags(o),
      explain: o.explain || o.json,
      guard: o.guard,
    });
    process.stdout.write((o.json ? JSON.stringify(decisionBody(p, d), null, 2) : formatDecision(d)) + '\n');
  });
}
