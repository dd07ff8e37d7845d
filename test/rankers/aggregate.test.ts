import { describe, expect, it } from 'vitest';
import { LlmrError } from '../../src/errors.js';
import { bubble, comparisonCost, matrixFromUpper, maxLogitsScores, maxWinsScores, orderByScore, upperPairs } from '../../src/rankers/aggregate.js';

// P[i][j] = P(i better than j). 2 beats everyone, 0 beats 1 narrowly, 1 beats 3, 3 beats 0 (a cycle 0>1>3>0).
const P = [
  [null, 0.6, 0.1, 0.3],
  [0.4, null, 0.2, 0.7],
  [0.9, 0.8, null, 0.95],
  [0.7, 0.3, 0.05, null],
];

describe('aggregations on a hand-made preference matrix', () => {
  it('MaxLogits = mean of P[i][j] − P[j][i]', () => {
    const s = maxLogitsScores(P);
    expect(s[0]).toBeCloseTo((0.6 - 0.4 + (0.1 - 0.9) + (0.3 - 0.7)) / 3, 12);
    expect(s[2]).toBeCloseTo((0.9 - 0.1 + (0.8 - 0.2) + (0.95 - 0.05)) / 3, 12);
    expect(orderByScore(s)[0]).toBe(2);
    // MaxLogits uses margins: 1 wins its duels by more than 3 does
    expect(orderByScore(s)).toEqual([2, 1, 3, 0]);
  });

  it('MaxWins counts wins, a ½ counts half, and ties in score keep index order', () => {
    expect(maxWinsScores(P)).toEqual([1, 1, 3, 1]);
    expect(orderByScore(maxWinsScores(P))).toEqual([2, 0, 1, 3]);
    expect(
      maxWinsScores([
        [null, 0.5],
        [0.5, null],
      ]),
    ).toEqual([0.5, 0.5]);
  });

  it('bubble finds the top-1 in n−1 comparisons, incumbent kept on a tie', async () => {
    const calls: [number, number][] = [];
    const r = await bubble(4, async (c, b) => {
      calls.push([c, b]);
      return P[c]![b]!;
    });
    expect(calls).toEqual([
      [1, 0],
      [2, 0],
      [3, 2],
    ]);
    expect(r.best).toBe(2);
    expect(r.comparisons).toHaveLength(3);
    expect(r.scores[2]).toBe(4);
    expect((await bubble(2, async () => 0.5)).best).toBe(0);
    expect((await bubble(1, async () => 1)).comparisons).toHaveLength(0);
  });

  it('matrixFromUpper fills P[j][i] = 1 − P[i][j]', () => {
    const pairs = upperPairs(3);
    expect(pairs).toEqual([
      [0, 1],
      [0, 2],
      [1, 2],
    ]);
    const m = matrixFromUpper(3, [0.7, 0.2, 0.9]);
    expect(m[1]![0]).toBeCloseTo(0.3, 15);
    expect(m[2]![1]).toBeCloseTo(0.1, 15);
    expect(() => matrixFromUpper(3, [0.5])).toThrow(LlmrError);
  });

  it('documents each method’s cost in comparisons', () => {
    expect(comparisonCost('max-logits', 5, false)).toBe(20);
    expect(comparisonCost('max-logits', 5)).toBe(10);
    expect(comparisonCost('max-wins', 5)).toBe(10);
    expect(comparisonCost('bubble', 5)).toBe(4);
    expect(comparisonCost('reward', 5)).toBe(5);
    expect(comparisonCost('reference', 5)).toBe(5);
  });

  it('a missing entry is an error naming it', () => {
    expect(() =>
      maxLogitsScores([
        [null, null],
        [0.5, null],
      ]),
    ).toThrow(/\[0\]\[1\]/);
  });
});
