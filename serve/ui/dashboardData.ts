import type { ModelFeedbackRow, ModelVersionRecord, Store, TimeRange } from '../../src/store/Store.js';
import type { RouteRecord } from '../../src/store/RouteRecord.js';

/**
 * What the dashboard reads, and the figures it computes from it. The read side is a small slice of the
 * feedback store ({@link Store}); a server without a store passes null and the page shows the service's own
 * counters only. Every figure is computed here from route records, so the page and its test agree on one
 * definition: error = status ≠ 'ok'; fallback = the answering model differs from the chosen one or more than
 * one upstream attempt was made; cost = estimatedCostUsd (decision time) and costUsd (billed, gateway).
 */
export type DashboardSource = Pick<Store, 'recentRoutes' | 'modelFeedback'> & Partial<Pick<Store, 'modelVersions' | 'kind' | 'location' | 'storePrompts'>>;

export interface Bucket {
  /** ISO start. */
  start: string;
  routes: number;
  /** Routes per chosen model. */
  byModel: Record<string, number>;
  estimatedCostUsd: number;
  billedCostUsd: number;
  p50LatencyMs: number;
  p95LatencyMs: number;
  errors: number;
  fallbacks: number;
}

export interface ModelRow {
  model: string;
  /** Routes that chose it. */
  chosen: number;
  share: number;
  /** Routes it answered (after fallbacks). */
  answered: number;
  estimatedCostUsd: number;
  billedCostUsd: number;
  meanLatencyMs: number;
  errors: number;
  feedbackRate: number | null;
  meanScore: number | null;
  feedback: number;
}

export interface DashboardData {
  generatedAt: string;
  windowHours: number;
  bucketMinutes: number;
  store: { kind: string; location: string; storePrompts: boolean } | null;
  totals: {
    routes: number;
    errors: number;
    fallbacks: number;
    errorRate: number;
    fallbackRate: number;
    estimatedCostUsd: number;
    billedCostUsd: number;
    p50LatencyMs: number;
    p95LatencyMs: number;
    feedbackRate: number | null;
    ratedRoutes: number;
  };
  buckets: Bucket[];
  models: ModelRow[];
  recent: RouteRecord[];
  versions: ModelVersionRecord[];
  /** Whether the window held more route records than were read (figures then cover the newest `limit`). */
  truncated: boolean;
}

export const isError = (r: RouteRecord) => r.status !== 'ok';
export const isFallback = (r: RouteRecord) => (r.answeredModel !== null && r.answeredModel !== r.chosenModel) || r.attempts.length > 1;

export function quantile(xs: readonly number[], q: number): number {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** Bucket width: about 24 buckets over the span of the data, on a round number of minutes. */
export function bucketMinutesFor(spanMs: number): number {
  const want = spanMs / 24 / 60_000;
  return [1, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440].find((m) => m >= want) ?? 1440;
}

export interface CollectOptions {
  windowHours?: number;
  /** Most route records read for the figures. */
  limit?: number;
  recent?: number;
  now?: Date;
}

export async function collectDashboard(source: DashboardSource | null, o: CollectOptions = {}): Promise<DashboardData> {
  const now = o.now ?? new Date();
  const windowHours = o.windowHours ?? 24;
  const range: TimeRange = { since: new Date(now.getTime() - windowHours * 3_600_000).toISOString() };
  const limit = o.limit ?? 20_000;
  const records = source ? await source.recentRoutes({ ...range, limit }) : [];
  const feedback: ModelFeedbackRow[] = source ? await source.modelFeedback(range) : [];
  const versions = source?.modelVersions ? await source.modelVersions().catch(() => []) : [];
  const times = records.map((r) => Date.parse(r.time));
  const first = times.length ? Math.min(...times) : now.getTime();
  const bucketMinutes = bucketMinutesFor(Math.max(now.getTime() - first, 60_000));
  const width = bucketMinutes * 60_000;
  const startOf = (t: number) => Math.floor(t / width) * width;
  const bmap = new Map<number, { recs: RouteRecord[] }>();
  for (let t = startOf(first); t <= startOf(now.getTime()); t += width) bmap.set(t, { recs: [] });
  records.forEach((r, i) => {
    const k = startOf(times[i]!);
    (bmap.get(k) ?? bmap.set(k, { recs: [] }).get(k)!).recs.push(r);
  });
  const sum = (xs: readonly RouteRecord[], f: (r: RouteRecord) => number | null) => xs.reduce((a, r) => a + (f(r) ?? 0), 0);
  const buckets: Bucket[] = [...bmap.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([t, { recs }]) => {
      const byModel: Record<string, number> = {};
      for (const r of recs) byModel[r.chosenModel] = (byModel[r.chosenModel] ?? 0) + 1;
      const lat = recs.map((r) => r.latencyMs);
      return {
        start: new Date(t).toISOString(),
        routes: recs.length,
        byModel,
        estimatedCostUsd: sum(recs, (r) => r.estimatedCostUsd),
        billedCostUsd: sum(recs, (r) => r.costUsd),
        p50LatencyMs: quantile(lat, 0.5),
        p95LatencyMs: quantile(lat, 0.95),
        errors: recs.filter(isError).length,
        fallbacks: recs.filter(isFallback).length,
      };
    });
  const fb = new Map(feedback.map((f) => [f.model, f]));
  const names = [...new Set([...records.map((r) => r.chosenModel), ...records.map((r) => r.answeredModel).filter((m): m is string => !!m)])].sort();
  const models: ModelRow[] = names
    .map((model) => {
      const chosen = records.filter((r) => r.chosenModel === model);
      const answered = records.filter((r) => (r.answeredModel ?? r.chosenModel) === model);
      const f = fb.get(model);
      return {
        model,
        chosen: chosen.length,
        share: records.length ? chosen.length / records.length : 0,
        answered: answered.length,
        estimatedCostUsd: sum(answered, (r) => r.estimatedCostUsd),
        billedCostUsd: sum(answered, (r) => r.costUsd),
        meanLatencyMs: answered.length ? sum(answered, (r) => r.latencyMs) / answered.length : Number.NaN,
        errors: answered.filter(isError).length,
        feedbackRate: f ? f.feedbackRate : answered.length ? 0 : null,
        meanScore: f?.meanScore ?? null,
        feedback: f?.feedback ?? 0,
      };
    })
    .sort((a, b) => b.chosen - a.chosen || a.model.localeCompare(b.model));
  const lat = records.map((r) => r.latencyMs);
  const errors = records.filter(isError).length;
  const fallbacks = records.filter(isFallback).length;
  const rated = feedback.reduce((a, f) => a + f.ratedRoutes, 0);
  const fbRoutes = feedback.reduce((a, f) => a + f.routes, 0);
  return {
    generatedAt: now.toISOString(),
    windowHours,
    bucketMinutes,
    store: source ? { kind: source.kind ?? 'store', location: source.location ?? '', storePrompts: source.storePrompts ?? false } : null,
    totals: {
      routes: records.length,
      errors,
      fallbacks,
      errorRate: records.length ? errors / records.length : 0,
      fallbackRate: records.length ? fallbacks / records.length : 0,
      estimatedCostUsd: sum(records, (r) => r.estimatedCostUsd),
      billedCostUsd: sum(records, (r) => r.costUsd),
      p50LatencyMs: quantile(lat, 0.5),
      p95LatencyMs: quantile(lat, 0.95),
      feedbackRate: fbRoutes ? rated / fbRoutes : null,
      ratedRoutes: rated,
    },
    buckets,
    models,
    recent: records.slice(0, o.recent ?? 25),
    versions: versions.slice(0, 10),
    truncated: records.length >= limit,
  };
}
