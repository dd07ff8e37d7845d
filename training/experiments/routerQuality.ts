/**
 * Quality experiment for the routers on the shared real data (not a product command): featurize once, fit
 * each router configuration, evaluate with src/eval (RouterBench AIQ over a willingness-to-pay sweep, RouteLLM
 * APGR for the strong/weak pair).
 *
 *   node --import tsx training/experiments/routerQuality.ts --set routerbench --mode val \
 *     --routers '[{"kind":"knn","params":{"k":40}},{"kind":"mlp"}]'
 *
 * --mode val: train on 80 % of the training split (by prompt hash), evaluate on the other 20 % (for tuning);
 *   --folds K repeats it over K different hash salts and averages.
 * --mode test: train on the whole training split, evaluate on the test split (report numbers).
 * Sets: routerbench (its own train/test files), routellm-mmlu / routellm-gsm8k (contaminated prompts removed,
 * 50/50 train/test by prompt hash).
 * Router kind "sklearn-knn" (params {k}) runs the issue's reference, training/reference/knn_sklearn.py, with
 * $LLMR_REFERENCE_PYTHON (default /usr/bin/python3, needs python3-sklearn) on the same rows.
 * --reference NAME --bootstrap N: every other router's AIQ/APGR minus NAME's, paired bootstrap intervals.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../../src/backend/backend.js';
import type { ScoreRecord } from '../../src/data/schemas.js';
import { importDataset } from '../../src/data/importers/registry.js';
import { ROUTELLM_STRONG, ROUTELLM_WEAK } from '../../src/data/importers/routellm.js';
import { splitRecords } from '../../src/data/split.js';
import { evaluateRouters, type RouterPredictions } from '../../src/eval/evaluate.js';
import { evalTableFromRecords } from '../../src/eval/evalTable.js';
import { diffCell } from '../../src/eval/report/report.js';
import { predictionsFromFeatures } from '../../src/eval/predict.js';
import { createFeaturizer } from '../../src/featurizers/registry.js';
import { PriceTable, type PriceTableData } from '../../src/prices/PriceTable.js';
import { fitRouter } from '../../src/routers/fitRouter.js';
import { RouterPipeline } from '../../src/routers/RouterPipeline.js';
import { buildTrainingSet } from '../../src/routers/trainingSet.js';

interface RouterConfig {
  /** A router kind, or "blend": the mean of the predictions of the configs named in `members`. */
  kind: string;
  name?: string;
  params?: Record<string, unknown>;
  members?: string[];
  /**
   * Diagnostic: train on each row's scores shrunk toward its task's training mean, (1 − shrink)·score +
   * shrink·mean (the task labels denoise 0/1 outcomes; they are needed at training time only).
   */
  shrink?: number;
}

function shrinkToTaskMeans(rows: readonly ScoreRecord[], shrink: number): ScoreRecord[] {
  const sums = new Map<string, Map<string, [number, number]>>();
  for (const r of rows) {
    const t = sums.get(r.task ?? '') ?? sums.set(r.task ?? '', new Map()).get(r.task ?? '')!;
    for (const [m, v] of Object.entries(r.scores)) {
      if (typeof v !== 'number') continue;
      const e = t.get(m) ?? [0, 0];
      t.set(m, [e[0] + v, e[1] + 1]);
    }
  }
  return rows.map((r) => ({
    ...r,
    scores: Object.fromEntries(
      Object.entries(r.scores).map(([m, v]) => {
        const [s, n] = sums.get(r.task ?? '')!.get(m)!;
        return [m, typeof v === 'number' ? (1 - shrink) * v + (shrink * s) / n : v];
      }),
    ),
  }));
}

/** The issue's reference kNN (scikit-learn) on these rows: its predicted scores per test row, in `models` order. */
function sklearnKnn(train: readonly ScoreRecord[], ids: readonly string[], prompts: readonly string[], models: readonly string[], k: number): Float64Array[] {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-skref-'));
  try {
    const input = join(dir, 'in.json');
    const output = join(dir, 'out.json');
    const score = (v: unknown) => (typeof v === 'number' ? v : null);
    writeFileSync(
      input,
      JSON.stringify({
        models,
        train: train.map((r) => ({ prompt: r.prompt, scores: models.map((m) => score(r.scores[m])) })),
        test: ids.map((id, i) => ({ id, prompt: prompts[i] })),
      }),
    );
    const py = process.env.LLMR_REFERENCE_PYTHON ?? '/usr/bin/python3';
    const r = spawnSync(py, [join(import.meta.dirname, '..', 'reference', 'knn_sklearn.py'), '--input', input, '--output', output, '--k', String(k)], {
      encoding: 'utf8',
    });
    if (r.status !== 0)
      throw new Error(`${py} knn_sklearn.py failed (exit ${r.status}): ${r.stderr || r.error}; it needs scikit-learn (apt-get install python3-sklearn)`);
    const out = JSON.parse(readFileSync(output, 'utf8')) as { ids: string[]; pred: number[][] };
    if (out.ids.join('\n') !== ids.join('\n')) throw new Error('knn_sklearn.py returned rows in another order');
    return out.pred.map((p) => Float64Array.from(p));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Mean squared error of predicted scores against the test scores (all cells). */
function brier(pred: readonly Float64Array[], quality: readonly Float64Array[]): number {
  let s = 0;
  let n = 0;
  pred.forEach((p, i) =>
    p.forEach((v, j) => {
      s += (v - quality[i]![j]!) ** 2;
      n++;
    }),
  );
  return s / n;
}

const { values: args } = parseArgs({
  options: {
    set: { type: 'string', default: 'routerbench' },
    mode: { type: 'string', default: 'val' },
    routers: { type: 'string', default: '[{"kind":"knn","params":{"k":40}}]' },
    featurizer: { type: 'string', default: '{"kind":"hashing","config":{}}' },
    data: { type: 'string', default: join(import.meta.dirname, '..', '..', '..', 'shared', 'data') },
    seed: { type: 'string', default: '42' },
    validation: { type: 'boolean', default: false },
    folds: { type: 'string', default: '1' },
    'logged-cost': { type: 'boolean', default: false },
    /** Diagnostic: an MMLU row's task is its subject (from the id mmlu-<subject>-<row>) instead of "mmlu". */
    'subject-tasks': { type: 'boolean', default: false },
    reference: { type: 'string' },
    bootstrap: { type: 'string', default: '0' },
  },
});

async function loadSet(
  set: string,
  root: string,
): Promise<{ train: ScoreRecord[]; test: ScoreRecord[]; prices: PriceTableData; pair?: { strong: string; weak: string } }> {
  if (set === 'routerbench') {
    const r = await importDataset('routerbench', join(root, 'routerbench-subset-via-routerdc'));
    if (r.kind !== 'scores') throw new Error('unexpected pairwise import');
    return { train: r.splits.train!, test: r.splits.test!, prices: r.prices! };
  }
  const m = /^routellm-(mmlu|gsm8k)$/.exec(set);
  if (m) {
    const r = await importDataset('routellm', join(root, 'routellm-evals-2model'));
    if (r.kind !== 'scores') throw new Error('unexpected pairwise import');
    const s = splitRecords(r.splits[m[1]!]!, { fractions: [0.5, 0.5], names: ['train', 'test'] });
    return { train: s.train!, test: s.test!, prices: r.prices!, pair: { strong: ROUTELLM_STRONG, weak: ROUTELLM_WEAK } };
  }
  throw new Error(`unknown --set ${set}`);
}

interface Fold {
  name: string;
  train: number[];
  valRecords?: ScoreRecord[];
  valX?: Float32Array[];
  table: ReturnType<typeof evalTableFromRecords>;
  testX: Float32Array[];
}

async function main(): Promise<void> {
  const backend = await initBackend();
  const seed = Number(args.seed);
  const all = await loadSet(args.set!, args.data!);
  if (args['subject-tasks']) {
    const subject = (r: ScoreRecord) => ({ ...r, task: /^mmlu-(.+)-\d+$/.exec(r.id)?.[1] ?? r.task });
    all.train = all.train.map(subject);
    all.test = all.test.map(subject);
  }
  const prices = new PriceTable(all.prices);
  const models = [...new Set(all.train.flatMap((r) => Object.keys(r.scores)))];
  const fz = JSON.parse(args.featurizer!) as { kind: string; config?: Record<string, unknown> };
  const featurizer = createFeaturizer(fz.kind, fz.config ?? {});
  const t0 = performance.now();
  // One featurizer fit on the whole training split (IDF is unsupervised); val folds pick rows from it.
  await featurizer.fit(all.train.map((r) => r.prompt));
  const allX = await featurizer.transform(all.train.map((r) => r.prompt));
  const rowOf = new Map(all.train.map((r, i) => [r, i]));
  const folds: Fold[] = [];
  if (args.mode === 'val') {
    for (let k = 0; k < Number(args.folds); k++) {
      const s = splitRecords(all.train, { fractions: [0.8, 0.2], names: ['train', 'val'], salt: k === 0 ? 'tune' : `tune${k}` });
      const table = evalTableFromRecords(`${args.set}-val${k}`, s.val!, prices, models);
      const byId = new Map(s.val!.map((r) => [r.id, rowOf.get(r)!]));
      folds.push({ name: `val${k}`, train: s.train!.map((r) => rowOf.get(r)!), table, testX: table.ids.map((id) => allX[byId.get(id)!]!) });
    }
  } else {
    let trainRecs = all.train;
    let valRecords: ScoreRecord[] | undefined;
    if (args.validation) {
      const s = splitRecords(all.train, { fractions: [0.9, 0.1], names: ['train', 'val'], salt: 'early-stop' });
      trainRecs = s.train!;
      valRecords = s.val!;
    }
    const table = evalTableFromRecords(`${args.set}-test`, all.test, prices, models);
    folds.push({
      name: 'test',
      train: trainRecs.map((r) => rowOf.get(r)!),
      valRecords,
      valX: valRecords?.map((r) => allX[rowOf.get(r)!]!),
      table,
      testX: await featurizer.transform(table.prompts),
    });
  }
  console.error(
    `backend ${backend.name}; ${all.train.length} train rows, ${folds.length} fold(s), ${models.length} models; featurized in ${((performance.now() - t0) / 1000).toFixed(1)}s`,
  );
  const configs = JSON.parse(args.routers!) as RouterConfig[];
  const results = new Map<string, { aiq: number[]; apgr: number[]; fit: number[]; brier: number[] }>();
  const resultOf = (name: string) => results.get(name) ?? results.set(name, { aiq: [], apgr: [], fit: [], brier: [] }).get(name)!;
  const base = { zero: [] as number[], zeroApgr: [] as number[], random: [] as number[], randomApgr: [] as number[] };
  for (const fold of folds) {
    const train = fold.train.map((i) => all.train[i]!);
    const trainX = fold.train.map((i) => allX[i]!);
    // what the routers not built on a RouterPipeline decide with: the price table's expected cost per call
    const priceCost = fold.table.prompts.map((pr) => Float64Array.from(models, (m) => prices.cost(m, pr)));
    const preds: RouterPredictions[] = [];
    for (const c of configs) {
      const name = c.name ?? `${c.kind}${c.params ? ' ' + JSON.stringify(c.params) : ''}`;
      if (c.kind === 'taskmeans') {
        // Diagnostic baseline: each model's mean training score on the row's task label (the label the data
        // set carries; a router has to infer it from the prompt).
        const sums = new Map<string, { s: Float64Array; n: Float64Array }>();
        train.forEach((r) => {
          const k = r.task ?? '';
          const e = sums.get(k) ?? sums.set(k, { s: new Float64Array(models.length), n: new Float64Array(models.length) }).get(k)!;
          models.forEach((m, j) => {
            const v = r.scores[m];
            if (typeof v === 'number') (e.s[j]! += v), (e.n[j]! += 1);
          });
        });
        const pred = fold.table.ids.map((_, i) => {
          const e = sums.get(fold.table.tasks?.[i] ?? '')!;
          return Float64Array.from(e.s, (v, j) => v / Math.max(1, e.n[j]!));
        });
        preds.push({ name, kind: 'taskmeans', pred, expectedCost: priceCost });
        resultOf(name).fit.push(0);
        continue;
      }
      if (c.kind === 'sklearn-knn') {
        const k = typeof c.params?.k === 'number' ? c.params.k : 40;
        const f0 = performance.now();
        const pred = sklearnKnn(train, fold.table.ids, fold.table.prompts, models, k);
        preds.push({ name, kind: 'sklearn-knn', pred, expectedCost: priceCost });
        resultOf(name).fit.push((performance.now() - f0) / 1000);
        continue;
      }
      if (c.kind === 'blend') {
        const members = (c.members ?? []).map((m) => preds.find((p) => p.name === m));
        if (members.length === 0 || members.some((m) => !m)) throw new Error(`blend ${name}: members must name earlier configs`);
        const pred = members[0]!.pred.map((row, i) => row.map((_, j) => members.reduce((acc, m) => acc + m!.pred[i]![j]!, 0) / members.length));
        preds.push({ ...members[0]!, name, kind: 'blend', pred });
        const r = resultOf(name);
        r.fit.push(0);
        continue;
      }
      const data = buildTrainingSet(c.shrink ? shrinkToTaskMeans(train, c.shrink) : train, trainX, models);
      const validation = fold.valRecords && fold.valX ? buildTrainingSet(fold.valRecords, fold.valX, models) : undefined;
      const f0 = performance.now();
      let last = '';
      // a config's params.seed wins over --seed (resolveSeed: flag > params; here --seed is the experiment's default)
      const router = await fitRouter(c.kind, { seed, ...(c.params ?? {}) }, data, {
        validation,
        onProgress: (p) => (last = `epoch ${p.epoch}/${p.epochs} loss ${p.loss?.toFixed(4)} val ${p.valLoss?.toFixed(4)} metric ${p.metric?.toFixed(4)}`),
      });
      const secs = (performance.now() - f0) / 1000;
      console.error(`${fold.name} ${name}: fit ${secs.toFixed(1)}s; ${last}`);
      const pipeline = new RouterPipeline(featurizer, router, prices, { name, version: 'exp' });
      preds.push(await predictionsFromFeatures(pipeline, fold.table, fold.testX, name));
      router.dispose?.();
      const r = resultOf(name);
      r.fit.push(secs);
    }
    // Diagnostic: decide with each row's logged cost instead of the price table's expected cost.
    if (args['logged-cost']) for (const p of preds) p.expectedCost = fold.table.cost.map((c) => Float64Array.from(c));
    const ev = evaluateRouters(fold.table, preds, { bootstrap: Number(args.bootstrap), pair: all.pair ?? null, reference: args.reference ?? null });
    if (ev.reference) {
      const lines = ev.routers
        .filter((r) => r.vsReference)
        .map((r) => `| ${r.name} | ${diffCell(r.vsReference!.aiq, r.vsReference!.aiqCI, 4)} | ${diffCell(r.vsReference!.apgr, r.vsReference!.apgrCI, 4)} |`);
      console.log(
        `\n${fold.name}: minus ${ev.reference}, paired bootstrap (${args.bootstrap} resamples, 95%)\n| router | AIQ − ref | APGR − ref |\n|---|---|---|\n${lines.join('\n')}`,
      );
    }
    base.zero.push(ev.zero.aiq);
    base.random.push(ev.random.aiq);
    if (ev.zero.pair) base.zeroApgr.push(ev.zero.pair.apgr);
    if (ev.random.pair) base.randomApgr.push(ev.random.pair.apgr);
    for (const p of preds) results.get(p.name)!.brier.push(brier(p.pred, fold.table.quality));
    for (const r of ev.routers) {
      results.get(r.name)!.aiq.push(r.aiq);
      if (r.pair) results.get(r.name)!.apgr.push(r.pair.apgr);
    }
    console.error(
      `${fold.name}: zero ${ev.zero.aiq.toFixed(4)} ` +
        ev.routers.map((r) => `${r.name} ${r.aiq.toFixed(4)}${r.pair ? ` apgr ${r.pair.apgr.toFixed(4)}` : ''}`).join('; '),
    );
  }
  const avg = (a: number[]) => (a.length ? (a.reduce((x, y) => x + y, 0) / a.length).toFixed(4) : '');
  const pair = !!all.pair;
  const rows = [`| router | AIQ | ${pair ? 'APGR | ' : ''}Brier | fit s |`, `|---|---|${pair ? '---|' : ''}---|---|`];
  rows.push(`| zero router | ${avg(base.zero)} | ${pair ? `${avg(base.zeroApgr)} | ` : ''} | |`);
  rows.push(`| random | ${avg(base.random)} | ${pair ? `${avg(base.randomApgr)} | ` : ''} | |`);
  for (const [name, r] of results) rows.push(`| ${name} | ${avg(r.aiq)} | ${pair ? `${avg(r.apgr)} | ` : ''}${avg(r.brier)} | ${avg(r.fit)} |`);
  console.log(
    `\n${args.set} (${args.mode}, ${folds.length} fold(s): ${folds.map((f) => f.table.ids.length).join('/')} eval rows; mean over folds)\n${rows.join('\n')}`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
