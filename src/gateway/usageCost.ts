import { estimateTokens } from '../featurizers/tokenize.js';
import type { ModelEntry } from './GatewayConfig.js';

/** Token counts of one answer; `estimated` when the upstream reported no usage. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  estimated: boolean;
}

/** USD billed for a usage at a model's list prices. */
export function costFromUsage(price: Pick<ModelEntry, 'inputPerMTok' | 'outputPerMTok'>, u: Pick<Usage, 'inputTokens' | 'outputTokens'>): number {
  return (u.inputTokens * price.inputPerMTok + u.outputTokens * price.outputPerMTok) / 1e6;
}

/** An OpenAI `usage` object → token counts, or null when it is missing or malformed. */
export function readUsage(u: unknown): Usage | null {
  if (!u || typeof u !== 'object') return null;
  const { prompt_tokens: p, completion_tokens: c } = u as { prompt_tokens?: unknown; completion_tokens?: unknown };
  if (typeof p !== 'number' || typeof c !== 'number' || !Number.isFinite(p) || !Number.isFinite(c) || p < 0 || c < 0) return null;
  return { inputTokens: Math.round(p), outputTokens: Math.round(c), estimated: false };
}

/** Text of an OpenAI message `content` (a string, or parts of which the text ones count). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : ''))
      .join('\n');
  return '';
}

/**
 * Token estimate for a request when the upstream reports none: ~4 characters a token over every message's text
 * plus 4 tokens of framing per message (OpenAI's chat format overhead, roughly).
 */
export function estimateInputTokens(messages: readonly { content?: unknown }[]): number {
  let n = 0;
  for (const m of messages) n += 4 + estimateTokens(contentText(m.content));
  return n;
}

/** Output token estimate from the answer's characters (0 for an empty answer). */
export function estimateOutputTokens(chars: number): number {
  return chars === 0 ? 0 : Math.ceil(chars / 4);
}
