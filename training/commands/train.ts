import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { newVersion } from '../../src/artifacts/artifact.js';
import { backendLabel, initBackend } from '../../src/backend/backend.js';
import { readRecords } from '../../src/data/readRecords.js';
import { LlmrError } from '../../src/errors.js';
import { DEFAULT_FEATURIZER, featurizerNames } from '../../src/featurizers/registry.js';
import { PriceTable } from '../../src/prices/PriceTable.js';
import { resolveSeed } from '../../src/estimator/seed.js';
import { routers, routerSpec } from '../../src/routers/registry.js';
import { trainRouter } from '../../src/routers/trainRouter.js';
import type { CliContext } from '../cliContext.js';
import { jsonFlag } from '../cliContext.js';
import { transformFor } from './featurize.js';
import { fitProgress, Progress } from '../progress.js';

/** A training config file: same fields as the flags; flags win. */
const TrainConfigSchema = z
  .object({
    data: z.string().optional(),
    validation: z.string().optional(),
    prices: z.string().optional(),
    featurizer: z.string().optional(),
    featurizerConfig: z.record(z.string(), z.unknown()).optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    models: z.array(z.string()).optional(),
    name: z.string().optional(),
    seed: z.number().int().optional(),
  })
  .strict();

export function readJsonFile<T>(path: string, schema: z.ZodType<T>, what: string): T {
  if (!existsSync(path)) throw new LlmrError(`${what} ${path} does not exist`, { where: path });
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new LlmrError(`${what} ${path} is not valid JSON: ${(e as Error).message}`, { where: path });
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new LlmrError(`${what} ${path}: ${i.path.join('.') || '(root)'}: ${i.message}`, { where: path, field: i.path.join('.') });
  }
  return r.data;
}

/** prices.json given, else one beside the data file, else observed per-call costs in the data. */
/** The price table that travels with a data file: `prices.json` beside it, or `<name>-prices.json` for `<name>[-train|-test].jsonl[.gz]`. */
export function priceFileFor(dataPath: string): string | undefined {
  return [join(dirname(dataPath), 'prices.json'), dataPath.replace(/(-train|-test)?\.(jsonl|json|csv|arrow|parquet)(\.gz)?$/, '-prices.json')].find(
    (c) => c !== dataPath && existsSync(c),
  );
}

export function loadPrices(explicit: string | undefined, dataPath: string): PriceTable | undefined {
  const p = explicit ?? priceFileFor(dataPath);
  if (!p) return undefined;
  const raw = readJsonFile(p, z.record(z.string(), z.unknown()), 'price table');
  return new PriceTable(raw as never);
}

export type TrainConfig = z.infer<typeof TrainConfigSchema>;

/** `llmr train router`'s flags as commander parses them (no defaults: an unset flag is undefined). */
export type TrainRouterFlags = Record<string, string | Record<string, unknown> | undefined>;

/**
 * Flags over the config file over the defaults, for the settings both can give. Commander defaults would
 * mask the config file, so the flags have none; the seed follows resolveSeed (flag > params > config > 42).
 */
export function trainRouterSettings(
  o: TrainRouterFlags,
  cfg: TrainConfig,
): { seed: number; featurizer: { kind: string; config: Record<string, unknown> }; params: Record<string, unknown> } {
  const params = { ...(cfg.params ?? {}), ...((o.params as Record<string, unknown> | undefined) ?? {}) };
  const { seed } = resolveSeed({ flag: o.seed, params: params.seed, config: cfg.seed });
  const featurizer = {
    kind: (o.featurizer as string | undefined) ?? cfg.featurizer ?? DEFAULT_FEATURIZER,
    config: { ...(cfg.featurizerConfig ?? {}), ...((o.featurizerConfig as Record<string, unknown> | undefined) ?? {}) },
  };
  return { seed, featurizer, params };
}

export function registerTrainCommands(ctx: CliContext): void {
  const train = ctx.group('train', 'train routers and rankers');
  train
    .command('router')
    .description(`train a router on a score table and save a verified artifact (kinds: ${routers.kinds.join(', ')})`)
    .argument('<kind>', `router kind: ${routers.kinds.join(' | ')}`)
    .option('--data <file>', 'score-table records (.jsonl[.gz] | .json | .csv | .arrow | .parquet)')
    .option('--validation <file>', 'validation records (early stopping for learned routers)')
    .option('--prices <file>', 'prices.json (default: beside the data, else observed per-call costs)')
    .option('--featurizer <kind>', `featurizer kind or preset: ${featurizerNames().join(' | ')} (default: the config file's, else ${DEFAULT_FEATURIZER})`)
    .option('--featurizer-config <json>', 'featurizer hyper-parameters as JSON', jsonFlag('--featurizer-config'))
    .option('--params <json>', 'router hyper-parameters as JSON, e.g. \'{"k":40}\'', jsonFlag('--params'))
    .option('--config <file>', 'JSON config with the same fields (flags override)')
    .option('--models <list>', 'comma-separated candidate models (default: all in the data)')
    .option('--name <name>', 'artifact name (default: <kind>-router)')
    .option('--seed <n>', "random seed (precedence: --seed > params.seed > the config file's seed > 42)")
    .option(
      '--guard-folds <n>',
      'folds of the cross-validated comparison with the Zero router stored in the artifact (where the router is not better, it routes as the Zero router)',
      '5',
    )
    .option('--no-guard', 'no Zero-router guard (saves the k extra fits)')
    .option('--no-cache', 'do not use the embedding cache (model-backed featurizers)')
    .action(async (kind: string, o: TrainRouterFlags) => {
      const cfg = o.config ? readJsonFile(o.config as string, TrainConfigSchema, 'config') : {};
      const data = (o.data as string | undefined) ?? cfg.data;
      if (!data) throw new LlmrError('no training data given', { field: '--data', fix: 'llmr train router knn --data data/sample/llmrouter-train.jsonl.gz' });
      routerSpec(kind);
      const { seed, featurizer, params } = trainRouterSettings(o, cfg);
      const backend = await initBackend(ctx.config.backend);
      const records = await readRecords(data, 'scores');
      const validationPath = (o.validation as string | undefined) ?? cfg.validation;
      const validation = validationPath ? await readRecords(validationPath, 'scores') : undefined;
      const name = (o.name as string | undefined) ?? cfg.name ?? `${kind}-router`;
      const version = newVersion();
      // Model-backed featurizers read LLMR_LOCAL_MODEL_PATH / LLMR_ALLOW_REMOTE_MODELS themselves (configFromEnv).
      process.stderr.write(`training ${kind} router on ${records.length} records from ${data} (backend: ${backendLabel(backend)})\n`);
      const fit = fitProgress(`fit ${kind}`);
      let fbar: Progress | null = null;
      const guardFolds = Number(o.guardFolds ?? 5);
      if (!(Number.isInteger(guardFolds) && guardFolds >= 2))
        throw new LlmrError(`--guard-folds must be an integer ≥ 2, got ${String(o.guardFolds)}`, { field: '--guard-folds' });
      const pipeline = await trainRouter(records, {
        guard: (o.guard as unknown) === false ? false : { folds: guardFolds },
        kind,
        params,
        featurizer,
        transform: transformFor(featurizer, ctx.config, o.cache as unknown as boolean),
        prices: loadPrices((o.prices as string | undefined) ?? cfg.prices, data),
        models: (o.models as string | undefined)?.split(',').map((s) => s.trim()) ?? cfg.models,
        name,
        version,
        seed,
        validation,
        source: data,
        backend: backend.name,
        onProgress: (p) => {
          if (!p.epochs || p.epochs <= 1) return;
          if (p.stage === 'featurize') {
            if (p.epochs < 2048) return;
            fbar ??= new Progress(`featurize (${featurizer.kind})`, p.epochs);
            fbar.update(p.epoch);
            if (p.epoch >= p.epochs) fbar.done();
            return;
          }
          fit.onProgress(p);
        },
      });
      fit.done();
      const dir = join(ctx.config.modelsDir, name, version);
      await pipeline.save(dir);
      process.stdout.write(`saved ${kind} router ${name}/${version} → ${dir}\n  candidates: ${pipeline.models.join(', ')}\n`);
    });
}
