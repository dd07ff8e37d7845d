import type { Featurizer } from '../featurizers/Featurizer.js';
import type { RankFeatures, RankPair, RankTrainingSet, SparseVec } from './Ranker.js';
import { sparseDot, toSparse } from './sparse.js';
import { textFeatures } from './textFeatures.js';
import type { TextPair, TextResponse } from './textPairs.js';

const CHUNK = 256;

/** Featurize texts in chunks, keeping only the non-zero entries. */
export async function featurizeSparse(featurizer: Featurizer, texts: readonly string[]): Promise<SparseVec[]> {
  const out: SparseVec[] = [];
  for (let i = 0; i < texts.length; i += CHUNK) for (const x of await featurizer.transform(texts.slice(i, i + CHUNK))) out.push(toSparse(x));
  return out;
}

/** One prompt with its candidate responses. */
export interface ResponseGroup {
  prompt: string;
  responses: readonly TextResponse[];
}

/**
 * Featurize groups of responses: one prompt vector per group, one item per response (featurizer vector,
 * cheap text features, model). `itemOf[g][k]` is the item of response k of group g.
 */
export async function featurizeGroups(featurizer: Featurizer, groups: readonly ResponseGroup[]): Promise<{ features: RankFeatures; itemOf: number[][] }> {
  const prompts = await featurizeSparse(
    featurizer,
    groups.map((g) => g.prompt),
  );
  const flat = groups.flatMap((g, gi) => g.responses.map((r) => ({ gi, r })));
  const xs = await featurizeSparse(
    featurizer,
    flat.map((f) => f.r.text),
  );
  const items = flat.map(({ gi, r }, k) => {
    const item: RankFeatures['items'][number] = { prompt: gi, x: xs[k]!, extra: textFeatures(groups[gi]!.prompt, r.text, sparseDot(prompts[gi]!, xs[k]!)) };
    if (r.model !== undefined) item.model = r.model;
    return item;
  });
  const itemOf: number[][] = [];
  let k = 0;
  for (const g of groups) itemOf.push(g.responses.map(() => k++));
  return { features: { dim: featurizer.dim, prompts, items }, itemOf };
}

/**
 * Text pairs → a ranker training set: prompts and responses deduplicated (a response shared by several
 * pairs of one prompt is featurized once), pairs as item indices. Pairs of two identical responses are dropped.
 */
export async function buildRankTrainingSet(featurizer: Featurizer, pairs: readonly TextPair[]): Promise<RankTrainingSet> {
  const groupOf = new Map<string, number>();
  const groups: { prompt: string; responses: TextResponse[]; index: Map<string, number> }[] = [];
  const refs: { g: number; a: number; b: number; y: number }[] = [];
  const slot = (g: (typeof groups)[number], r: TextResponse) => {
    const key = `${r.model ?? ''}\u0000${r.text}`;
    let k = g.index.get(key);
    if (k === undefined) {
      k = g.responses.length;
      g.index.set(key, k);
      g.responses.push(r);
    }
    return k;
  };
  for (const p of pairs) {
    let gi = groupOf.get(p.prompt);
    if (gi === undefined) {
      gi = groups.length;
      groupOf.set(p.prompt, gi);
      groups.push({ prompt: p.prompt, responses: [], index: new Map() });
    }
    const g = groups[gi]!;
    const a = slot(g, p.a);
    const b = slot(g, p.b);
    // two identical responses (same text, same model) carry no preference
    if (a !== b) refs.push({ g: gi, a, b, y: p.y });
  }
  const { features, itemOf } = await featurizeGroups(featurizer, groups);
  const rankPairs: RankPair[] = refs.map((r) => ({ a: itemOf[r.g]![r.a]!, b: itemOf[r.g]![r.b]!, y: r.y }));
  return { ...features, pairs: rankPairs };
}

/** The texts a featurizer should fit on for these pairs: every distinct prompt and response. */
export function corpusOf(pairs: readonly TextPair[]): string[] {
  const s = new Set<string>();
  for (const p of pairs) s.add(p.prompt).add(p.a.text).add(p.b.text);
  return [...s];
}
