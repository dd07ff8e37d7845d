import type { Manifest } from '../artifacts/artifact.js';
import { loadModelArtifact, saveModelArtifact, type ManifestExtras, type ModelMeta } from '../artifacts/modelArtifact.js';
import { LlmrError } from '../errors.js';
import type { Featurizer } from '../featurizers/Featurizer.js';
import { createFeaturizer, DEFAULT_FEATURIZER } from '../featurizers/registry.js';
import { bubble, matrixFromUpper, maxLogitsScores, maxWinsScores, orderByScore, upperPairs, type RankMethod } from './aggregate.js';
import { buildRankTrainingSet, corpusOf, featurizeGroups, type ResponseGroup } from './rankFeatures.js';
import { sigmoidSym, type Ranker, type RankFitProgress } from './Ranker.js';
import { parseRankRequest, type RankResult } from './RankRequest.js';
import { createRanker, loadRanker } from './registry.js';
import type { TextPair, TextResponse } from './textPairs.js';

export type RankerMeta = ModelMeta;

export interface TrainRankerOptions {
  kind: string;
  params?: Record<string, unknown>;
  featurizer?: { kind: string; config?: Record<string, unknown> };
  /** Held-out pairs for early stopping; otherwise the harness holds out whole prompts of the training pairs. */
  validation?: readonly TextPair[];
  meta: RankerMeta;
  onProgress?: (p: RankFitProgress & { stage: 'featurize' | 'fit' }) => void;
}

/**
 * A trained, servable response ranker: featurizer + ranker. One object serves training (save), evaluation,
 * the CLI (`llmr rank`), cascades and the server (POST /rank → `rank(body)`).
 */
export class RankerPipeline {
  constructor(
    readonly featurizer: Featurizer,
    readonly ranker: Ranker,
    readonly meta: RankerMeta,
  ) {}

  /** Fit the featurizer on the pairs' prompts and responses, then the ranker on the pairs. */
  static async train(pairs: readonly TextPair[], opts: TrainRankerOptions): Promise<RankerPipeline> {
    const ranker = createRanker(opts.kind, opts.params ?? {});
    const featurizer = createFeaturizer(opts.featurizer?.kind ?? DEFAULT_FEATURIZER, opts.featurizer?.config ?? {});
    opts.onProgress?.({ stage: 'featurize', epoch: 0, epochs: 1, message: `${pairs.length} pairs` });
    await featurizer.fit(corpusOf(pairs));
    const data = await buildRankTrainingSet(featurizer, pairs);
    const validation = opts.validation && opts.validation.length > 0 ? await buildRankTrainingSet(featurizer, opts.validation) : undefined;
    await ranker.fit(data, { validation, onProgress: (p) => opts.onProgress?.({ ...p, stage: 'fit' }) });
    return new RankerPipeline(featurizer, ranker, opts.meta);
  }

  get kind(): string {
    return this.ranker.kind;
  }

  /** P(a better than b) for each text pair (same arithmetic as rank(); used by evaluation). */
  async comparePairs(pairs: readonly TextPair[]): Promise<Float64Array> {
    const { features, itemOf } = await featurizeGroups(
      this.featurizer,
      pairs.map((p) => ({ prompt: p.prompt, responses: [p.a, p.b] })),
    );
    return this.ranker.compare(
      features,
      itemOf.map(([a, b]) => [a!, b!] as const),
    );
  }

  /** Scalar reward of each response of each group (reward models; cascades accept on it). */
  async rewards(groups: readonly ResponseGroup[]): Promise<Float64Array[]> {
    const { features, itemOf } = await featurizeGroups(this.featurizer, groups);
    const r = await this.ranker.reward(features, itemOf.flat());
    let k = 0;
    return itemOf.map((items) => r.slice(k, (k += items.length)));
  }

  /**
   * Rank candidate responses to one prompt. `input` is validated with RankRequestSchema (errors name the
   * field, e.g. responses[2].text). See src/rankers/aggregate.ts for each method's cost.
   */
  async rank(input: unknown): Promise<RankResult> {
    const req = parseRankRequest(input);
    const reward = this.ranker.scoring === 'reward';
    const method: RankMethod = req.method ?? (reward ? 'reward' : req.reference !== undefined ? 'reference' : 'max-logits');
    if (method === 'reward' && !reward)
      throw new LlmrError(`method "reward" needs a reward model; this ranker (${this.kind}) is pairwise`, {
        field: 'method',
        fix: 'use max-logits, max-wins, bubble or reference',
        code: 'unknown_option',
      });
    if (method === 'reference' && req.reference === undefined)
      throw new LlmrError('method "reference" needs a reference response', {
        field: 'reference',
        fix: 'add "reference": "<a reference answer>" or choose another method',
      });
    const n = req.responses.length;
    const responses: TextResponse[] = [...req.responses];
    if (method === 'reference') responses.push({ text: req.reference! });
    const { features, itemOf } = await featurizeGroups(this.featurizer, [{ prompt: req.prompt, responses }]);
    const items = itemOf[0]!;
    const matrix: (number | null)[][] = Array.from({ length: n }, () => new Array<number | null>(n).fill(null));
    let scores: number[];
    let comparisons: number;
    const out: Partial<RankResult> = {};
    if (reward) {
      // a reward model scores each response once; every pairwise view follows from the rewards
      const r = Array.from(await this.ranker.reward(features, items));
      comparisons = r.length;
      out.rewards = r.slice(0, n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) matrix[i]![j] = sigmoidSym(r[i]! - r[j]!);
      if (method === 'reference') scores = out.vsReference = r.slice(0, n).map((ri) => sigmoidSym(ri - r[n]!));
      else if (method === 'max-logits') scores = maxLogitsScores(fullMatrix(matrix));
      else if (method === 'max-wins') scores = maxWinsScores(fullMatrix(matrix));
      else if (method === 'bubble') scores = (await bubble(n, async (c, b) => matrix[c]![b]!)).scores;
      else scores = r.slice(0, n);
    } else if (method === 'max-logits' || method === 'max-wins') {
      const pairs = upperPairs(n);
      const p = await this.ranker.compare(
        features,
        pairs.map(([i, j]) => [items[i]!, items[j]!] as const),
      );
      comparisons = pairs.length;
      const full = matrixFromUpper(n, p);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) matrix[i]![j] = full[i]![j]!;
      scores = method === 'max-logits' ? maxLogitsScores(full) : maxWinsScores(full);
    } else if (method === 'bubble') {
      const res = await bubble(n, async (c, b) => (await this.ranker.compare(features, [[items[c]!, items[b]!]]))[0]!);
      for (const [c, b, p] of res.comparisons) {
        matrix[c]![b] = p;
        matrix[b]![c] = 1 - p;
      }
      comparisons = res.comparisons.length;
      scores = res.scores;
    } else {
      // reference: each response against the reference item (index n)
      const p = await this.ranker.compare(
        features,
        items.slice(0, n).map((it) => [it, items[n]!] as const),
      );
      comparisons = n;
      scores = out.vsReference = Array.from(p);
    }
    const ranking = orderByScore(scores).map((i) => {
      const m = req.responses[i]!.model;
      return m === undefined ? { index: i, score: scores[i]! } : { index: i, model: m, score: scores[i]! };
    });
    const top = ranking[0]!;
    return {
      method,
      ranking,
      best: top.model === undefined ? { index: top.index } : { index: top.index, model: top.model },
      comparisons,
      matrix,
      ...out,
      ranker: { kind: this.kind, name: this.meta.name, version: this.meta.version },
    };
  }

  async save(dir: string, extra: Partial<ManifestExtras> = {}): Promise<Manifest> {
    const r = await this.ranker.save();
    return saveModelArtifact(dir, {
      artifact: 'ranker',
      kind: this.kind,
      meta: this.meta,
      featurizer: this.featurizer,
      model: { params: this.ranker.params, state: { ...r.state, scoring: this.ranker.scoring }, files: r.files },
      extra,
    });
  }

  static async load(dir: string): Promise<RankerPipeline> {
    const { manifest, featurizer, files, meta } = await loadModelArtifact(dir, 'ranker');
    const { scoring: _scoring, ...state } = manifest.state;
    const ranker = await loadRanker(manifest.kind, manifest.params, { state, files });
    return new RankerPipeline(featurizer, ranker, meta);
  }

  dispose(): void {
    this.ranker.dispose();
  }
}

/** A matrix with every off-diagonal entry filled (the diagonal, unused by the aggregations, as ½). */
function fullMatrix(m: (number | null)[][]): number[][] {
  return m.map((row, i) => row.map((v, j) => (i === j ? 0.5 : v!)));
}
