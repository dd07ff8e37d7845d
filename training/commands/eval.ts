import { roundDeep } from '../../src/util/round.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readArtifact, resolveArtifactDir } from '../../src/artifacts/artifact.js';
import { initBackend } from '../../src/backend/backend.js';
import { readRecords } from '../../src/data/readRecords.js';
import { modelsOf, type ScoreRecord } from '../../src/data/schemas.js';
import { splitRecords } from '../../src/data/split.js';
import { LlmrError } from '../../src/errors.js';
import { calibrate, describeGoal, parseGoal, type Achieved, type CalibrationEntry } from '../../src/eval/calibratePolicy.js';
import { evalTableFromRecords, type EvalTable } from '../../src/eval/evalTable.js';
import { evaluateRouters, type DatasetEval, type EvalOptions, type PairSpec, type SeriesInput } from '../../src/eval/evaluate.js';
import { guardedSeries } from '../../src/eval/guardedSeries.js';
import { pipelinePredictions } from '../../src/eval/predict.js';
import { metricRows, renderMarkdown, writeReport, type ArtifactInfo, type EvalReport } from '../../src/eval/report/report.js';
import { loadSharedSets, SHARED_SET_NAMES, trainAndEvaluate } from '../../src/experiments/sharedEvaluation.js';
import { routerbenchCascade } from '../../src/experiments/sharedCascade.js';
import { RouterPipeline } from '../../src/routers/RouterPipeline.js';
import { ROUTERS } from '../../src/routers/registry.js';
import { sha256Hex } from '../../src/util/hash.js';
import type { CliContext } from '../cliContext.js';
import { jsonFlag, numberFlag } from '../cliContext.js';
import { loadPrices } from './train.js';

interface EvalFlags {
  bootstrap: number;
  seed: number;
  randomSeeds: number;
  wtpPoints: number;
  strong?: string;
  weak?: string;
  report?: string;
  json?: boolean;
  reference?: string;
}

function addEvalFlags<T extends import('commander').Command>(cmd: T): T {
  return cmd
    .option('--bootstrap <n>', 'bootstrap resamples for confidence intervals (0 = none)', numberFlag('--bootstrap'), 200)
    .option('--seed <n>', 'seed of the bootstrap and the random router', numberFlag('--seed'), 0)
    .option('--random-seeds <n>', 'seeds of the random baseline, averaged', numberFlag('--random-seeds'), 5)
    .option('--wtp-points <n>', 'willingness-to-pay values swept (log-spaced, plus 0)', numberFlag('--wtp-points'), 64)
    .option('--strong <model>', 'strong model of a strong/weak pair (RouteLLM metrics)')
    .option('--weak <model>', 'weak model of the pair')
    .option('--reference <router>', 'compare every router with this one: AIQ and APGR differences with paired bootstrap intervals ("none" = no comparison)')
    .option('--report <dir>', 'write report.html (self-contained), report.md and report.json there')
    .option('--json', 'print the full result as JSON instead of tables') as T;
}

function evalOptions(o: EvalFlags): EvalOptions {
  let pair: PairSpec | undefined;
  if (o.strong !== undefined || o.weak !== undefined) {
    if (!o.strong || !o.weak) throw new LlmrError('a strong/weak pair needs both --strong and --weak', { field: o.strong ? '--weak' : '--strong' });
    pair = { strong: o.strong, weak: o.weak };
  }
  for (const [flag, v] of [
    ['--bootstrap', o.bootstrap],
    ['--random-seeds', o.randomSeeds],
    ['--wtp-points', o.wtpPoints],
  ] as const)
    if (!Number.isInteger(v) || v < (flag === '--bootstrap' ? 0 : 1))
      throw new LlmrError(`${flag} must be a ${flag === '--bootstrap' ? 'non-negative' : 'positive'} integer, got ${v}`, { field: flag });
  return {
    bootstrap: o.bootstrap,
    seed: o.seed,
    randomSeeds: o.randomSeeds,
    wtpPoints: o.wtpPoints,
    pair,
    reference: o.reference === undefined || o.reference === 'none' ? null : o.reference,
  };
}

/** The metrics table as aligned text (what the terminal shows). */
export function metricsText(d: DatasetEval): string {
  const rows = metricRows(d);
  const pair = !!d.pair;
  const ref = d.reference ? [`${pair ? 'APGR' : 'AIQ'} − ${d.reference} [paired 95% CI]`] : [];
  const head = ['router', 'AIQ', 'AIQ 95% CI', 'AIQ − Zero', 'max q', '$/1k@max', ...(pair ? ['APGR', 'APGR 95% CI', 'CPT50', 'CPT80'] : []), ...ref];
  const cells = rows.map((r) => [
    r.name,
    r.aiq,
    r.aiqCI,
    r.gain.split(' ')[0] ?? '',
    r.maxQuality,
    r.costAtMax,
    ...(pair ? [r.apgr, r.apgrCI, r.cpt50, r.cpt80] : []),
    ...(d.reference ? [pair ? r.apgrVsRef : r.aiqVsRef] : []),
  ]);
  const w = head.map((h, j) => Math.max(h.length, ...cells.map((c) => c[j]!.length)));
  const line = (c: string[]) => c.map((x, j) => (j === 0 ? x.padEnd(w[j]!) : x.padStart(w[j]!))).join('  ');
  const best = [...d.singles].sort((a, b) => b.quality - a.quality)[0]!;
  const title = `${d.name}: ${d.rows} test rows, ${d.models.length} models${d.pair ? ` (strong ${d.pair.strong} ${d.pair.qStrong.toFixed(3)}, weak ${d.pair.weak} ${d.pair.qWeak.toFixed(3)})` : ''}; best single ${best.model} ${best.quality.toFixed(3)} at $${(best.cost * 1000).toPrecision(3)}/1k; oracle ${d.oracle.quality.toFixed(3)} at $${(d.oracle.cost * 1000).toPrecision(3)}/1k${d.oracle.pairShare !== undefined ? ` (${(d.oracle.pairShare * 100).toFixed(1)}% strong)` : ''}`;
  return [title, ...(d.warnings ?? []).map((w) => `warning: ${w}`), line(head), ...cells.map(line)].join('\n') + '\n';
}

function finish(report: EvalReport, o: EvalFlags): void {
  if (o.report) {
    const p = writeReport(o.report, report);
    process.stderr.write(`report: ${p.html}\n        ${p.md}\n        ${p.json}\n`);
  }
  if (o.json) process.stdout.write(JSON.stringify(report, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
  else for (const d of report.datasets) process.stdout.write('\n' + metricsText(d));
}

function environment(backend: string): Record<string, string> {
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    'TF.js backend': backend,
    'router kinds registered': Object.keys(ROUTERS).join(', '),
  };
}

const fmt = (a: Achieved) =>
  `$${(a.cost * 1000).toPrecision(4)}/1k queries, quality ${a.quality.toFixed(4)}, shares ${Object.entries(a.share)
    .map(([m, s]) => `${m} ${(s * 100).toFixed(1)}%`)
    .join(', ')}`;

export function registerEvalCommands(ctx: CliContext): void {
  const ev = ctx.group('eval', 'offline evaluation: RouterBench (AIQ, hull, Zero router, oracle) and RouteLLM (APGR, CPT) metrics, HTML report');

  addEvalFlags(
    ev
      .command('router')
      .description('replay trained router artifacts side by side on a score-table test file')
      .argument('<artifacts...>', 'artifact folders or <name>[/<version>] under the models dir')
      .requiredOption('--data <file>', 'test score table (.jsonl[.gz] | .json | .csv | .arrow | .parquet)')
      .option(
        '--prices <file>',
        "price table the routers decide with and calls without a logged cost are charged at (default: routers decide with their own prices; charges from a prices.json beside the data, else the first artifact's)",
      )
      .option('--models <list>', 'comma-separated models to evaluate (default: those every router and the data share)'),
  ).action(async (refs: string[], o: EvalFlags & { data: string; prices?: string; models?: string }) => {
    const opts = evalOptions(o);
    const backend = await initBackend(ctx.config.backend);
    const records = await readRecords(o.data, 'scores');
    const dirs = refs.map((r) => resolveArtifactDir(r, ctx.config.modelsDir));
    const pipelines = await Promise.all(dirs.map((d) => RouterPipeline.load(d)));
    const models = o.models ? o.models.split(',').map((s) => s.trim()) : modelsOf(records).filter((m) => pipelines.every((p) => p.models.includes(m)));
    if (models.length < 2)
      throw new LlmrError(`the routers and ${o.data} share ${models.length} model(s) (${models.join(', ')}); routing needs at least 2`, {
        field: '--models',
        fix: "evaluate on data scored for the routers' candidates",
      });
    const given = o.prices ? loadPrices(o.prices, o.data) : undefined;
    const prices = given ?? loadPrices(undefined, o.data) ?? pipelines[0]!.prices;
    if (given)
      for (const m of models)
        if (!given.has(m))
          throw new LlmrError(`--prices ${o.prices} has no price for "${m}"`, {
            field: '--prices',
            fix: `price every evaluated model; priced: ${given.models.join(', ')}`,
          });
    const table = evalTableFromRecords(o.data, records, prices, models);
    const artifacts: ArtifactInfo[] = [];
    const names = new Set<string>();
    const preds = [];
    const guarded: SeriesInput[] = [];
    for (const [k, p] of pipelines.entries()) {
      let name = `${p.meta.name}@${p.meta.version}`;
      if (names.has(name)) name = `${name}#${k}`;
      names.add(name);
      const digest = sha256Hex(readFileSync(join(dirs[k]!, 'manifest.json')));
      const pr = await pipelinePredictions(p, table, name, digest, 1024, given);
      preds.push(pr);
      if (p.guard) guarded.push(guardedSeries(table, pr, p.guard, opts.wtpPoints));
      artifacts.push({
        dataset: table.name,
        name,
        kind: p.router.kind,
        digest,
        params: p.router.params,
        trainRows: p.meta.trainingData?.rows,
        trainSeconds: p.meta.trainingData?.seconds,
        dir: dirs[k],
      });
    }
    // --reference may name an artifact as it was given on the command line, or as the report names it
    const refAt = opts.reference ? refs.indexOf(opts.reference) : -1;
    if (refAt >= 0) opts.reference = preds[refAt]!.name;
    const d = evaluateRouters(table, preds, { ...opts, extraSeries: guarded });
    finish(
      {
        title: `Router evaluation on ${o.data}`,
        createdAt: new Date().toISOString(),
        command: `llmr eval router ${refs.join(' ')} --data ${o.data}`,
        environment: environment(backend.name),
        datasets: [{ ...d, info: { source: o.data } }],
        artifacts,
      },
      o,
    );
  });

  addEvalFlags(
    ev
      .command('shared')
      .description(
        `train every registered router kind (${Object.keys(ROUTERS).join(', ')}) on the train files of the shared data sets and evaluate on their test files`,
      )
      .option('--shared <dir>', 'shared data root (default: $LLMR_SHARED_DATA or ../shared/data)')
      .option('--sets <list>', `comma-separated sets (default: ${SHARED_SET_NAMES.join(',')})`)
      .option('--routers <list>', 'comma-separated router kinds (default: every kind in the ROUTERS registry)')
      .option('--params <json>', 'hyper-parameters per kind, e.g. \'{"knn":{"k":40}}\'', jsonFlag('--params'))
      .option('--featurizer <kind>', 'featurizer kind or preset (default hashing; see llmr train router --help)')
      .option('--featurizer-config <json>', 'featurizer hyper-parameters as JSON', jsonFlag('--featurizer-config'))
      .option(
        '--guard-folds <n>',
        "folds of each router's Zero-router guard (cross-validated on the train split); the guarded router is reported beside the raw one",
        numberFlag('--guard-folds'),
        5,
      )
      .option('--no-guard', 'raw routers only (no guard, no k extra fits per router)')
      .option('--no-cascade', 'leave out the cascade series on RouterBench (reward model trained on its train split, as `llmr eval cascade`)')
      .option(
        '--cascade-max-length <n>',
        'longest cascade chain tried when choosing the call order on the calibration split',
        numberFlag('--cascade-max-length'),
        3,
      ),
  ).action(
    async (
      o: EvalFlags & {
        shared?: string;
        sets?: string;
        routers?: string;
        params?: Record<string, unknown>;
        featurizer?: string;
        featurizerConfig?: Record<string, unknown>;
        cascade: boolean;
        cascadeMaxLength: number;
        guard: boolean;
        guardFolds: number;
      },
    ) => {
      const opts = evalOptions(o);
      const t0 = Date.now();
      const backend = await initBackend(ctx.config.backend);
      const root = o.shared ?? ctx.config.sharedDataDir;
      const routers = o.routers ? o.routers.split(',').map((s) => s.trim()) : Object.keys(ROUTERS);
      // the bar every learned router is held to is kNN: compare with it unless told otherwise
      if (o.reference === undefined && routers.includes('knn')) opts.reference = 'knn';
      if (opts.reference && !routers.includes(opts.reference))
        throw new LlmrError(`--reference ${opts.reference} is not among the routers trained (${routers.join(', ')})`, {
          field: '--reference',
          fix: `use one of: ${routers.join(', ')}, or none`,
        });
      const sets = await loadSharedSets(root, o.sets ? o.sets.split(',').map((s) => s.trim()) : undefined);
      const log = (l: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${l}\n`);
      const datasets = [];
      const artifacts: ArtifactInfo[] = [];
      if (!(Number.isInteger(o.cascadeMaxLength) && o.cascadeMaxLength >= 1))
        throw new LlmrError(`--cascade-max-length must be a positive integer, got ${o.cascadeMaxLength}`, { field: '--cascade-max-length' });
      for (const set of sets) {
        // the cascade needs logged responses: RouterBench has them
        const extraSeriesFor =
          o.cascade && set.name === 'routerbench'
            ? (table: EvalTable) => routerbenchCascade(table, { sharedRoot: root, backend: backend.name, maxLength: o.cascadeMaxLength, log })
            : undefined;
        if (!(Number.isInteger(o.guardFolds) && o.guardFolds >= 2))
          throw new LlmrError(`--guard-folds must be an integer ≥ 2, got ${o.guardFolds}`, { field: '--guard-folds' });
        const r = await trainAndEvaluate(set, {
          ...opts,
          guard: o.guard ? { folds: o.guardFolds } : false,
          routers,
          params: o.params as Record<string, Record<string, unknown>> | undefined,
          featurizer: o.featurizer,
          featurizerConfig: o.featurizerConfig,
          extraSeriesFor,
          log,
        });
        datasets.push(r.dataset);
        artifacts.push(...r.artifacts);
        if (!o.json) process.stdout.write('\n' + metricsText(r.dataset));
      }
      const report: EvalReport = {
        title: o.cascade ? 'Routers (and a cascade) on the shared data sets' : 'Routers on the shared data sets',
        createdAt: new Date().toISOString(),
        command: `llmr eval shared${o.sets ? ` --sets ${o.sets}` : ''}${o.routers ? ` --routers ${o.routers}` : ''}${o.featurizer ? ` --featurizer ${o.featurizer}` : ''}${o.reference ? ` --reference ${o.reference}` : ''}${o.cascade ? '' : ' --no-cascade'}`,
        environment: { ...environment(backend.name), 'shared data': root, 'wall time': `${((Date.now() - t0) / 1000).toFixed(0)} s` },
        datasets,
        artifacts,
      };
      if (o.report) {
        const p = writeReport(o.report, report);
        process.stderr.write(`report: ${p.html}\n        ${p.md}\n        ${p.json}\n`);
      }
      if (o.json) process.stdout.write(renderMarkdown(report));
    },
  );

  ctx.program
    .command('calibrate')
    .description(
      'turn a goal (share of strong calls, budget per 1,000 queries, minimum quality) into the router\'s knob on a calibration split, report what it achieves on a test split, and store it in the artifact (use it with policy {"kind":"calibrated","name":…})',
    )
    .argument('<artifact>', 'artifact folder or <name>[/<version>] under the models dir')
    .requiredOption('--data <file>', 'calibration score table (split by prompt hash into calibration/test unless --test is given)')
    .option('--test <file>', 'held-out test score table (default: the other part of --data)')
    .option('--calibration-fraction <x>', 'share of --data used for calibration when --test is absent', numberFlag('--calibration-fraction'), 0.5)
    .requiredOption('--goal <goal>', 'share=<0..1 of calls to the strong model> | budget=<USD per 1,000 queries> | quality=<minimum mean quality>')
    .option('--name <name>', 'name to store the calibration under (default: derived from the goal)')
    .option('--strong <model>', 'strong model (threshold knob with --weak; for N models: whose share a share goal counts)')
    .option('--weak <model>', 'weak model: calibrate the strong/weak threshold instead of willingness to pay')
    .option('--prices <file>', "price table for calls without a logged cost (default: beside the data, else the artifact's)")
    .option('--dry-run', 'report, do not write the artifact')
    .option('--json', 'print the calibration entry as JSON')
    .action(
      async (
        ref: string,
        o: {
          data: string;
          test?: string;
          calibrationFraction: number;
          goal: string;
          name?: string;
          strong?: string;
          weak?: string;
          prices?: string;
          dryRun?: boolean;
          json?: boolean;
        },
      ) => {
        const goal = parseGoal(o.goal);
        if (!(o.calibrationFraction > 0 && o.calibrationFraction < 1))
          throw new LlmrError(`--calibration-fraction must be in (0, 1), got ${o.calibrationFraction}`, { field: '--calibration-fraction' });
        await initBackend(ctx.config.backend);
        const dir = resolveArtifactDir(ref, ctx.config.modelsDir);
        const pipeline = await RouterPipeline.load(dir);
        const all = await readRecords(o.data, 'scores');
        let calRecs: ScoreRecord[];
        let testRecs: ScoreRecord[];
        let split: string;
        if (o.test) {
          calRecs = all;
          testRecs = await readRecords(o.test, 'scores');
          split = `calibration ${o.data}, test ${o.test}`;
        } else {
          const s = splitRecords(all, { fractions: [o.calibrationFraction, 1 - o.calibrationFraction], names: ['calibration', 'test'], salt: 'calibrate' });
          calRecs = s.calibration!;
          testRecs = s.test!;
          split = `${o.data} split by prompt hash (salt "calibrate"): ${calRecs.length} calibration / ${testRecs.length} test`;
        }
        const models = modelsOf(calRecs).filter((m) => pipeline.models.includes(m));
        if (models.length < 2)
          throw new LlmrError(`${o.data} has ${models.length} of the router's models (${pipeline.models.join(', ')})`, {
            field: '--data',
            fix: "calibrate on data scored for the router's candidates",
          });
        const prices = loadPrices(o.prices, o.data) ?? pipeline.prices;
        const cal = evalTableFromRecords('calibration', calRecs, prices, models);
        const test = testRecs.length ? evalTableFromRecords('test', testRecs, prices, models) : undefined;
        const calPred = await pipelinePredictions(pipeline, cal);
        const entry: CalibrationEntry = calibrate(
          goal,
          cal,
          calPred,
          { strong: o.strong, weak: o.weak },
          test ? { table: test, pred: await pipelinePredictions(pipeline, test) } : undefined,
        );
        const name = o.name ?? `${goal.kind}-${goal.kind === 'share' ? goal.share : goal.kind === 'budget' ? goal.usdPer1k : goal.min}`;
        if (o.json) process.stdout.write(JSON.stringify({ name, split, ...entry }, null, 2) + '\n');
        else {
          const lines = [
            `goal: ${describeGoal(goal, entry.strong)} (${split})`,
            `knob: ${entry.knob} → policy ${JSON.stringify(roundDeep(entry.policy))}${entry.feasible ? '' : '  [goal NOT reachable on the calibration split: closest setting taken]'}`,
            `calibrated (${entry.calibration.rows} rows): ${fmt(entry.calibration)}`,
            entry.test ? `achieved   (${entry.test.rows} rows): ${fmt(entry.test)}` : 'achieved: no test rows',
          ];
          process.stdout.write(lines.join('\n') + '\n');
        }
        if (!o.dryRun) {
          const { manifest } = readArtifact(dir);
          await pipeline.save(dir, { calibrations: { ...manifest.calibrations, [name]: { ...entry, split } } });
          process.stderr.write(`stored calibration "${name}" in ${dir}/manifest.json — route with policy {"kind":"calibrated","name":"${name}"}\n`);
        }
      },
    );
}
