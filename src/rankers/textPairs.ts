import { LlmrError } from '../errors.js';
import type { PairwiseRecord } from '../data/schemas.js';

/** A candidate response as text. */
export interface TextResponse {
  text: string;
  model?: string;
}

/** A preference between two responses to one prompt, as text: y = 1 (a better), 0 (b better), 0.5 (tie). */
export interface TextPair {
  id: string;
  prompt: string;
  a: TextResponse;
  b: TextResponse;
  y: number;
  task?: string;
  /** Individual annotator labels where the source has several (PandaLM). */
  votes?: ('a' | 'b' | 'tie')[];
}

const Y = { a: 1, b: 0, tie: 0.5 } as const;

/**
 * Pairwise records with both responses → text pairs. Records without response_a/response_b cannot train a
 * response ranker and are counted in `skipped`; when none is usable the error says so.
 */
export function textPairsFromRecords(records: readonly PairwiseRecord[], where = 'data'): { pairs: TextPair[]; skipped: number } {
  const pairs: TextPair[] = [];
  let skipped = 0;
  for (const r of records) {
    if (r.response_a === undefined || r.response_b === undefined) {
      skipped++;
      continue;
    }
    const p: TextPair = {
      id: r.id,
      prompt: r.prompt,
      a: { text: r.response_a, model: r.model_a },
      b: { text: r.response_b, model: r.model_b },
      y: Y[r.winner],
    };
    if (r.task !== undefined) p.task = r.task;
    if (r.votes) p.votes = r.votes;
    pairs.push(p);
  }
  if (pairs.length === 0)
    throw new LlmrError(`${where}: no pairwise record carries both responses (${records.length} records)`, {
      where,
      field: 'response_a',
      fix: 'a response ranker trains on pairwise records with response_a and response_b (e.g. llmr data import --format pandalm)',
    });
  return { pairs, skipped };
}
