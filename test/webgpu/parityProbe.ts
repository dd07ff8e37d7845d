/**
 * Child process of parity.test.ts: trains every router and ranker kind of the registries on one small fixed
 * problem (fixed seeds) on the backend named by LLMR_BACKEND, and prints one JSON line: per kind the
 * validation loss, the predictions on held-out prompts / pairs, the save → load round trip and the tensors
 * left behind. One backend per process: TF.js keeps one active backend, and the software Vulkan adapter
 * needs VK_ICD_FILENAMES / LD_LIBRARY_PATH set before the process starts.
 */
import * as tf from '@tensorflow/tfjs';
import { backendLabel, initBackend } from '../../src/backend/backend.js';
import { HashingFeaturizer } from '../../src/featurizers/hashing.js';
import { buildRankTrainingSet } from '../../src/rankers/rankFeatures.js';
import { loadRanker, RANKERS } from '../../src/rankers/registry.js';
import { ROUTERS } from '../../src/routers/registry.js';
import type { TrainResult } from '../../src/train/harness.js';
import { pairsFromScores, subsetTrainingSet } from '../../src/routers/trainingSet.js';
import { syntheticPairs } from '../rankers/synthetic.js';
import { syntheticRouting } from '../routers/synthetic.js';
import { PARITY_RANKERS, PARITY_ROUTERS, type KindResult, type ProbeResult } from './parityShared.js';

const wanted = process.env.LLMR_BACKEND ?? '';
const only = (process.env.LLMR_PARITY_KINDS ?? '').split(',').filter(Boolean);
const pick = (k: string) => only.length === 0 || only.includes(k);

async function main(): Promise<ProbeResult> {
  let info: Awaited<ReturnType<typeof initBackend>>;
  try {
    info = await initBackend(wanted);
  } catch (e) {
    return { backend: wanted, label: '', unavailable: (e as Error).message, kinds: {} };
  }
  const kinds: Record<string, KindResult> = {};

  // Routers: three topics with a clear best model each (0.95 / 0.95 / 0.6 against 0.15), 0/1 scores with 5 %
  // missing; the first 150 rows train, the other 150 are test prompts.
  const all = syntheticRouting({ rows: 300, dim: 32, models: 3, clusters: 3, seed: 11 });
  const data = subsetTrainingSet(all, [...Array(150).keys()]);
  const testX = all.features.slice(150);
  for (const [kind, spec] of Object.entries(ROUTERS)) {
    if (!pick(kind)) continue;
    const t0 = performance.now();
    const before = tf.memory().numTensors;
    const router = spec.create({ ...(PARITY_ROUTERS[kind] ?? {}), seed: 7 });
    const set = spec.trainsOn === 'pairs' ? { ...data, pairs: pairsFromScores(data.scores) } : data;
    await router.fit(set, { seed: 7 });
    const pred = await router.predict(testX);
    const loaded = await spec.load(router.params, await router.save(), [...router.models]);
    const again = await loaded.predict(testX);
    const last = (router as { lastTrain?: TrainResult | null }).lastTrain;
    const valLoss = last ? last.bestValLoss : null;
    const epochSeconds = last ? last.history.map((e) => e.seconds) : [];
    router.dispose?.();
    loaded.dispose?.();
    kinds[`router:${kind}`] = {
      valLoss,
      outputs: pred.map((r) => [...r]),
      roundTrip: pred.every((r, i) => r.every((v, j) => Math.abs(v - again[i]![j]!) < 1e-6)),
      leaked: tf.memory().numTensors - before,
      seconds: (performance.now() - t0) / 1000,
      epochSeconds,
    };
  }

  // Rankers: response pairs with a learnable rule (see test/rankers/synthetic.ts).
  const ptrain = syntheticPairs(120, 1);
  const ptest = syntheticPairs(80, 2);
  const pf = await new HashingFeaturizer({ dim: 128, charNgrams: null }).fit(ptrain.flatMap((p) => [p.prompt, p.a.text, p.b.text]));
  const trainSet = await buildRankTrainingSet(pf, ptrain);
  const testSet = await buildRankTrainingSet(pf, ptest);
  const pairs = testSet.pairs.map((p) => [p.a, p.b] as const);
  for (const [kind, spec] of Object.entries(RANKERS)) {
    if (!pick(kind)) continue;
    const t0 = performance.now();
    const before = tf.memory().numTensors;
    const ranker = spec.create(PARITY_RANKERS);
    await ranker.fit(trainSet);
    const p = await ranker.compare(testSet, pairs);
    const loaded = await loadRanker(kind, PARITY_RANKERS, await ranker.save());
    const again = await loaded.compare(testSet, pairs);
    const last = (ranker as { lastTrain?: TrainResult | null }).lastTrain;
    ranker.dispose?.();
    loaded.dispose?.();
    kinds[`ranker:${kind}`] = {
      valLoss: last?.bestValLoss ?? null,
      outputs: [...p].map((v) => [v, 1 - v]),
      decisive: testSet.pairs.flatMap((q, i) => (q.y === 0.5 ? [] : [i])),
      roundTrip: [...p].every((v, i) => Math.abs(v - again[i]!) < 1e-6),
      leaked: tf.memory().numTensors - before,
      seconds: (performance.now() - t0) / 1000,
      epochSeconds: last?.history.map((e) => e.seconds) ?? [],
    };
  }
  return { backend: info.name, label: backendLabel(info), ...(info.adapter ? { adapter: info.adapter } : {}), kinds };
}

const result = await main();
process.stdout.write(JSON.stringify(result) + '\n');
// Dawn keeps its device alive; the parent reads one line and the probe exits.
process.exit(0);
