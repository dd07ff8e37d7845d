import { describe, expect, it } from 'vitest';
import { readRecords } from '../../src/data/readRecords.js';
import { createFeaturizer } from '../../src/featurizers/registry.js';
import { EloRouter } from '../../src/routers/elo.js';
import { KnnRouter } from '../../src/routers/knn.js';
import type { RouterState } from '../../src/routers/Router.js';
import { buildTrainingSet } from '../../src/routers/trainingSet.js';
import { ExactIndex } from '../../src/vectorIndex/ExactIndex.js';
import { HnswIndex } from '../../src/vectorIndex/HnswIndex.js';
import type { ScoreRecord } from '../../src/data/schemas.js';

/** The state knn's save() wrote before the vectorIndex factory: `index: 'exact' | 'hnsw'`, dense index.f32 or index.hnsw. */
function legacyKnnState(st: RouterState, kind: 'exact' | 'hnsw', index: Uint8Array): RouterState {
  const { indexDescriptor: _d, ...state } = st.state as Record<string, unknown>;
  return { state: { ...state, index: kind }, files: { 'scores.f64': st.files['scores.f64']!, [kind === 'exact' ? 'index.f32' : 'index.hnsw']: index } };
}

describe('neighbour routers on the new index factory', async () => {
  const train = (await readRecords('data/sample/llmrouter-train.jsonl.gz', 'scores')) as ScoreRecord[];
  const test = ((await readRecords('data/sample/llmrouter-test.jsonl.gz', 'scores')) as ScoreRecord[]).slice(0, 150);
  const f = createFeaturizer('hashing');
  await f.fit(train.map((r) => r.prompt));
  const features = await f.transform(train.map((r) => r.prompt));
  const data = buildTrainingSet(train, features);
  const queries = await f.transform(test.map((r) => r.prompt));
  // HNSW cases on 500 rows: graph builds over 4,096-d vectors are slow on a shared 2-core machine
  const small = buildTrainingSet(train.slice(0, 500), features.slice(0, 500));

  it('knn on the demo data: sparse exact index, predictions bit-identical to the old dense exact index (so every routing decision is the same)', async () => {
    const knn = await new KnnRouter().fit(data);
    const st = await knn.save();
    expect(st.state.index).toBe('sparse');
    expect(Object.keys(st.files).sort()).toEqual(['index.sparse', 'scores.f64']);
    // bytes per row of the index: the old dense index stored 4 · 4096 = 16 KB
    expect(st.files['index.sparse']!.byteLength / train.length).toBeLessThan(4096);
    const old = await KnnRouter.load(knn.params, legacyKnnState(st, 'exact', ExactIndex.build(features, f.dim).serialize()), data.models);
    const a = await knn.predict(queries);
    const b = await old.predict(queries);
    expect(a.map((r) => Array.from(r))).toEqual(b.map((r) => Array.from(r)));
    for (const q of queries.slice(0, 20)) expect(Array.from(knn.predictOne(q))).toEqual(Array.from(old.predictOne(q)));
    const back = await KnnRouter.load(knn.params, st, data.models);
    expect((await back.predict(queries)).map((r) => Array.from(r))).toEqual(a.map((r) => Array.from(r)));
  });

  it('knn artifacts with an hnswlib-node index (written before usearch) still load and predict as before', async () => {
    const knn = await new KnnRouter({ k: 10 }).fit(small);
    const st = await knn.save();
    const h = HnswIndex.build(small.features, f.dim, { m: 16, efConstruction: 100, efSearch: 100, seed: 42 });
    const old = await KnnRouter.load({ ...knn.params, exactBelow: 10000 }, legacyKnnState(st, 'hnsw', h.serialize()), small.models);
    const e = await old.explain(queries[0]!);
    expect(e.index).toBe('hnsw');
    const want = h.search(queries[0]!, 10).map((x) => x.index);
    expect((e as { neighbours: { id: string }[] }).neighbours.map((n) => n.id)).toEqual(want.map((i) => train[i]!.id));
  });

  it('knn with search: approximate builds usearch (f16), saves it and loads it back with ef restored', async () => {
    const knn = await new KnnRouter({ k: 10, search: 'approximate', ef: 60 }).fit(small);
    const st = await knn.save();
    expect(st.state.index).toBe('usearch');
    expect((st.state as { indexDescriptor: { ef: number; quantization: string } }).indexDescriptor).toMatchObject({ ef: 60, quantization: 'f16' });
    const back = await KnnRouter.load(knn.params, st, small.models);
    expect((await back.predict(queries.slice(0, 30))).map((r) => Array.from(r))).toEqual((await knn.predict(queries.slice(0, 30))).map((r) => Array.from(r)));
  });

  it('elo: exact index rebuilt from features at load (not stored twice); approximate stores the usearch graph', async () => {
    for (const search of ['exact', 'approximate'] as const) {
      const elo = await new EloRouter({ k: 10, search, calibrationRows: 100 }).fit(small);
      const st = await elo.save();
      expect(Object.keys(st.files).sort()).toEqual(search === 'exact' ? ['features.f32', 'pairs.f64'] : ['features.f32', 'index.usearch', 'pairs.f64']);
      const back = await EloRouter.load(elo.params, st, small.models);
      expect((await back.predict(queries.slice(0, 20))).map((r) => Array.from(r))).toEqual((await elo.predict(queries.slice(0, 20))).map((r) => Array.from(r)));
    }
  });
});
