import type { PairwiseRecord, ScoreRecord } from './schemas.js';
import { modelsOf } from './schemas.js';

export interface PairsOptions {
  /** Emit ties (equal scores) as winner 'tie' (default true). */
  ties?: boolean;
  /** Restrict to these models, in this order (default: every model, first-seen order). */
  models?: readonly string[];
  /** Minimum score difference for a win; smaller differences are ties (default 0). */
  margin?: number;
}

/**
 * Score table → pairwise preferences: for every record and every pair of models both scored on it (a
 * before b in model order), winner = the higher score ('tie' when |Δ| <= margin; dropped when ties=false).
 * Responses are carried over when present. id = `<record id>:<model_a>|<model_b>`.
 */
export function scoresToPairs(records: readonly ScoreRecord[], opts: PairsOptions = {}): PairwiseRecord[] {
  const models = opts.models ?? modelsOf(records);
  const ties = opts.ties ?? true;
  const margin = opts.margin ?? 0;
  const out: PairwiseRecord[] = [];
  for (const r of records) {
    for (let i = 0; i < models.length; i++) {
      const a = models[i]!;
      const sa = r.scores[a];
      if (typeof sa !== 'number') continue;
      for (let j = i + 1; j < models.length; j++) {
        const b = models[j]!;
        const sb = r.scores[b];
        if (typeof sb !== 'number') continue;
        const d = sa - sb;
        const winner = Math.abs(d) <= margin ? 'tie' : d > 0 ? 'a' : 'b';
        if (winner === 'tie' && !ties) continue;
        const p: PairwiseRecord = { id: `${r.id}:${a}|${b}`, prompt: r.prompt, model_a: a, model_b: b, winner };
        if (r.task !== undefined) p.task = r.task;
        const ra = r.responses?.[a];
        const rb = r.responses?.[b];
        if (ra !== undefined) p.response_a = ra;
        if (rb !== undefined) p.response_b = rb;
        out.push(p);
      }
    }
  }
  return out;
}
