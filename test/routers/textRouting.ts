import type { ScoreRecord } from '../../src/data/schemas.js';
import { Rng } from '../../src/util/rng.js';

/**
 * A tiny text routing set: three topics with their own vocabularies; `coder` is good at code, `mathematician`
 * at maths, `generalist` is mediocre everywhere; poems are easy for all. Some score cells are missing.
 */
export const TOPICS = {
  code: ['python', 'function', 'compile', 'bug', 'loop', 'array', 'recursion', 'class', 'variable', 'typescript'],
  math: ['integral', 'equation', 'derivative', 'prime', 'matrix', 'solve', 'probability', 'theorem', 'sum', 'limit'],
  poem: ['poem', 'moon', 'sea', 'love', 'autumn', 'rhyme', 'verse', 'river', 'night', 'stars'],
} as const;
export type Topic = keyof typeof TOPICS;

const RATES: Record<Topic, Record<string, number>> = {
  code: { coder: 0.95, mathematician: 0.1, generalist: 0.5 },
  math: { coder: 0.1, mathematician: 0.95, generalist: 0.5 },
  poem: { coder: 0.9, mathematician: 0.9, generalist: 0.9 },
};

export function textRoutingRecords(n = 90, seed = 3, missing = 0.05): (ScoreRecord & { topic: Topic })[] {
  const rng = new Rng(seed);
  const topics = Object.keys(TOPICS) as Topic[];
  return Array.from({ length: n }, (_, i) => {
    const topic = topics[i % topics.length]!;
    const words = TOPICS[topic];
    const prompt = Array.from({ length: 6 }, () => words[rng.int(words.length)]).join(' ') + ` please ${i}`;
    const scores: Record<string, number | null> = {};
    for (const [m, p] of Object.entries(RATES[topic])) scores[m] = rng.next() < missing ? null : rng.next() < p ? 1 : 0;
    return { id: `t${i}`, prompt, task: topic, scores, topic };
  });
}
