import { Rng } from '../../src/util/rng.js';
import type { TextPair } from '../../src/rankers/textPairs.js';

const TOPICS = ['python lists', 'french cooking', 'tax returns', 'guitar chords', 'tide pools', 'jet engines', 'chess openings', 'tomato plants'];
const FILLER = ['the', 'a', 'it', 'is', 'of', 'and', 'to', 'in', 'that', 'this', 'with', 'for'];

/**
 * Preference pairs with a learnable rule: a response that says "precise" and "correct" beats one that says
 * "vague" and "wrong"; two responses of the same kind are a tie. Lengths are random (no length shortcut).
 */
export function syntheticPairs(n: number, seed: number): TextPair[] {
  const rng = new Rng(seed);
  const words = (k: number) => Array.from({ length: k }, () => FILLER[rng.int(FILLER.length)]!).join(' ');
  const response = (good: boolean, topic: string) =>
    `${words(2 + rng.int(12))} ${good ? 'precise correct' : 'vague wrong'} answer about ${topic} ${words(2 + rng.int(12))}.`;
  return Array.from({ length: n }, (_, i) => {
    const topic = TOPICS[rng.int(TOPICS.length)]!;
    const ga = rng.next() < 0.5;
    const gb = rng.next() < 0.5;
    return {
      id: `s${seed}-${i}`,
      prompt: `Question ${i % 40}: tell me about ${topic}`,
      a: { text: response(ga, topic), model: ga ? 'good-model' : 'bad-model' },
      b: { text: response(gb, topic), model: gb ? 'good-model' : 'bad-model' },
      y: ga === gb ? 0.5 : ga ? 1 : 0,
    };
  });
}
