import { describe, expect, it } from 'vitest';
import { LlmrError } from '../../src/errors.js';
import { decide, parsePolicy, type CandidateScore } from '../../src/policy/policy.js';
import { thrown } from '../helpers/thrown.js';
import { PriceTable } from '../../src/prices/PriceTable.js';

// Three models computed by hand: quality and USD cost per request.
const C: CandidateScore[] = [
  { model: 'gpt', quality: 0.9, cost: 0.01 },
  { model: 'mid', quality: 0.8, cost: 0.002 },
  { model: 'tiny', quality: 0.5, cost: 0.0001 },
];

describe('policy layer (hand-computed cases)', () => {
  it('max-quality picks the best and ranks all', () => {
    const d = decide(C, { kind: 'max-quality' });
    expect(d.model).toBe('gpt');
    expect(d.ranked.map((c) => c.model)).toEqual(['gpt', 'mid', 'tiny']);
  });

  it('willingness to pay: argmax wtp·q − cost', () => {
    // wtp 1: gpt 0.89, mid 0.798, tiny 0.4999 → gpt
    expect(decide(C, { kind: 'willingness-to-pay', wtp: 1 }).model).toBe('gpt');
    // wtp 0.05: gpt 0.045-0.01=0.035, mid 0.04-0.002=0.038, tiny 0.025-0.0001=0.0249 → mid
    const d = decide(C, { kind: 'willingness-to-pay', wtp: 0.05 });
    expect(d.model).toBe('mid');
    expect(d.ranked[0]!.utility).toBeCloseTo(0.038, 10);
    // wtp 0.001: gpt -0.0091, mid -0.0012, tiny 0.0004 → tiny
    expect(decide(C, { kind: 'willingness-to-pay', wtp: 0.001 }).model).toBe('tiny');
  });

  it('threshold: strong when q_strong − q_weak ≥ threshold', () => {
    expect(decide(C, { kind: 'threshold', strong: 'gpt', weak: 'tiny', threshold: 0.4 }).model).toBe('gpt'); // 0.4 ≥ 0.4
    expect(decide(C, { kind: 'threshold', strong: 'gpt', weak: 'tiny', threshold: 0.41 }).model).toBe('tiny');
    expect(() => decide(C, { kind: 'threshold', strong: 'gpt4', weak: 'tiny', threshold: 0 })).toThrow(/gpt, mid, tiny/);
  });

  it('cheapest-above: cheapest model meeting the target, else best', () => {
    expect(decide(C, { kind: 'cheapest-above', target: 0.75 }).model).toBe('mid');
    expect(decide(C, { kind: 'cheapest-above', target: 0.4 }).model).toBe('tiny');
    const none = decide(C, { kind: 'cheapest-above', target: 0.95 });
    expect(none.model).toBe('gpt');
    expect(none.reason).toMatch(/no model/);
  });

  it('budget: best quality within maxCost, else cheapest', () => {
    expect(decide(C, { kind: 'budget', maxCost: 0.005 }).model).toBe('mid');
    expect(decide(C, { kind: 'budget', maxCost: 0.5 }).model).toBe('gpt');
    expect(decide(C, { kind: 'budget', maxCost: 0.00001 }).model).toBe('tiny');
  });

  it('ties break towards the cheaper model, deterministically', () => {
    const d = decide(
      [
        { model: 'b', quality: 1, cost: 2 },
        { model: 'a', quality: 1, cost: 1 },
      ],
      { kind: 'max-quality' },
    );
    expect(d.model).toBe('a');
  });

  it('parsePolicy names the field and lists valid kinds', () => {
    expect(() => parsePolicy({ kind: 'nope' })).toThrow(LlmrError);
    const bad = thrown(() => parsePolicy({ kind: 'budget', maxCost: -1 }));
    expect(bad).toBeInstanceOf(LlmrError);
    expect((bad as LlmrError).field).toBe('policy.maxCost');
    const unknown = thrown(() => parsePolicy({ kind: 'nope' }));
    expect(unknown).toBeInstanceOf(LlmrError);
    expect((unknown as LlmrError).fix).toContain('willingness-to-pay');
  });
});

describe('price table', () => {
  it('token prices: (in·pin + out·pout)/1e6 with ~4 chars per token', () => {
    const t = new PriceTable({ m: { inputPerMTok: 10, outputPerMTok: 30, meanOutputTokens: 100 } });
    // 400 chars → 100 tokens: (100·10 + 100·30)/1e6 = 0.004
    expect(t.cost('m', 'x'.repeat(400))).toBeCloseTo(0.004, 12);
    expect(t.cost('m', 100)).toBeCloseTo(0.004, 12);
  });
  it('per-call observed cost and unknown models', () => {
    const t = PriceTable.fromObservedCosts({ a: [0.1, 0.3, null], b: [] });
    expect(t.cost('a', 'anything')).toBeCloseTo(0.2);
    expect(t.has('b')).toBe(false);
    expect(() => t.cost('zz', 'x')).toThrow(/priced: a/);
    expect(() => new PriceTable({ x: {} as never })).toThrow(LlmrError);
  });
});
