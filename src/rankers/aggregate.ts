import { LlmrError } from '../errors.js';

/**
 * Turning pairwise preferences between n responses into one ranking (LLM-Blender's aggregations), as pure
 * functions over a preference matrix P[i][j] = P(response i better than response j) (null = not compared).
 *
 * Cost, in ranker evaluations, for n responses:
 * | method      | comparisons                      | with an antisymmetric ranker (P[j][i] = 1 − P[i][j]) |
 * |-------------|----------------------------------|------------------------------------------------------|
 * | max-logits  | n(n−1) ordered pairs             | n(n−1)/2                                             |
 * | max-wins    | n(n−1)                           | n(n−1)/2                                             |
 * | bubble      | n−1 (one bubble pass, top-1)     | n−1                                                  |
 * | reward      | n reward evaluations             | n                                                    |
 * | reference   | n comparisons against a reference| n                                                    |
 * Our rankers are antisymmetric by construction, so the pipeline pays n(n−1)/2 for the full matrix.
 */
export const RANK_METHODS = ['max-logits', 'max-wins', 'bubble', 'reward', 'reference'] as const;
export type RankMethod = (typeof RANK_METHODS)[number];

export type PrefMatrix = (number | null)[][];

/** Ranker evaluations a method needs for n responses (antisymmetric: one evaluation serves both orders). */
export function comparisonCost(method: RankMethod, n: number, antisymmetric = true): number {
  switch (method) {
    case 'max-logits':
    case 'max-wins':
      return antisymmetric ? (n * (n - 1)) / 2 : n * (n - 1);
    case 'bubble':
      return Math.max(n - 1, 0);
    case 'reward':
    case 'reference':
      return n;
  }
}

function checkSquare(p: PrefMatrix): number {
  const n = p.length;
  p.forEach((row, i) => {
    if (row.length !== n) throw new LlmrError(`preference matrix row ${i} has ${row.length} entries, expected ${n}`, { field: `matrix[${i}]` });
  });
  return n;
}

function entry(p: PrefMatrix, i: number, j: number): number {
  const v = p[i]![j];
  if (v === null || v === undefined || !Number.isFinite(v))
    throw new LlmrError(`preference matrix entry [${i}][${j}] is missing`, {
      field: `matrix[${i}][${j}]`,
      fix: 'max-logits and max-wins need every pair compared',
    });
  return v;
}

/** MaxLogits: score_i = mean over j ≠ i of (P[i][j] − P[j][i]), in [−1, 1]. */
export function maxLogitsScores(p: PrefMatrix): number[] {
  const n = checkSquare(p);
  return Array.from({ length: n }, (_, i) => {
    if (n < 2) return 0;
    let s = 0;
    for (let j = 0; j < n; j++) if (j !== i) s += entry(p, i, j) - entry(p, j, i);
    return s / (n - 1);
  });
}

/** MaxWins: score_i = number of j with P[i][j] > ½ (a tie at exactly ½ counts half). */
export function maxWinsScores(p: PrefMatrix): number[] {
  const n = checkSquare(p);
  return Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const v = entry(p, i, j);
      s += v > 0.5 ? 1 : v === 0.5 ? 0.5 : 0;
    }
    return s;
  });
}

export interface BubbleResult {
  /** Index of the winner after one bubble pass. */
  best: number;
  /** Survival score: the winner gets n, a response eliminated at comparison k (1-based) gets k. */
  scores: number[];
  /** The comparisons made, in order: [challenger, champion, P(challenger better)]. */
  comparisons: [number, number, number][];
}

/**
 * One bubble pass (LLM-Blender's bubble aggregation): the current best meets each next response; the
 * winner of each comparison stays (a tie at ½ keeps the incumbent). n−1 comparisons find the top-1; the
 * others are ordered by how long they survived, which is only a partial order.
 */
export async function bubble(n: number, compare: (challenger: number, champion: number) => Promise<number>): Promise<BubbleResult> {
  if (n < 1) throw new LlmrError('bubble over no responses', { field: 'responses' });
  const scores = new Array<number>(n).fill(0);
  const comparisons: [number, number, number][] = [];
  let best = 0;
  for (let j = 1; j < n; j++) {
    const p = await compare(j, best);
    comparisons.push([j, best, p]);
    const loser = p > 0.5 ? best : j;
    if (p > 0.5) best = j;
    scores[loser] = j;
  }
  scores[best] = n;
  return { best, scores, comparisons };
}

/** Indices ordered by score descending (ties by index ascending: deterministic). */
export function orderByScore(scores: readonly number[]): number[] {
  return scores
    .map((s, i) => ({ s, i }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .map((x) => x.i);
}

/** Full preference matrix from the upper triangle of an antisymmetric comparator: P[j][i] = 1 − P[i][j], diagonal ½. */
export function matrixFromUpper(n: number, upper: ArrayLike<number>): number[][] {
  if (upper.length !== (n * (n - 1)) / 2)
    throw new LlmrError(`${upper.length} comparisons for ${n} responses; expected ${(n * (n - 1)) / 2}`, { field: 'comparisons' });
  const m = Array.from({ length: n }, () => new Array<number>(n).fill(0.5));
  let k = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      m[i]![j] = upper[k]!;
      m[j]![i] = 1 - upper[k]!;
      k++;
    }
  return m;
}

/** The (i, j) pairs of the upper triangle, row-major: the order matrixFromUpper expects. */
export function upperPairs(n: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out.push([i, j]);
  return out;
}
