import type { PairwiseRecord, ScoreRecord } from '../data/schemas.js';
import type { LabelledRoute, Store, TimeRange } from './Store.js';

/**
 * The store's feedback as the two record shapes the trainers read (src/data/schemas.ts): score tables from
 * score / thumbs feedback (one record per route, the mean score per rated model), pairwise logs from
 * preferences. Records need the prompt text, so routes stored without it (storePrompts off) are counted in
 * `withoutPrompt` and left out.
 */
export interface StoreExport<T> {
  records: T[];
  /** Feedback time (ms) of each record: the newest feedback it carries (recency weighting). */
  times: number[];
  withoutPrompt: number;
}

export function scoreRecordsOf(labelled: readonly LabelledRoute[]): StoreExport<ScoreRecord> {
  const out: StoreExport<ScoreRecord> = { records: [], times: [], withoutPrompt: 0 };
  for (const { route, feedback } of labelled) {
    const rated = feedback.filter((f) => f.kind !== 'preference' && f.model !== null && f.score !== null);
    if (rated.length === 0) continue;
    if (route.prompt === null) {
      out.withoutPrompt++;
      continue;
    }
    const sums = new Map<string, [number, number]>();
    for (const f of rated) {
      const s = sums.get(f.model!) ?? [0, 0];
      sums.set(f.model!, [s[0] + f.score!, s[1] + 1]);
    }
    const rec: ScoreRecord = { id: route.routeId, prompt: route.prompt, scores: Object.fromEntries([...sums].map(([m, [s, n]]) => [m, s / n])) };
    const cost = route.costUsd ?? route.estimatedCostUsd;
    const answered = route.answeredModel ?? route.chosenModel;
    if (cost !== null && sums.has(answered)) rec.cost = { [answered]: cost };
    out.records.push(rec);
    out.times.push(Math.max(...rated.map((f) => Date.parse(f.time))));
  }
  return out;
}

export async function scoreRecordsFromStore(store: Store, range: TimeRange = {}): Promise<StoreExport<ScoreRecord>> {
  return scoreRecordsOf(await store.labelledRoutes(range));
}

export async function pairRecordsFromStore(store: Store, range: TimeRange = {}): Promise<StoreExport<PairwiseRecord>> {
  const out: StoreExport<PairwiseRecord> = { records: [], times: [], withoutPrompt: 0 };
  const push = (id: string, prompt: string | null, winner: string, loser: string, tie: boolean, time: string) => {
    if (prompt === null) {
      out.withoutPrompt++;
      return;
    }
    out.records.push({ id, prompt, model_a: winner, model_b: loser, winner: tie ? 'tie' : 'a' });
    out.times.push(Date.parse(time));
  };
  for (const { route, feedback } of await store.labelledRoutes(range))
    for (const f of feedback) if (f.kind === 'preference' && f.winner && f.loser) push(f.feedbackId, route.prompt, f.winner, f.loser, f.tie, f.time);
  for (const f of await store.preferences(range)) if (f.winner && f.loser) push(f.feedbackId, f.prompt, f.winner, f.loser, f.tie, f.time);
  return out;
}
