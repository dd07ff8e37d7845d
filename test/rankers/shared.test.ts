import { beforeAll, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/backend.js';
import { importDataset } from '../../src/data/importers/registry.js';
import { lengthBaseline, pairHits } from '../../src/eval/rankers/evaluateRanker.js';
import { loadRankDataset } from '../../src/rankers/rankData.js';
import { textPairsFromRecords } from '../../src/rankers/textPairs.js';
import { trainAndEvaluateRanker } from '../../src/eval/rankers/trainAndEvaluateRanker.js';
import { describeShared, SHARED_DATA, sharedPath } from '../helpers/shared.js';

/**
 * Rankers on the real preference data: train on the train split (validation for early stopping), score the
 * held-out test split (prompt-hash split). Measured on wasm (seeded, deterministic): PandaLM default pairwise
 * 0.704 vs length 0.659 (186 non-tie pairs); HH-RLHF linear pairwise 0.647 vs length 0.487 (463 pairs).
 * Thresholds leave room for other backends; the 0.75 / 0.65 targets are not asserted (not reached on PandaLM).
 */
beforeAll(async () => {
  await initBackend();
});

describeShared(
  'length baseline on the full sets reproduces the measured agreement',
  () => {
    it('PandaLM majority: ≈ 0.67 of the non-tie pairs; HH-RLHF chosen: ≈ 0.445', async () => {
      for (const [format, folder, want, n] of [
        ['pandalm', 'pandalm-human-pairwise', 0.675, 887],
        ['hh-rlhf', 'hh-rlhf-harmless-test', 0.4455, 2301],
      ] as const) {
        const r = await importDataset(format, sharedPath(folder));
        const { pairs } = textPairsFromRecords(Object.values(r.splits).flat() as never);
        const decided = Array.from(
          pairHits(
            lengthBaseline(pairs),
            pairs.map((p) => p.y),
          ),
        ).filter((h) => h === 0 || h === 1) as number[];
        expect(decided.length).toBe(n);
        expect(decided.reduce((a: number, b) => a + b, 0) / n).toBeCloseTo(want, 3);
      }
    });
  },
  ['pandalm-human-pairwise'],
  ['hh-rlhf-harmless-test'],
);

describeShared('pairwise ranker on PandaLM (held-out prompts)', () => {
  it('beats random and the length baseline; reports agreement with each annotator', async () => {
    const ds = await loadRankDataset('pandalm', SHARED_DATA);
    const { eval: e, pipeline } = await trainAndEvaluateRanker(ds, { kind: 'pairwise', bootstrap: 200 });
    pipeline.dispose();
    expect(e.ranker.n).toBeGreaterThan(150);
    expect(e.ranker.accuracy).toBeGreaterThan(0.62);
    expect(e.ranker.accuracy).toBeGreaterThan(e.baselines.length.accuracy);
    expect(e.annotators).toHaveLength(3);
    for (const a of e.annotators!) expect(a.ranker).toBeGreaterThan(0.55);
  });
}, ['pandalm-human-pairwise']);

describeShared('linear pairwise ranker on HH-RLHF harmless (held-out prompts)', () => {
  it('beats random and the (here inverted) length baseline', async () => {
    const ds = await loadRankDataset('hh-rlhf', SHARED_DATA);
    const { eval: e, pipeline } = await trainAndEvaluateRanker(ds, { kind: 'pairwise', params: { embed: 0 }, bootstrap: 200 });
    pipeline.dispose();
    expect(e.ranker.n).toBeGreaterThan(400);
    expect(e.ranker.accuracy).toBeGreaterThan(0.6);
    expect(e.ranker.ci!.lo).toBeGreaterThan(0.5);
    expect(e.ranker.accuracy).toBeGreaterThan(e.baselines.length.accuracy + 0.1);
  });
}, ['hh-rlhf-harmless-test']);
