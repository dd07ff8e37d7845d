import { resolveArtifactDir } from '../../src/artifacts/artifact.js';
import { initBackend } from '../../src/backend/backend.js';
import { LlmrError } from '../../src/errors.js';
import { offPolicyEstimate } from '../../src/eval/offPolicy.js';
import { loggedDecisionsFromStore } from '../../src/eval/policyFromStore.js';
import { parsePolicy } from '../../src/policy/policy.js';
import { RouterPipeline } from '../../src/routers/RouterPipeline.js';
import { parseTimeArg } from '../../src/store/timeArg.js';
import type { CliContext } from '../cliContext.js';
import { jsonFlag, numberFlag } from '../cliContext.js';
import { withStore } from './store.js';

export function registerEvalPolicyCommands(ctx: CliContext): void {
  ctx
    .group('eval')
    .command('policy')
    .description('off-policy evaluation: how would a router + policy have done on the logged traffic (IPS, SNIPS, doubly robust, with bootstrap intervals)')
    .requiredOption('--from-store', 'read logged decisions (propensities) and feedback from the store')
    .requiredOption('--router <artifact>', 'the target router (artifact folder or name)')
    .option('--policy <json>', 'the target policy, e.g. \'{"kind":"willingness-to-pay","wtp":0.01}\' (default: the router\'s)', jsonFlag('--policy'))
    .option('--since <t>', 'logged decisions from this time on (ISO date or age: 30d)')
    .option('--replicates <n>', 'bootstrap resamples', numberFlag('--replicates'), 1000)
    .option('--seed <n>', 'bootstrap seed', numberFlag('--seed'), 0)
    .option('--json', 'print the result as JSON')
    .option('--store <url>', 'store URL (default LLMR_STORE_URL, else duckdb:data/store/llmr.duckdb)')
    .action(
      async (o: { router: string; policy?: Record<string, unknown>; since?: string; replicates: number; seed: number; json?: boolean; store?: string }) => {
        await initBackend(ctx.config.backend);
        const p = await RouterPipeline.load(resolveArtifactDir(o.router, ctx.config.modelsDir));
        const policy = o.policy ? parsePolicy(o.policy, '--policy') : p.defaultPolicy;
        const { rows, withoutPrompt, unusable } = await withStore(o, (s) =>
          loggedDecisionsFromStore(s, p, policy, { since: o.since ? parseTimeArg(o.since, '--since') : undefined }),
        );
        if (!rows.length)
          throw new LlmrError('no logged decisions with score feedback and stored prompts', {
            field: '--from-store',
            fix: `serve with --store-prompts and collect POST /feedback scores${withoutPrompt ? ` (${withoutPrompt} rated routes have no stored prompt)` : ''}`,
          });
        const r = offPolicyEstimate(rows, { replicates: o.replicates, seed: o.seed });
        if (o.json)
          return void process.stdout.write(
            JSON.stringify({ router: `${p.meta.name}/${p.meta.version}`, policy, ...r, withoutPrompt, unusable }, null, 2) + '\n',
          );
        const f = (x: number) => x.toFixed(4);
        const line = (name: string, e: { value: number; ci: { lo: number; hi: number } }) => `| ${name} | ${f(e.value)} | [${f(e.ci.lo)}, ${f(e.ci.hi)}] |`;
        process.stdout.write(
          [
            `target: ${p.meta.name}/${p.meta.version} with ${JSON.stringify(policy)} on ${r.n} logged decisions (target agrees with the log on ${(100 * r.support).toFixed(1)}%; effective sample size ${r.effectiveSampleSize.toFixed(0)})`,
            '',
            '| estimator | value | 95% CI |',
            '|---|---|---|',
            line('logging policy (observed mean)', r.logged),
            line('IPS', r.ips),
            line('SNIPS', r.snips),
            line('doubly robust', r.dr),
            line('direct (reward model only)', r.direct),
            ...(withoutPrompt || unusable
              ? ['', `left out: ${withoutPrompt} without stored prompt, ${unusable} answered by a model the target does not know`]
              : []),
          ].join('\n') + '\n',
        );
      },
    );
}
