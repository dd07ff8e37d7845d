import { initBackend } from '../../src/backend/backend.js';
import { retrain } from '../../src/store/retrain.js';
import { parseTimeArg } from '../../src/store/timeArg.js';
import type { CliContext } from '../cliContext.js';
import { numberFlag } from '../cliContext.js';
import { withStore } from './store.js';

export function registerRetrainCommands(ctx: CliContext): void {
  ctx.program
    .command('retrain')
    .description(
      'train a new version of a router on its original data + store feedback, compare with the serving version on recent held-out feedback, promote only when not worse',
    )
    .requiredOption('--router <name>', `router name under the models dir (${ctx.config.modelsDir})`)
    .option('--data <file>', "original training data (default: the serving artifact's trainingData.source)")
    .option('--no-original', 'train on store feedback only')
    .option('--since <t>', 'store feedback from this time on (ISO date or age: 90d)')
    .option('--half-life <days>', 'recency weighting: feedback this many days old counts half', numberFlag('--half-life'), 14)
    .option('--recent-weight <n>', 'copies of the freshest feedback row (older rows fewer, at least 1)', numberFlag('--recent-weight'), 2)
    .option('--holdout <fraction>', 'newest share of store score feedback held out for the comparison', numberFlag('--holdout'), 0.2)
    .option('--min-holdout <n>', 'refuse when fewer held-out rows', numberFlag('--min-holdout'), 20)
    .option('--margin <mse>', 'non-inferiority margin on held-out mean squared error', numberFlag('--margin'), 0.005)
    .option('--seed <n>', 'seed (training, bootstrap)', numberFlag('--seed'), 42)
    .option('--actor <who>', 'recorded in the model-versions table (default user@host)')
    .option('--dry-run', 'train and compare, never promote')
    .option('--json', 'print the result as JSON')
    .option('--store <url>', 'store URL (default LLMR_STORE_URL, else duckdb:data/store/llmr.duckdb)')
    .action(
      async (o: {
        router: string;
        data?: string;
        original: boolean;
        since?: string;
        halfLife: number;
        recentWeight: number;
        holdout: number;
        minHoldout: number;
        margin: number;
        seed: number;
        actor?: string;
        dryRun?: boolean;
        json?: boolean;
        store?: string;
      }) => {
        await initBackend(ctx.config.backend);
        const r = await withStore(o, (store) =>
          retrain({
            store,
            name: o.router,
            modelsDir: ctx.config.modelsDir,
            originalData: o.original === false ? null : o.data,
            since: o.since ? parseTimeArg(o.since, '--since') : undefined,
            halfLifeDays: o.halfLife,
            recentWeight: o.recentWeight,
            holdoutFraction: o.holdout,
            minHoldout: o.minHoldout,
            margin: o.margin,
            seed: o.seed,
            actor: o.actor,
            dryRun: o.dryRun,
            log: o.json ? undefined : (l) => process.stderr.write(`${l}\n`),
          }),
        );
        if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        else
          process.stdout.write(
            `${r.promoted ? 'PROMOTED' : 'REFUSED'} ${o.router}/${r.version} (serving was ${r.servingVersion}): ${r.reason}\n  artifact: ${r.dir}\n`,
          );
        if (!r.promoted) process.exitCode = 4;
      },
    );
}
