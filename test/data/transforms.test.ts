import { describe, expect, it } from 'vitest';
import { canonicalJson, recordsDigest } from '../../src/data/digest.js';
import { scoresToPairs } from '../../src/data/pairs.js';
import type { ScoreRecord } from '../../src/data/schemas.js';
import { parseFractions, plainHashUnit, splitOf, splitRecords } from '../../src/data/split.js';
import { pairwiseStats, scoreStats } from '../../src/data/datasetStats.js';
import { LlmrError } from '../../src/errors.js';

const recs: ScoreRecord[] = Array.from({ length: 2000 }, (_, k) => ({
  id: `r${k}`,
  prompt: `prompt number ${k}`,
  task: k % 3 ? 'qa' : 'code',
  scores: { a: k % 2, b: 0.5, c: k % 5 === 0 ? null : 1 },
  cost: { a: 0.01, b: 0.001 },
}));

describe('split', () => {
  it('is a pure function of the prompt text and salt', () => {
    const s1 = splitRecords(recs);
    const shuffled = [...recs].reverse();
    const s2 = splitRecords(shuffled);
    for (const name of ['train', 'validation', 'test']) expect(new Set(s2[name]!.map((r) => r.id))).toEqual(new Set(s1[name]!.map((r) => r.id)));
    // same prompt under another id → same split
    expect(splitOf('prompt number 7')).toBe(splitOf(recs[7]!.prompt));
    // a different salt reassigns
    const other = splitRecords(recs, { salt: 'x' });
    expect(other.train!.map((r) => r.id)).not.toEqual(s1.train!.map((r) => r.id));
  });
  it('follows the fractions (±3% on 2,000 rows) and keeps record order', () => {
    const s = splitRecords(recs, { fractions: [0.7, 0.2, 0.1] });
    expect(s.train!.length / 2000).toBeCloseTo(0.7, 1);
    expect(Math.abs(s.validation!.length / 2000 - 0.2)).toBeLessThan(0.03);
    expect(Math.abs(s.test!.length / 2000 - 0.1)).toBeLessThan(0.03);
    const idx = s.train!.map((r) => Number(r.id.slice(1)));
    expect(idx).toEqual([...idx].sort((x, y) => x - y));
    const two = splitRecords(recs, { fractions: [0.5, 0.5] });
    expect(Object.keys(two)).toEqual(['train', 'validation']);
    expect(splitRecords(recs, { fractions: [1, 0, 0] }).train).toHaveLength(2000);
  });
  it('reproduces a split by a plain hash of the prompt exactly as Python hashlib computes it', () => {
    // expected values printed by Python 3: int(hashlib.sha256(p.encode()).hexdigest(), 16) / 2**256, md5 likewise,
    // and int(hashlib.sha256(('s1' + p).encode()).hexdigest(), 16) % 100 / 100
    const py: [string, number, number, number][] = [
      ['What is 2+2?', 0.3234164338300742, 0.5758931951913486, 0.55],
      ['Prove that sqrt(2) is irrational', 0.8542611787503145, 0.7329084772347488, 0.17],
      ['héllo wörld ✓', 0.7603395248383841, 0.6642538421968017, 0.66],
      ['question 7', 0.9365975728920197, 0.6073289309012748, 0.38],
    ];
    for (const [p, sha, md5, mod] of py) {
      expect(plainHashUnit(p, 'sha256')).toBe(sha);
      expect(plainHashUnit(p, 'md5')).toBe(md5);
      expect(plainHashUnit(p, 'sha256', 's1', 100)).toBe(mod);
    }
    // Python: ['train' if int(sha256(f'question {k}').hexdigest(), 16) / 2**256 < 0.5 else 'test' for k in range(20)]
    const expected = 'train train test test train test test test train test test train test train train test train test train train'.split(' ');
    const got = Array.from({ length: 20 }, (_, k) => splitOf(`question ${k}`, { fractions: [0.5, 0.5], names: ['train', 'test'], hash: 'sha256' }));
    expect(got).toEqual(expected);
    expect(() => splitOf('x', { hash: 'crc32' as never })).toThrow(/unknown split hash "crc32"/);
    expect(() => splitOf('x', { buckets: 10 })).toThrow(/buckets needs a plain hash/);
  });
  it('rejects bad fractions with the flag named', () => {
    expect(() => splitRecords(recs, { fractions: [0.5, 0.4, 0.4] })).toThrow(/sum to 1/);
    expect(() => splitRecords(recs, { fractions: [-0.5, 1.5, 0] })).toThrow(LlmrError);
    expect(() => splitRecords(recs, { fractions: [0.5, 0.25, 0.25], names: ['x', 'y'] })).toThrow(/3 fractions for 2 split names/);
    expect(parseFractions('0.8, 0.1,0.1')).toEqual([0.8, 0.1, 0.1]);
    expect(() => parseFractions('0.8,abc')).toThrow(/--fractions/);
  });
});

describe('scoresToPairs', () => {
  const r: ScoreRecord = { id: 'x', prompt: 'p', task: 't', scores: { m1: 1, m2: 0, m3: 1, m4: null }, responses: { m1: 'r1', m2: 'r2' } };
  it('emits every pair of scored models with the winner, skipping unscored models', () => {
    const p = scoresToPairs([r]);
    expect(p.map((x) => [x.model_a, x.model_b, x.winner])).toEqual([
      ['m1', 'm2', 'a'],
      ['m1', 'm3', 'tie'],
      ['m2', 'm3', 'b'],
    ]);
    expect(p[0]).toMatchObject({ id: 'x:m1|m2', prompt: 'p', task: 't', response_a: 'r1', response_b: 'r2' });
  });
  it('drops ties on request and treats differences within the margin as ties', () => {
    expect(scoresToPairs([r], { ties: false })).toHaveLength(2);
    const f: ScoreRecord = { id: 'y', prompt: 'p', scores: { a: 0.5, b: 0.45 } };
    expect(scoresToPairs([f], { margin: 0.1 })[0]!.winner).toBe('tie');
    expect(scoresToPairs([f])[0]!.winner).toBe('a');
  });
});

describe('stats', () => {
  it('score stats: rows, coverage, means, tasks, costs, oracle', () => {
    const s = scoreStats(recs);
    expect(s.rows).toBe(2000);
    const c = s.models.find((m) => m.model === 'c')!;
    expect(c.scored).toBe(1600);
    expect(c.coverage).toBeCloseTo(0.8);
    expect(s.models.find((m) => m.model === 'a')!.meanScore).toBeCloseTo(0.5);
    expect(s.models.find((m) => m.model === 'a')!.meanCost).toBeCloseTo(0.01);
    expect(c.meanCost).toBeNull();
    expect(s.tasks).toEqual({ qa: 1333, code: 667 });
    expect(s.complete).toBe(1600);
    expect(s.oracleMeanScore).toBeCloseTo((1600 + 400 * 0.5 + 0) / 2000 + (200 / 2000) * 0.5, 5);
  });
  it('pairwise stats: wins, losses, ties, win rate', () => {
    const p = pairwiseStats(scoresToPairs([{ id: 'x', prompt: 'p', scores: { m1: 1, m2: 0, m3: 1 } }]));
    expect(p.winners).toEqual({ a: 1, b: 1, tie: 1 });
    expect(p.models.find((m) => m.model === 'm1')).toMatchObject({ appearances: 2, wins: 1, losses: 0, ties: 1, winRate: 0.75 });
  });
});

describe('digest', () => {
  it('ignores key order and undefined members, not values or record order', () => {
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: undefined }] })).toBe('{"a":[1,{"d":2}],"b":1}');
    const a = [{ id: '1', prompt: 'p', scores: { x: 1, y: 0 } }];
    const b = [{ scores: { y: 0, x: 1 }, prompt: 'p', id: '1', task: undefined }];
    expect(recordsDigest(a)).toBe(recordsDigest(b));
    expect(recordsDigest(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(recordsDigest([{ ...a[0], scores: { x: 1, y: 0.5 } }])).not.toBe(recordsDigest(a));
    const two = [a[0], { id: '2', prompt: 'q', scores: {} }];
    expect(recordsDigest(two)).not.toBe(recordsDigest([...two].reverse()));
  });
});
