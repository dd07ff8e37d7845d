import { writeFileSync } from 'node:fs';
import { readRecords } from '../../src/data/readRecords.js';
import { cachedTransform, EmbeddingCache } from '../../src/featurizers/EmbeddingCache.js';
import type { Featurizer } from '../../src/featurizers/Featurizer.js';
import { createFeaturizer, DEFAULT_FEATURIZER, FEATURIZERS } from '../../src/featurizers/registry.js';
import { flatten, vectorsToArrowIPC } from '../../src/featurizers/vectorsToArrow.js';
import type { LlmrConfig } from '../../src/config.js';
import type { CliContext } from '../cliContext.js';
import { jsonFlag } from '../cliContext.js';

/** Featurizer config with the environment's model paths filled in where the user gave none. */
export function featurizerConfig(kind: string, config: Record<string, unknown>, cfg: LlmrConfig): Record<string, unknown> {
  if (kind === 'transformers') return { localModelPath: cfg.localModelPath, allowRemoteModels: cfg.allowRemoteModels, ...config };
  return config;
}

/** Model-backed featurizers go through the persistent embedding cache; hashing is cheaper to recompute. */
export function transformFor(kind: string, cfg: LlmrConfig, useCache: boolean): ((f: Featurizer, t: string[]) => Promise<Float32Array[]>) | undefined {
  if (!useCache || kind === 'hashing') return undefined;
  const cache = new EmbeddingCache({ cacheDir: cfg.cacheDir });
  return (f, t) => cachedTransform(f, t, cache);
}

export function registerFeaturizeCommands(ctx: CliContext): void {
  ctx.program
    .command('featurize')
    .description(`turn the prompts of a data file into vectors (Arrow IPC: id, vector); featurizers: ${Object.keys(FEATURIZERS).join(', ')}`)
    .requiredOption('--data <file>', 'score-table or pairwise records')
    .requiredOption('--out <file>', 'output .arrow file')
    .option('--kind <kind>', 'record kind: scores | pairwise', 'scores')
    .option('--featurizer <kind>', 'featurizer kind', DEFAULT_FEATURIZER)
    .option('--featurizer-config <json>', 'featurizer hyper-parameters as JSON', jsonFlag('--featurizer-config'))
    .option('--no-cache', 'do not use the embedding cache')
    .action(async (o: { data: string; out: string; kind: 'scores' | 'pairwise'; featurizer: string; featurizerConfig?: Record<string, unknown>; cache: boolean }) => {
      const records = await readRecords(o.data, o.kind);
      const f = createFeaturizer(o.featurizer, featurizerConfig(o.featurizer, o.featurizerConfig ?? {}, ctx.config));
      const prompts = records.map((r) => r.prompt);
      const t0 = performance.now();
      await f.fit(prompts);
      const transform = transformFor(o.featurizer, ctx.config, o.cache) ?? ((ff: Featurizer, t: string[]) => ff.transform(t));
      const x = await transform(f, prompts);
      const meta = new Map([
        ['featurizer', f.id()],
        ['config', JSON.stringify(f.config)],
        ['source', o.data],
      ]);
      writeFileSync(o.out, vectorsToArrowIPC('id', records.map((r) => r.id), flatten(x, f.dim), f.dim, meta));
      process.stdout.write(`${records.length} vectors × ${f.dim} dims (${f.id()}) → ${o.out} in ${((performance.now() - t0) / 1000).toFixed(1)}s\n`);
    });
}
