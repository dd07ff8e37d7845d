import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { newVersion, readArtifact, resolveArtifactDir } from '../artifacts/artifact.js';
import { recordsDigest } from '../data/digest.js';
import { readRecords } from '../data/readRecords.js';
import type { ScoreRecord } from '../data/schemas.js';
import { LlmrError } from '../errors.js';
import { createFeaturizer } from '../featurizers/registry.js';
import { bootstrap } from '../eval/bootstrap.js';
import { PriceTable, type PriceTableData } from '../prices/PriceTable.js';
import { RouterPipeline } from '../routers/RouterPipeline.js';
import { trainRouter } from '../routers/trainRouter.js';
import type { ModelVersionRecord, Store } from './Store.js';
import { pairRecordsFromStore, scoreRecordsFromStore } from './storeRecords.js';

export interface RetrainOptions {
  store: Store;
  /** Router name under modelsDir (the serving version = its newest version folder). */
  name: string;
  modelsDir: string;
  /** Original training data (default: the serving artifact's trainingData.source); null: store data only. */
  originalData?: string | null;
  /** Store feedback from this time on (time window); default all. */
  since?: Date;
  /** Recency weighting: feedback this old counts half as much as fresh feedback (by replication, see below). */
  halfLifeDays?: number;
  /** The freshest store record counts this many times (older ones fewer, at least once). */
  recentWeight?: number;
  /** Newest share of the store's score feedback held out for the comparison (never trained on). */
  holdoutFraction?: number;
  /** Fewer held-out rows than this → refused (not enough evidence to compare). */
  minHoldout?: number;
  /** Non-inferiority margin in mean squared error: promoted when the paired 95% interval's lower bound of (serving MSE − new MSE) ≥ −margin. */
  margin?: number;
  replicates?: number;
  seed?: number;
  actor?: string;
  /** Train and compare, but never promote. */
  dryRun?: boolean;
  log?: (line: string) => void;
}

export interface RetrainResult {
  version: string;
  promoted: boolean;
  reason: string;
  dir: string | null;
  servingVersion: string;
  metrics: Record<string, unknown>;
  steps: ModelVersionRecord[];
}

/** Dedupe by prompt text: scores of the same prompt are averaged per model; the latest feedback time is kept. */
function dedupe(records: readonly ScoreRecord[], times: readonly number[]): { records: ScoreRecord[]; times: number[] } {
  const by = new Map<string, { rec: ScoreRecord; sums: Map<string, [number, number]>; time: number }>();
  records.forEach((r, i) => {
    let e = by.get(r.prompt);
    if (!e) by.set(r.prompt, (e = { rec: { id: r.id, prompt: r.prompt, scores: {}, cost: {} }, sums: new Map(), time: times[i]! }));
    for (const [m, s] of Object.entries(r.scores)) {
      if (s === null) continue;
      const t = e.sums.get(m) ?? [0, 0];
      e.sums.set(m, [t[0] + s, t[1] + 1]);
    }
    Object.assign(e.rec.cost!, r.cost ?? {});
    e.time = Math.max(e.time, times[i]!);
  });
  const out = [...by.values()].map((e) => ({ ...e.rec, scores: Object.fromEntries([...e.sums].map(([m, [s, n]]) => [m, s / n])) }));
  return { records: out, times: [...by.values()].map((e) => e.time) };
}

const actorOf = () => {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return `pid ${process.pid}@${hostname()}`;
  }
};

/**
 * `llmr retrain`: original data + store feedback (time window, deduplicated by prompt, recent feedback
 * weighted up by replication) → a new version of the serving router (same kind, hyper-parameters, featurizer,
 * prices, candidates) → compared with the serving version on the newest held-out slice of store feedback
 * (squared error of the predicted quality of the rated model, paired bootstrap interval) → promoted (moved to
 * `<modelsDir>/<name>/<version>`, the newest version folder, which the server's reload picks up) only when
 * not worse; else kept under `<modelsDir>/.retrain/<name>/`. Every step goes to the model-versions table.
 */
export async function retrain(o: RetrainOptions): Promise<RetrainResult> {
  const log = o.log ?? (() => {});
  const actor = o.actor ?? actorOf();
  const servingDir = resolveArtifactDir(o.name, o.modelsDir);
  const { manifest } = readArtifact(servingDir);
  const version = nextVersion(join(o.modelsDir, o.name));
  const steps: ModelVersionRecord[] = [];
  const step = async (s: ModelVersionRecord['step'], promoted: boolean, reason: string, metrics: Record<string, unknown>, dataDigest: string | null) => {
    const rec: ModelVersionRecord = {
      id: randomUUID(),
      routerName: o.name,
      version,
      time: new Date().toISOString(),
      actor,
      step: s,
      dataDigest,
      metrics,
      promoted,
      reason,
      parentVersion: manifest.version,
    };
    await o.store.recordModelVersion(rec);
    steps.push(rec);
    log(`[${s}] ${reason}`);
  };
  let digest: string | null = null;
  try {
    // 1. Data: store feedback in the window, newest share held out.
    const scores = await scoreRecordsFromStore(o.store, { since: o.since });
    const prefs = await pairRecordsFromStore(o.store, { since: o.since });
    const order = scores.records
      .map((_, i) => i)
      .sort((a, b) => scores.times[a]! - scores.times[b]! || (scores.records[a]!.id < scores.records[b]!.id ? -1 : 1));
    const nHold = Math.floor(order.length * (o.holdoutFraction ?? 0.2));
    const holdIdx = order.slice(order.length - nHold);
    const trainIdx = order.slice(0, order.length - nHold);
    const holdout = holdIdx.map((i) => scores.records[i]!);
    const holdPrompts = new Set(holdout.map((r) => r.prompt));
    const candidates = manifest.candidates;
    const known = new Set(candidates);
    const storeRecs: ScoreRecord[] = trainIdx.map((i) => scores.records[i]!);
    const storeTimes: number[] = trainIdx.map((i) => scores.times[i]!);
    // Preferences become score rows: winner 1, loser 0 (0.5 each for a tie).
    prefs.records.forEach((p, i) => {
      if (holdPrompts.has(p.prompt) || !known.has(p.model_a) || !known.has(p.model_b)) return;
      const [a, b] = p.winner === 'tie' ? [0.5, 0.5] : [1, 0];
      storeRecs.push({ id: p.id, prompt: p.prompt, scores: { [p.model_a]: a, [p.model_b]: b } });
      storeTimes.push(prefs.times[i]!);
    });
    const fresh = dedupe(
      storeRecs
        .filter((r) => !holdPrompts.has(r.prompt))
        .map((r) => ({ ...r, scores: Object.fromEntries(Object.entries(r.scores).filter(([m]) => known.has(m))) })),
      storeTimes.filter((_, i) => !holdPrompts.has(storeRecs[i]!.prompt)),
    );
    const originalPath = o.originalData === undefined ? (manifest.trainingData?.source ?? null) : o.originalData;
    let original: ScoreRecord[] = [];
    if (originalPath) {
      if (!existsSync(originalPath))
        throw new LlmrError(`original training data ${originalPath} not found`, {
          field: '--data',
          fix: 'pass --data <file> (the serving version was trained on it), or --no-original to train on the store only',
        });
      original = (await readRecords(originalPath, 'scores')).filter((r) => !holdPrompts.has(r.prompt));
    }
    // Store feedback overrides the original scores of the same prompt for the models it rates.
    const byPrompt = new Map(fresh.records.map((r, i) => [r.prompt, i]));
    const merged: ScoreRecord[] = original.map((r) => {
      const i = byPrompt.get(r.prompt);
      if (i === undefined) return r;
      byPrompt.delete(r.prompt);
      return { ...r, scores: { ...r.scores, ...fresh.records[i]!.scores } };
    });
    const now = Date.now();
    const halfLife = (o.halfLifeDays ?? 14) * 86_400_000;
    const maxCopies = Math.max(1, Math.round(o.recentWeight ?? 2));
    let weighted = 0;
    for (const [, i] of byPrompt) {
      const r = fresh.records[i]!;
      const w = 0.5 ** (Math.max(0, now - fresh.times[i]!) / halfLife);
      const copies = Math.max(1, Math.round(maxCopies * w));
      for (let c = 0; c < copies; c++) merged.push(c === 0 ? r : { ...r, id: `${r.id}#${c + 1}` });
      weighted += copies;
    }
    if (merged.length === 0)
      throw new LlmrError('no training data: the store holds no usable feedback and there is no original data', {
        field: '--data',
        fix: 'collect feedback with POST /feedback (prompts stored), or pass --data',
      });
    digest = recordsDigest(merged);
    const dataMetrics = {
      originalRows: original.length,
      storeScoreRows: scores.records.length,
      storePreferenceRows: prefs.records.length,
      storeRowsWithoutPrompt: scores.withoutPrompt + prefs.withoutPrompt,
      storeTrainRows: byPrompt.size,
      storeTrainRowsWeighted: weighted,
      trainingRows: merged.length,
      holdoutRows: holdout.length,
      since: o.since?.toISOString() ?? null,
      halfLifeDays: o.halfLifeDays ?? 14,
    };

    // 2. Train a new version like the serving one.
    const prices = new PriceTable((manifest.prices ?? {}) as PriceTableData);
    const fz = manifest.featurizer!;
    const candidate = await trainRouter(merged, {
      kind: manifest.kind,
      params: manifest.params,
      featurizer: { kind: fz.kind, config: hyperParams(fz.kind, fz.config) },
      prices,
      models: [...candidates],
      name: o.name,
      version,
      seed: o.seed ?? 42,
      source: originalPath ?? undefined,
    });
    await step(
      'trained',
      false,
      `trained ${manifest.kind} on ${merged.length} rows (${original.length} original + ${weighted} from the store, ${holdout.length} recent held out)`,
      dataMetrics,
      digest,
    );

    // 3. Compare with the serving version on the held-out recent feedback.
    const minHoldout = o.minHoldout ?? 20;
    if (holdout.length < minHoldout) {
      await step(
        'refused',
        false,
        `only ${holdout.length} held-out feedback rows (need ≥ ${minHoldout}): not enough evidence that the new version is not worse`,
        dataMetrics,
        digest,
      );
      return finish(o, version, false, steps[steps.length - 1]!.reason, candidate, manifest.version, dataMetrics, steps);
    }
    const serving = await RouterPipeline.load(servingDir);
    const rows: { prompt: string; model: string; score: number }[] = [];
    for (const r of holdout) for (const [m, s] of Object.entries(r.scores)) if (s !== null && known.has(m)) rows.push({ prompt: r.prompt, model: m, score: s });
    const errOf = async (p: RouterPipeline) => {
      const q = await p.score(rows.map((r) => r.prompt));
      return rows.map((r, i) => (q[i]![p.models.indexOf(r.model)]! - r.score) ** 2);
    };
    const eOld = await errOf(serving);
    const eNew = await errOf(candidate);
    const mean = (v: readonly number[], idx?: Int32Array) => (idx ? Array.from(idx, (i) => v[i]!) : v).reduce((s, x) => s + x, 0) / (idx?.length ?? v.length);
    const ci = bootstrap(rows.length, (idx) => ({ delta: mean(eOld, idx) - mean(eNew, idx) }), { replicates: o.replicates ?? 1000, seed: o.seed ?? 42 }).delta!;
    const margin = o.margin ?? 0.005;
    const delta = mean(eOld) - mean(eNew);
    const metrics = {
      ...dataMetrics,
      heldOutPairs: rows.length,
      servingMse: mean(eOld),
      candidateMse: mean(eNew),
      improvement: delta,
      improvementCi95: [ci.lo, ci.hi],
      margin,
    };
    await step(
      'evaluated',
      false,
      `held-out MSE serving ${mean(eOld).toFixed(4)} vs new ${mean(eNew).toFixed(4)}; improvement ${delta.toFixed(4)} [95% CI ${ci.lo.toFixed(4)}, ${ci.hi.toFixed(4)}]`,
      metrics,
      digest,
    );
    const notWorse = ci.lo >= -margin;
    if (!notWorse) {
      await step(
        'refused',
        false,
        `new version is worse: the improvement's 95% lower bound ${ci.lo.toFixed(4)} < −margin ${(-margin).toFixed(4)}`,
        metrics,
        digest,
      );
      return finish(o, version, false, steps[steps.length - 1]!.reason, candidate, manifest.version, metrics, steps);
    }
    if (o.dryRun) {
      await step('refused', false, `dry run: not promoted (would be: lower bound ${ci.lo.toFixed(4)} ≥ −${margin})`, metrics, digest);
      return finish(o, version, false, steps[steps.length - 1]!.reason, candidate, manifest.version, metrics, steps);
    }
    const reason = `not worse than ${manifest.version}: improvement's 95% lower bound ${ci.lo.toFixed(4)} ≥ −margin ${(-margin).toFixed(4)}`;
    const res = await finish(o, version, true, reason, candidate, manifest.version, metrics, steps);
    await step('promoted', true, `${reason}; now serving from ${res.dir}`, metrics, digest);
    return { ...res, steps };
  } catch (e) {
    await step('failed', false, e instanceof Error ? e.message : String(e), {}, digest).catch(() => {});
    throw e;
  }
}

/**
 * A saved featurizer config holds fitted state beside the hyper-parameters (e.g. hashing's nDocs); the
 * featurizer's own schema names the keys it does not take, which are dropped.
 */
function hyperParams(kind: string, config: Record<string, unknown>): Record<string, unknown> {
  const c = { ...config };
  for (let i = 0; i < 10; i++) {
    try {
      createFeaturizer(kind, c);
      return c;
    } catch (e) {
      const keys = [...((e as Error).message.matchAll(/"([^"]+)"/g) ?? [])].map((m) => m[1]!).filter((k) => k in c);
      if (!/Unrecognized key/i.test((e as Error).message) || keys.length === 0) throw e;
      for (const k of keys) delete c[k];
    }
  }
  return c;
}

/** A version string newer than every version folder of the router (newVersion() has one-second resolution). */
function nextVersion(routerDir: string): string {
  const existing = existsSync(routerDir)
    ? readdirSync(routerDir)
        .filter((v) => !v.startsWith('.'))
        .sort()
    : [];
  let v = newVersion();
  const last = existing[existing.length - 1];
  if (last && v <= last) v = `${last}-${Date.now().toString(36)}`;
  return v;
}

/** Save the new version: into the router's folder when promoted (atomic rename), else under .retrain/. */
async function finish(
  o: RetrainOptions,
  version: string,
  promoted: boolean,
  reason: string,
  candidate: RouterPipeline,
  servingVersion: string,
  metrics: Record<string, unknown>,
  steps: ModelVersionRecord[],
): Promise<RetrainResult> {
  const staged = join(o.modelsDir, '.retrain', o.name, version);
  await candidate.save(staged, { metrics: { retrain: metrics } });
  let dir = staged;
  if (promoted) {
    const target = join(o.modelsDir, o.name, version);
    mkdirSync(join(o.modelsDir, o.name), { recursive: true });
    renameSync(staged, target);
    dir = target;
  }
  if (!existsSync(staged) && existsSync(join(o.modelsDir, '.retrain', o.name)) && readdirSync(join(o.modelsDir, '.retrain', o.name)).length === 0)
    rmSync(join(o.modelsDir, '.retrain', o.name), { recursive: true, force: true });
  return { version, promoted, reason, dir: resolve(dir), servingVersion, metrics, steps };
}
