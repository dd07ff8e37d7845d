import { join } from 'node:path';
import { trainRewardModel } from '../../src/cascade/rewardModel.js';
import { z } from 'zod';
import { newVersion, resolveArtifactDir } from '../../src/artifacts/artifact.js';
import { backendLabel, initBackend } from '../../src/backend/backend.js';
import { cascadeExperiment } from '../../src/experiments/cascadeExperiment.js';
import { writeCascadeReport, type CascadeReport } from '../../src/eval/cascade/cascadeReport.js';
import { recordsDigest } from '../../src/data/digest.js';
import { readRecords } from '../../src/data/readRecords.js';
import { LlmrError } from '../../src/errors.js';
import { parseGoal } from '../../src/eval/calibratePolicy.js';
import { DEFAULT_FEATURIZER } from '../../src/featurizers/registry.js';
import { RANK_METHODS } from '../../src/rankers/aggregate.js';
import { evaluateRanker, type RankerEval } from '../../src/eval/rankers/evaluateRanker.js';
import { fileRankDataset, loadRankDataset, parseRankDataset, RANK_DATASETS, RANK_SPLIT, type RankDataset } from '../../src/rankers/rankData.js';
import { RankerPipeline } from '../../src/rankers/RankerPipeline.js';
import { writeRankerReport, type RankerReport } from '../../src/eval/rankers/rankerReport.js';
import type { RankResult } from '../../src/rankers/RankRequest.js';
import { RANKERS } from '../../src/rankers/registry.js';
import { textPairsFromRecords, type TextPair } from '../../src/rankers/textPairs.js';
import type { CliContext } from '../cliContext.js';
import { jsonFlag, numberFlag } from '../cliContext.js';
import { fitProgress } from '../progress.js';
import { readJsonFile } from './train.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** A ranker training config file: same fields as the flags; flags win. */
const RankerConfigSchema = z
  .object({
    data: z.string().optional(),
    dataset: z.string().optional(),
    validation: z.string().optional(),
    featurizer: z.string().optional(),
    featurizerConfig: z.record(z.string(), z.unknown()).optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    name: z.string().optional(),
    out: z.string().optional(),
  })
  .strict();

async function pairsFromFile(path: string): Promise<TextPair[]> {
  const { pairs, skipped } = textPairsFromRecords(await readRecords(path, 'pairwise'), path);
  if (skipped) process.stderr.write(`${path}: ${skipped} records without both responses skipped\n`);
  return pairs;
}

function sharedRoot(ctx: CliContext, flag?: string): string {
  return flag ?? ctx.config.sharedDataDir;
}

/**
 * Human-readable ranking. One numbering only: responses are named by their 1-based position in the order they
 * were given ("response 2" = the second --response), and listed best first.
 */
export function formatRanking(r: RankResult, texts: readonly string[]): string {
  const name = (index: number, model?: string) => `response ${index + 1}${model ? ` (${model})` : ''}`;
  const n = r.comparisons;
  const lines = [
    `best: ${name(r.best.index, r.best.model)} of ${texts.length} — method ${r.method}, ${n} ranker ${n === 1 ? 'evaluation' : 'evaluations'}`,
    '',
  ];
  const w = String(texts.length).length;
  for (const [k, x] of r.ranking.entries())
    lines.push(
      `  ${k === 0 ? 'best ' : '     '} ${name(x.index, x.model).padEnd(9 + w)}  score ${x.score.toFixed(4)}  ${JSON.stringify(texts[x.index]!.slice(0, 70))}${texts[x.index]!.length > 70 ? '…' : ''}`,
    );
  return lines.join('\n');
}

export function registerRankCommands(ctx: CliContext): void {
  ctx
    .group('train', 'train routers and rankers')
    .command('ranker')
    .description(`train a response ranker / reward model on pairwise preferences (kinds: ${Object.keys(RANKERS).join(', ')})`)
    .argument('<kind>', `ranker kind: ${Object.keys(RANKERS).join(' | ')}`)
    .option('--data <file>', 'pairwise records with response_a/response_b (.jsonl[.gz] | .json | .csv | .arrow | .parquet)')
    .option('--dataset <list>', `or shared data sets' train splits, comma-separated: ${RANK_DATASETS.join(', ')} (their validation splits for early stopping)`)
    .option('--shared <dir>', 'shared data root for --dataset (default: $LLMR_SHARED_DATA or ../shared/data)')
    .option('--validation <file>', 'held-out pairwise records for early stopping')
    .option('--featurizer <kind>', 'featurizer kind', DEFAULT_FEATURIZER)
    .option('--featurizer-config <json>', 'featurizer hyper-parameters as JSON', jsonFlag('--featurizer-config'))
    .option('--params <json>', 'ranker hyper-parameters as JSON, e.g. \'{"embed":0,"modelBias":true}\'', jsonFlag('--params'))
    .option('--config <file>', 'JSON config with the same fields (flags override)')
    .option('--name <name>', 'artifact name (default: <kind>-ranker)')
    .option('--out <dir>', 'artifact folder; the version goes below it (default: <models dir>/<name>)')
    .action(async (kind: string, o: Record<string, string | Record<string, unknown> | undefined>) => {
      const cfg = o.config ? readJsonFile(o.config as string, RankerConfigSchema, 'config') : {};
      if (!Object.hasOwn(RANKERS, kind))
        throw new LlmrError(`unknown ranker kind "${kind}"; valid: ${Object.keys(RANKERS).join(', ')}`, {
          field: 'kind',
          code: 'unknown_option',
          fix: `use one of: ${Object.keys(RANKERS).join(', ')}`,
        });
      const dataPath = (o.data as string | undefined) ?? cfg.data;
      const datasetName = (o.dataset as string | undefined) ?? cfg.dataset;
      if (!dataPath && !datasetName)
        throw new LlmrError('no training data given', {
          field: '--data',
          fix: 'llmr train ranker pairwise --data data/sample/pandalm-pairs.jsonl.gz (or --dataset pandalm)',
        });
      if (dataPath && datasetName) throw new LlmrError('give --data or --dataset, not both', { field: '--dataset' });
      const backend = await initBackend(ctx.config.backend);
      let train: TextPair[];
      let validation: TextPair[] | undefined;
      let source: string;
      if (datasetName) {
        train = [];
        validation = [];
        for (const n of datasetName.split(',')) {
          const ds = await loadRankDataset(parseRankDataset(n.trim(), '--dataset'), sharedRoot(ctx, o.shared as string | undefined));
          train.push(...ds.train);
          validation.push(...ds.validation);
        }
        source = `${datasetName} train split${datasetName.includes(',') ? 's' : ''} (PandaLM/HH-RLHF: prompt hash ${RANK_SPLIT.fractions.join('/')}, salt ${RANK_SPLIT.salt}; RouterBench: its train files)`;
      } else {
        train = await pairsFromFile(dataPath!);
        source = dataPath!;
      }
      const validationPath = (o.validation as string | undefined) ?? cfg.validation;
      if (validationPath) validation = await pairsFromFile(validationPath);
      const name = (o.name as string | undefined) ?? cfg.name ?? `${kind}-ranker`;
      const version = newVersion();
      process.stderr.write(`training ${kind} ranker on ${train.length} pairs from ${source} (backend: ${backendLabel(backend)})\n`);
      const prog = fitProgress(`fit ${kind}`, 'val acc');
      const pipeline = await RankerPipeline.train(train, {
        kind,
        params: { ...(cfg.params ?? {}), ...((o.params as Record<string, unknown>) ?? {}) },
        featurizer: {
          kind: (o.featurizer as string) ?? cfg.featurizer ?? DEFAULT_FEATURIZER,
          config: { ...(cfg.featurizerConfig ?? {}), ...((o.featurizerConfig as Record<string, unknown>) ?? {}) },
        },
        validation,
        meta: { name, version, backend: backend.name },
        onProgress: prog.onProgress,
      });
      prog.done();
      const metrics: Record<string, unknown> = {};
      if (validation?.length) {
        const e = evaluateRanker(name, 'validation', validation, await pipeline.comparePairs(validation), { name, kind }, { bootstrap: 200 });
        metrics.validation = {
          pairs: e.pairs,
          nonTie: e.pairs - e.ties,
          accuracy: e.ranker.accuracy,
          ci: e.ranker.ci,
          lengthBaseline: e.baselines.length.accuracy,
          logLoss: e.ranker.logLoss,
        };
        process.stderr.write(
          `validation accuracy ${e.ranker.accuracy.toFixed(3)} on ${e.pairs - e.ties} non-tie pairs (length baseline ${e.baselines.length.accuracy.toFixed(3)})\n`,
        );
      }
      const out = (o.out as string | undefined) ?? cfg.out;
      const dir = out ? join(out, version) : join(ctx.config.modelsDir, name, version);
      await pipeline.save(dir, { trainingData: { digest: recordsDigest(train), rows: train.length, source }, metrics });
      process.stdout.write(`saved ${kind} ranker ${name}/${version} → ${dir}\n`);
    });

  ctx.program
    .command('rank')
    .description('rank candidate responses to a prompt with a trained ranker (best first)')
    .requiredOption('--ranker <artifact>', 'ranker artifact folder or name under the models dir')
    .requiredOption('--prompt <text>', 'the prompt')
    .option('--response <text>', 'a candidate response (repeat, at least 2)', collect)
    .option('--model <name>', 'model of the response at the same position (repeat)', collect)
    .option('--method <m>', `aggregation: ${RANK_METHODS.join(' | ')} (default: reward for reward models, else max-logits)`)
    .option('--reference <text>', 'reference response (method reference)')
    .option('--json', 'print the full result (with the pairwise matrix) as JSON')
    .action(async (o: { ranker: string; prompt: string; response?: string[]; model?: string[]; method?: string; reference?: string; json?: boolean }) => {
      const responses = o.response ?? [];
      if (o.model && o.model.length !== responses.length)
        throw new LlmrError(`${o.model.length} --model flags for ${responses.length} --response flags`, {
          field: '--model',
          fix: 'give one --model per --response, in the same order, or none',
        });
      await initBackend(ctx.config.backend);
      const p = await RankerPipeline.load(resolveArtifactDir(o.ranker, ctx.config.modelsDir));
      const body: Record<string, unknown> = { prompt: o.prompt, responses: responses.map((text, i) => (o.model ? { text, model: o.model[i] } : { text })) };
      if (o.method) body.method = o.method;
      if (o.reference !== undefined) body.reference = o.reference;
      const r = await p.rank(body);
      process.stdout.write((o.json ? JSON.stringify(r, null, 2) : formatRanking(r, responses)) + '\n');
    });

  const ev = ctx.group('eval', 'offline evaluation');
  ev.command('ranker')
    .description('pairwise accuracy of rankers on held-out human/gold preferences vs the length and random baselines (bootstrap CIs)')
    .option('--ranker <artifact>', "evaluate a trained ranker artifact (repeat); without it, train --kind on each data set's train split", collect)
    .option('--dataset <list>', `comma-separated: ${RANK_DATASETS.join(', ')}`, 'pandalm,hh-rlhf')
    .option(
      '--data <file>',
      'your own pairwise file (response_a/response_b) instead of --dataset: with --ranker every pair is scored; without, --kind trains on its 70% by prompt hash and is scored on --split',
      collect,
    )
    .option('--split <name>', 'validation (for tuning) | test (for reporting)', 'test')
    .option('--shared <dir>', 'shared data root (default: $LLMR_SHARED_DATA or ../shared/data)')
    .option('--kind <kind>', `ranker kind to train when no --ranker is given: ${Object.keys(RANKERS).join(' | ')}`, 'pairwise')
    .option('--params <json>', 'hyper-parameters of the trained ranker', jsonFlag('--params'))
    .option('--featurizer-config <json>', 'hashing featurizer hyper-parameters', jsonFlag('--featurizer-config'))
    .option('--bootstrap <n>', 'bootstrap resamples', numberFlag('--bootstrap'), 1000)
    .option('--seed <n>', 'bootstrap seed', numberFlag('--seed'), 0)
    .option('--report <dir>', 'write report.json, report.md and report.html there')
    .option('--json', 'print the report as JSON')
    .action(
      async (o: {
        ranker?: string[];
        dataset: string;
        data?: string[];
        split: string;
        shared?: string;
        kind: string;
        params?: Record<string, unknown>;
        featurizerConfig?: Record<string, unknown>;
        bootstrap: number;
        seed: number;
        report?: string;
        json?: boolean;
      }) => {
        if (o.split !== 'test' && o.split !== 'validation') throw new LlmrError(`--split must be test or validation, got "${o.split}"`, { field: '--split' });
        const split = o.split;
        const backend = await initBackend(ctx.config.backend);
        const evals: RankerEval[] = [];
        const artifacts: Record<string, unknown>[] = [];
        const loaded = await Promise.all((o.ranker ?? []).map(async (ref) => RankerPipeline.load(resolveArtifactDir(ref, ctx.config.modelsDir))));
        const sources: (() => Promise<RankDataset>)[] = o.data?.length
          ? o.data.map((f) => () => fileRankDataset(f, { split: loaded.length ? 'all' : 'hash' }))
          : o.dataset
              .split(',')
              .map((s) => parseRankDataset(s.trim(), '--dataset'))
              .map((n) => () => loadRankDataset(n, sharedRoot(ctx, o.shared)));
        const dataNotes: string[] = [];
        for (const source of sources) {
          const ds = await source();
          const name = ds.name;
          if (o.data?.length) dataNotes.push(...ds.notes);
          if (loaded.length) {
            // a user's file given with --ranker is scored whole (fileRankDataset put every pair in test)
            const [scored, pairs] = o.data?.length ? ['all', ds.test] : [split, ds[split]];
            for (const p of loaded)
              evals.push(
                evaluateRanker(
                  ds.name,
                  scored,
                  pairs,
                  await p.comparePairs(pairs),
                  { name: `${p.meta.name}/${p.meta.version}`, kind: p.kind },
                  { bootstrap: o.bootstrap, seed: o.seed },
                ),
              );
            continue;
          }
          const pairs = ds[split];
          const prog = fitProgress(`fit ${o.kind} on ${name}`, 'val acc');
          const t0 = performance.now();
          const p = await RankerPipeline.train(ds.train, {
            kind: o.kind,
            params: o.params,
            featurizer: { kind: 'hashing', config: o.featurizerConfig ?? {} },
            validation: ds.validation,
            meta: { name: `${o.kind}-${name}`, version: 'eval', backend: backend.name },
            onProgress: prog.onProgress,
          });
          prog.done();
          evals.push(
            evaluateRanker(
              ds.name,
              split,
              pairs,
              await p.comparePairs(pairs),
              { name: `${o.kind}-${name}`, kind: o.kind },
              { bootstrap: o.bootstrap, seed: o.seed },
            ),
          );
          artifacts.push({
            dataset: name,
            kind: o.kind,
            params: p.ranker.params,
            trainPairs: ds.train.length,
            validationPairs: ds.validation.length,
            trainSeconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
          });
          p.dispose();
        }
        for (const p of loaded)
          artifacts.push({ name: p.meta.name, version: p.meta.version, kind: p.kind, params: p.ranker.params, trainingData: p.meta.trainingData });
        const report: RankerReport = {
          title: `Ranker evaluation (${split} split)`,
          createdAt: new Date().toISOString(),
          command: `llmr eval ranker ${process.argv.slice(4).join(' ')}`.trim(),
          evals,
          artifacts,
          notes: [
            ...dataNotes,
            `splits: PandaLM and HH-RLHF by salted prompt hash ${RANK_SPLIT.fractions.join('/')} (train/validation/test), RouterBench: its own train/test files; early stopping on validation only`,
            `backend ${backend.name}, node ${process.version}`,
          ],
        };
        if (o.report) {
          const paths = writeRankerReport(o.report, report);
          process.stderr.write(`report: ${paths.html}\n        ${paths.md}\n        ${paths.json}\n`);
        }
        if (o.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        else
          for (const e of evals) {
            process.stdout.write(
              `${e.dataset} ${e.split}: ${e.ranker.name} accuracy ${e.ranker.accuracy.toFixed(3)}${e.ranker.ci ? ` [${e.ranker.ci.lo.toFixed(3)}, ${e.ranker.ci.hi.toFixed(3)}]` : ''} on ${e.ranker.n} non-tie pairs; length baseline ${e.baselines.length.accuracy.toFixed(3)}, random ${e.baselines.random.accuracy.toFixed(3)}\n`,
            );
            const l = e.length;
            if (l)
              process.stdout.write(
                `  length bias: accuracy ${l.longerWins.accuracy.toFixed(3)} where the longer wins (${l.longerWins.n}), ${l.longerLoses.accuracy.toFixed(3)} where it loses (${l.longerLoses.n}); picks the longer ${l.picksLonger.toFixed(3)} (labels ${l.labelsPickLonger.toFixed(3)})\n`,
              );
          }
      },
    );

  ev.command('cascade')
    .description('offline cascade replay (FrugalGPT/AutoMix) on RouterBench responses: cost–quality points over τ, hull, AIQ, τ calibrated per goal')
    .option('--ranker <artifact>', 'a reward model (bradley-terry); without it one is trained on the RouterBench train split')
    .option('--params <json>', 'hyper-parameters of the reward model trained when no --ranker is given', jsonFlag('--params'))
    .option('--featurizer-config <json>', 'hashing featurizer hyper-parameters of that reward model', jsonFlag('--featurizer-config'))
    .option('--shared <dir>', 'shared data root (default: $LLMR_SHARED_DATA or ../shared/data)')
    .option('--chain <list>', 'comma-separated models in call order (default: chosen on the calibration split)')
    .option('--max-length <n>', 'longest chain tried when choosing', numberFlag('--max-length'), 3)
    .option('--goal <goal>', 'calibrate τ: budget=<USD per 1k> | quality=<min> | share=<fraction to the last model> (repeat)', collect)
    .option('--report <dir>', 'write report.json, report.md and report.html there')
    .option('--json', 'print the report as JSON')
    .action(
      async (o: {
        ranker?: string;
        params?: Record<string, unknown>;
        featurizerConfig?: Record<string, unknown>;
        shared?: string;
        chain?: string;
        maxLength: number;
        goal?: string[];
        report?: string;
        json?: boolean;
      }) => {
        const backend = await initBackend(ctx.config.backend);
        const ds = await loadRankDataset('routerbench', sharedRoot(ctx, o.shared));
        let pipeline: RankerPipeline;
        if (o.ranker) pipeline = await RankerPipeline.load(resolveArtifactDir(o.ranker, ctx.config.modelsDir));
        else {
          const prog = fitProgress('fit bradley-terry on routerbench', 'val acc');
          pipeline = await trainRewardModel(ds, { params: o.params, featurizerConfig: o.featurizerConfig, backend: backend.name, onProgress: prog.onProgress });
          prog.done();
        }
        const report: CascadeReport = await cascadeExperiment(pipeline, ds, {
          chain: o.chain?.split(',').map((s) => s.trim()),
          maxLength: o.maxLength,
          goals: (o.goal ?? []).map((g) => parseGoal(g)),
          command: `llmr eval cascade ${process.argv.slice(4).join(' ')}`.trim(),
        });
        if (o.report) {
          const paths = writeCascadeReport(o.report, report);
          process.stderr.write(`report: ${paths.html}\n        ${paths.md}\n        ${paths.json}\n`);
        }
        if (o.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        else {
          for (const c of report.curves)
            process.stdout.write(`${c.name}: AIQ ${c.aiq.toFixed(4)}, best quality ${Math.max(...c.hull.map((h) => h[1])).toFixed(3)}\n`);
          for (const c of report.calibrations)
            process.stdout.write(
              `τ=${c.tau.toPrecision(4)} (${c.feasible ? 'feasible' : 'closest'}): calibration q ${c.calibration.quality.toFixed(3)} $${(c.calibration.cost * 1000).toPrecision(3)}/1k → test q ${c.test!.quality.toFixed(3)} $${(c.test!.cost * 1000).toPrecision(3)}/1k\n`,
            );
          const best = [...report.singles].sort((a, b) => b.quality - a.quality)[0]!;
          process.stdout.write(`best single model ${best.model}: quality ${best.quality.toFixed(3)} at $${(best.cost * 1000).toPrecision(3)}/1k\n`);
        }
      },
    );
}
