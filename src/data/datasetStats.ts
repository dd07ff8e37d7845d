import type { PairwiseRecord, RecordKind, ScoreRecord } from './schemas.js';
import { modelsOf } from './schemas.js';

export interface ModelScoreStats {
  model: string;
  /** Rows where the model has a numeric score. */
  scored: number;
  /** scored / rows. */
  coverage: number;
  meanScore: number | null;
  /** Mean USD cost per call over rows with a cost for this model; null when none. */
  meanCost: number | null;
  costed: number;
}

export interface ScoreStats {
  kind: 'scores';
  rows: number;
  models: ModelScoreStats[];
  tasks: Record<string, number>;
  /** Rows where every model is scored. */
  complete: number;
  meanPromptChars: number;
  /** Mean of the best score per row (the oracle's quality). */
  oracleMeanScore: number | null;
}

export interface ModelPairStats {
  model: string;
  appearances: number;
  wins: number;
  losses: number;
  ties: number;
  /** (wins + ties/2) / appearances. */
  winRate: number;
}

export interface PairwiseStats {
  kind: 'pairwise';
  rows: number;
  models: ModelPairStats[];
  tasks: Record<string, number>;
  winners: { a: number; b: number; tie: number };
  withResponses: number;
  withVotes: number;
  meanPromptChars: number;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

function countTasks(records: readonly { task?: string }[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const r of records) {
    const k = r.task ?? '(none)';
    t[k] = (t[k] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(t).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

export function scoreStats(records: readonly ScoreRecord[]): ScoreStats {
  const models = modelsOf(records);
  const per = models.map((model): ModelScoreStats => {
    const s: number[] = [];
    const c: number[] = [];
    for (const r of records) {
      const v = r.scores[model];
      if (typeof v === 'number') s.push(v);
      const cv = r.cost?.[model];
      if (typeof cv === 'number') c.push(cv);
    }
    return { model, scored: s.length, coverage: records.length ? s.length / records.length : 0, meanScore: mean(s), meanCost: mean(c), costed: c.length };
  });
  const best: number[] = [];
  let complete = 0;
  for (const r of records) {
    const vals = models.map((m) => r.scores[m]).filter((v): v is number => typeof v === 'number');
    if (vals.length === models.length) complete++;
    if (vals.length) best.push(Math.max(...vals));
  }
  return {
    kind: 'scores',
    rows: records.length,
    models: per,
    tasks: countTasks(records),
    complete,
    meanPromptChars: mean(records.map((r) => r.prompt.length)) ?? 0,
    oracleMeanScore: mean(best),
  };
}

export function pairwiseStats(records: readonly PairwiseRecord[]): PairwiseStats {
  const m = new Map<string, ModelPairStats>();
  const get = (model: string) => m.get(model) ?? m.set(model, { model, appearances: 0, wins: 0, losses: 0, ties: 0, winRate: 0 }).get(model)!;
  const winners = { a: 0, b: 0, tie: 0 };
  for (const r of records) {
    winners[r.winner]++;
    const a = get(r.model_a);
    const b = get(r.model_b);
    a.appearances++;
    b.appearances++;
    if (r.winner === 'tie') {
      a.ties++;
      b.ties++;
    } else {
      (r.winner === 'a' ? a : b).wins++;
      (r.winner === 'a' ? b : a).losses++;
    }
  }
  for (const s of m.values()) s.winRate = s.appearances ? (s.wins + s.ties / 2) / s.appearances : 0;
  return {
    kind: 'pairwise',
    rows: records.length,
    models: [...m.values()],
    tasks: countTasks(records),
    winners,
    withResponses: records.filter((r) => r.response_a !== undefined && r.response_b !== undefined).length,
    withVotes: records.filter((r) => r.votes?.length).length,
    meanPromptChars: mean(records.map((r) => r.prompt.length)) ?? 0,
  };
}

export function datasetStats(records: readonly ScoreRecord[] | readonly PairwiseRecord[], kind: RecordKind): ScoreStats | PairwiseStats {
  return kind === 'scores' ? scoreStats(records as ScoreRecord[]) : pairwiseStats(records as PairwiseRecord[]);
}

/** A plain-text table of the stats, for the CLI. */
export function formatStats(s: ScoreStats | PairwiseStats): string {
  const fmt = (v: number | null, d = 3) => (v === null ? '-' : v.toFixed(d));
  const lines: string[] = [];
  if (s.kind === 'scores') {
    lines.push(`score table: ${s.rows} rows, ${s.models.length} models, ${Object.keys(s.tasks).length} tasks, ${s.complete} rows with every model scored`);
    lines.push(`oracle mean score: ${fmt(s.oracleMeanScore)}; mean prompt length: ${s.meanPromptChars.toFixed(0)} chars`, '');
    const w = Math.max(5, ...s.models.map((m) => m.model.length));
    lines.push(`${'model'.padEnd(w)}  mean score  coverage  mean cost (USD)`);
    for (const m of s.models)
      lines.push(
        `${m.model.padEnd(w)}  ${fmt(m.meanScore).padStart(10)}  ${(100 * m.coverage).toFixed(1).padStart(7)}%  ${m.meanCost === null ? '-' : m.meanCost.toExponential(3)}`,
      );
  } else {
    lines.push(
      `pairwise log: ${s.rows} rows, ${s.models.length} models, ${Object.keys(s.tasks).length} tasks; winner a ${s.winners.a}, b ${s.winners.b}, tie ${s.winners.tie}`,
    );
    lines.push(`with both responses: ${s.withResponses}; with votes: ${s.withVotes}; mean prompt length: ${s.meanPromptChars.toFixed(0)} chars`, '');
    const w = Math.max(5, ...s.models.map((m) => m.model.length));
    lines.push(`${'model'.padEnd(w)}  pairs   wins  losses  ties  win rate`);
    for (const m of s.models)
      lines.push(
        `${m.model.padEnd(w)}  ${String(m.appearances).padStart(5)}  ${String(m.wins).padStart(5)}  ${String(m.losses).padStart(6)}  ${String(m.ties).padStart(4)}  ${fmt(m.winRate).padStart(8)}`,
      );
  }
  lines.push('', 'tasks:');
  for (const [t, n] of Object.entries(s.tasks).slice(0, 30)) lines.push(`  ${t}: ${n}`);
  if (Object.keys(s.tasks).length > 30) lines.push(`  ... ${Object.keys(s.tasks).length - 30} more`);
  return lines.join('\n');
}
