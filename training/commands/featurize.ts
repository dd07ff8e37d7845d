import { writeFileSync } from 'node:fs';
import { readRecords } from '../../src/data/readRecords.js';
import { cachedTransform, EmbeddingCache } from '../../src/featurizers/EmbeddingCache.js';
import type { Featurizer } from '../../src/featurizers/Featurizer.js';
import { createFeaturizer, DEFAULT_FEATURIZER, featurizerNames, usesModel, type FeaturizerChoice } from '../../src/featurizers/registry.js';
import { flatten, vectorsToArrowIPC } from '../../src/featurizers/vectorsToArrow.js';
import type { LlmrConfig } from '../../src/config.js';
import type { CliContext } from '../cliContext.js';
import { jsonFlag } from '../cliContext.js';

/** Model-backed featurizers go through the persistent embedding cache; hashing and text statistics are cheaper to recompute. */
export function transformFor(
  choice: FeaturizerChoice,
  cfg: LlmrConfig,
  useCache: boolean,
): ((f: Featurizer, t: string[]) => Promise<Float32Array[]>) | undefined {
  if (!useCache || !usesModel(choice)) return undefined;
  const cache = new EmbeddingCache({ cacheDir: cfg.cacheDir });
  return (f, t) => cachedTransform(f, t, cache);
}

export function registerFeaturizeCommands(ctx: CliContext): void {
  ctx.program
    .command('featurize')
    .description(`turn the prompts of a data file into vectors (Arrow IPC: id, vector); featurizers: ${featurizerNames().join(', ')}`)
    .requiredOption('--data <file>', 'score-table or pairwise records')
    .requiredOption('--out <file>', 'output .arrow file')
    .option('--kind <kind>', 'record kind: scores | pairwise', 'scores')
    .option('--featurizer <kind>', `featurizer kind or preset: ${featurizerNames().join(' | ')}`, DEFAULT_FEATURIZER)
    .option('--featurizer-config <json>', 'featurizer hyper-parameters as JSON', jsonFlag('--featurizer-config'))
    .option('--no-cache', 'do not use the embedding cache')
    .action(
      async (o: { data: string; out: string; kind: 'scores' | 'pairwise'; featurizer: string; featurizerConfig?: Record<string, unknown>; cache: boolean }) => {
        const records = await readRecords(o.data, o.kind);
        const choice = { kind: o.featurizer, config: o.featurizerConfig ?? {} };
        const f = createFeaturizer(choice.kind, choice.config);
        const prompts = records.map((r) => r.prompt);
        const t0 = performance.now();
        await f.fit(prompts);
        const transform = transformFor(choice, ctx.config, o.cache) ?? ((ff: Featurizer, t: string[]) => ff.transform(t));
        const x = await transform(f, prompts);
        const meta = new Map([
          ['featurizer', f.id()],
          ['config', JSON.stringify(f.config)],
          ['source', o.data],
        ]);
        writeFileSync(
          o.out,
          vectorsToArrowIPC(
            'id',
            records.map((r) => r.id),
            flatten(x, f.dim),
            f.dim,
            meta,
          ),
        );
        process.stdout.write(`${records.length} vectors × ${f.dim} dims (${f.id()}) → ${o.out} in ${((performance.now() - t0) / 1000).toFixed(1)}s\n`);
      },
    );
}
