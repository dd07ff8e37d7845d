import { describe, expect, it } from 'vitest';
import { LlmrError } from '../../src/errors.js';
import { fieldName, parseRankRequest, RANK_LIMITS } from '../../src/rankers/RankRequest.js';
import { thrown } from '../helpers/thrown.js';

function fieldOf(input: unknown): string | undefined {
  const e = thrown(() => parseRankRequest(input));
  expect(e).toBeInstanceOf(LlmrError);
  return (e as LlmrError).field;
}

describe('RankRequest validation', () => {
  it('accepts a valid request', () => {
    const r = parseRankRequest({ prompt: 'p', responses: [{ text: 'a', model: 'm1' }, { text: 'b' }], method: 'bubble' });
    expect(r.responses).toHaveLength(2);
  });
  it('names the failing field', () => {
    expect(fieldOf({ prompt: 'p', responses: [{ text: 'a' }, { text: 'b' }, { text: 3 }] })).toBe('responses[2].text');
    expect(fieldOf({ prompt: 'p', responses: [{ text: 'a' }] })).toBe('responses');
    expect(fieldOf({ responses: [{ text: 'a' }, { text: 'b' }] })).toBe('prompt');
    expect(fieldOf({ prompt: 'p', responses: [{ text: 'a' }, { text: 'b', model: '' }] })).toBe('responses[1].model');
    expect(fieldOf({ prompt: 'p', responses: [{ text: 'a' }, { text: 'b', extra: 1 }] })).toBe('responses[1]');
    expect(fieldOf({ prompt: 'p', responses: [{ text: 'a' }, { text: 'b' }], method: 'borda' })).toBe('method');
    expect(fieldOf(null)).toBe('(body)');
  });
  it('enforces size limits', () => {
    const many = Array.from({ length: RANK_LIMITS.maxResponses + 1 }, (_, i) => ({ text: `r${i}` }));
    expect(fieldOf({ prompt: 'p', responses: many })).toBe('responses');
    expect(fieldOf({ prompt: 'p', responses: [{ text: 'x'.repeat(RANK_LIMITS.maxResponseChars + 1) }, { text: 'b' }] })).toBe('responses[0].text');
  });
  it('an unknown method is an unknown_option error listing the methods', () => {
    const e = thrown(() => parseRankRequest({ prompt: 'p', responses: [{ text: 'a' }, { text: 'b' }], method: 'borda' }));
    expect(e).toBeInstanceOf(LlmrError);
    expect((e as LlmrError).code).toBe('unknown_option');
    expect((e as LlmrError).fix).toMatch(/max-logits/);
  });
  it('formats zod paths', () => {
    expect(fieldName(['responses', 2, 'text'])).toBe('responses[2].text');
    expect(fieldName([])).toBe('(body)');
  });
});
