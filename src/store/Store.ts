import { z } from 'zod';
import { LlmrError } from '../errors.js';
import type { RouteRecord, RouteRecordSink } from './RouteRecord.js';

/**
 * The feedback store: route records (from `/route`, `/route/batch` and the gateway), feedback on them, and the
 * model-versions log of `llmr retrain`. Two implementations share one SQL layer (src/store/SqlStore.ts):
 * DuckDB embedded (default, one file) and PostgreSQL (several replicas on one database). Every write method
 * resolves only after its transaction committed; when the database cannot be reached it rejects with
 * {@link StoreUnavailableError} (the HTTP layer maps it to 503 + Retry-After). `write()` — the
 * {@link RouteRecordSink} side used on the request path — never rejects: it buffers (bounded) and retries.
 */

/** One piece of feedback as stored. `model` is the model the score is about (score / thumbs). */
export const FeedbackRecordSchema = z.object({
  feedbackId: z.string().min(1),
  routeId: z.string().nullable(),
  /** ISO-8601 time the feedback was received. */
  time: z.string(),
  kind: z.enum(['score', 'thumbs', 'preference']),
  /** Model the score / thumbs rate (the route's answered model); null for preferences. */
  model: z.string().nullable(),
  /** Score in [0, 1]; thumbs up = 1, down = 0; null for preferences. */
  score: z.number().min(0).max(1).nullable(),
  winner: z.string().nullable(),
  loser: z.string().nullable(),
  tie: z.boolean(),
  promptHash: z.string().nullable(),
  /** Stored only with storePrompts. */
  prompt: z.string().nullable(),
  userId: z.string().nullable(),
});
export type FeedbackRecord = z.infer<typeof FeedbackRecordSchema>;

/** One step of `llmr retrain` (trained, evaluated, promoted, refused, failed), as the model-versions table keeps it. */
export const ModelVersionRecordSchema = z.object({
  id: z.string().min(1),
  routerName: z.string(),
  version: z.string(),
  /** ISO-8601 time of the step. */
  time: z.string(),
  /** Who ran it (user@host or a service name). */
  actor: z.string(),
  step: z.enum(['trained', 'evaluated', 'promoted', 'refused', 'failed']),
  /** sha256 of the training data the version saw. */
  dataDigest: z.string().nullable(),
  metrics: z.record(z.string(), z.unknown()),
  promoted: z.boolean(),
  reason: z.string(),
  /** The serving version it was compared with. */
  parentVersion: z.string().nullable(),
});
export type ModelVersionRecord = z.infer<typeof ModelVersionRecordSchema>;

export interface WriteFeedbackResult {
  /** Feedback ids newly stored. */
  inserted: string[];
  /** Feedback ids already present (idempotent repeats): acknowledged, not stored twice. */
  duplicates: string[];
}

export type TimeBucket = 'hour' | 'day' | 'week';

/** Counts, cost and latency of route records per model and time bucket (dashboard charts). */
export interface ModelBucketRow {
  /** ISO-8601 start of the bucket (UTC; weeks start on Monday). */
  bucket: string;
  model: string;
  routes: number;
  /** Sum of billed cost, else estimated cost, USD. */
  costUsd: number;
  meanLatencyMs: number;
  p95LatencyMs: number;
  errors: number;
}

/** Feedback rate and mean score per model (the model rated = the route's answered model). */
export interface ModelFeedbackRow {
  model: string;
  routes: number;
  /** Route records of this model with at least one score / thumbs feedback. */
  ratedRoutes: number;
  feedback: number;
  /** ratedRoutes / routes. */
  feedbackRate: number;
  /** Mean of score / thumbs feedback (null when none). */
  meanScore: number | null;
  /** Preference feedback where this model won / lost / tied. */
  wins: number;
  losses: number;
  ties: number;
}

export interface StoreStats {
  kind: StoreKind;
  location: string;
  schemaVersion: number;
  routes: number;
  feedback: number;
  feedbackByKind: Record<string, number>;
  modelVersions: number;
  firstRoute: string | null;
  lastRoute: string | null;
  /** Route records with at least one feedback / all route records. */
  feedbackRate: number;
  /** Per chosen model: share of routes, cost, mean score. */
  models: { model: string; routes: number; share: number; costUsd: number; meanScore: number | null; feedback: number }[];
  /** Per week and answered model: routes, cost, mean score. */
  weeks: { week: string; model: string; routes: number; costUsd: number; meanScore: number | null }[];
  /** Route records waiting in memory to be written (store slow or down). */
  pendingRouteWrites: number;
  /** Route records dropped because the pending buffer was full. */
  droppedRouteWrites: number;
}

/** A route record with the feedback it received (export, retrain, off-policy evaluation). */
export interface LabelledRoute {
  route: RouteRecord;
  feedback: FeedbackRecord[];
}

export interface TimeRange {
  /** Inclusive lower bound, ISO-8601 or Date. */
  since?: string | Date;
  /** Exclusive upper bound. */
  until?: string | Date;
}

export type StoreKind = 'duckdb' | 'postgres';

export interface Store extends RouteRecordSink {
  readonly kind: StoreKind;
  /** File path or URL without password. */
  readonly location: string;
  /** Highest migration applied. */
  readonly schemaVersion: number;
  /** Whether prompts are kept (else only a salted hash). */
  readonly storePrompts: boolean;

  /** Salted sha256 of a prompt, as stored in promptHash (same salt for every replica of one database). */
  hashPrompt(prompt: string): string;

  /** RouteRecordSink: queue a route record; never rejects (buffers, bounded, retries while the store is down). */
  write(record: RouteRecord): Promise<void>;
  /** Write route records and resolve after commit (imports, tests). Rejects when the store is unavailable. */
  writeRoutes(records: readonly RouteRecord[]): Promise<void>;
  /** Resolve once every queued route record is committed (or reject when the store is down). */
  flush(): Promise<void>;
  /** A route record by id (including ones still queued), or null. */
  getRoute(routeId: string): Promise<RouteRecord | null>;
  /** Store feedback; resolves after commit. Repeated feedbackIds are reported as duplicates, not stored twice. */
  writeFeedback(items: readonly FeedbackRecord[]): Promise<WriteFeedbackResult>;

  /** Newest route records first (dashboard "recent" list). */
  recentRoutes(opts?: TimeRange & { limit?: number; model?: string }): Promise<RouteRecord[]>;
  /** Feedback, newest first. */
  recentFeedback(opts?: TimeRange & { limit?: number; routeId?: string }): Promise<FeedbackRecord[]>;
  /** Routes, cost and latency per model per hour/day/week. */
  modelBuckets(opts?: TimeRange & { bucket?: TimeBucket }): Promise<ModelBucketRow[]>;
  /** Feedback rate and mean score per model. */
  modelFeedback(opts?: TimeRange): Promise<ModelFeedbackRow[]>;
  /** Every route record in the range with its feedback, oldest first (only routes with feedback unless `all`). */
  labelledRoutes(opts?: TimeRange & { all?: boolean; limit?: number }): Promise<LabelledRoute[]>;
  /** Preference feedback not tied to a route record (`{prompt, winner, loser}`), oldest first. */
  preferences(opts?: TimeRange): Promise<FeedbackRecord[]>;
  stats(): Promise<StoreStats>;

  recordModelVersion(v: ModelVersionRecord): Promise<void>;
  modelVersions(routerName?: string): Promise<ModelVersionRecord[]>;

  /** Delete route records (and their feedback) and feedback older than `before`. */
  prune(before: string | Date): Promise<{ routes: number; feedback: number }>;
  /** Delete by route ids and/or user id: the route records, their feedback, and the user's feedback. */
  deleteWhere(by: { routeIds?: readonly string[]; userId?: string }): Promise<{ routes: number; feedback: number }>;

  /** True when a trivial query succeeds now. */
  ping(): Promise<boolean>;
  /** Flush what can be flushed (bounded wait), then close connections. */
  close(): Promise<void>;
}

/** The store cannot be reached (connection refused, timeout, database file locked): retry later. */
export class StoreUnavailableError extends LlmrError {
  readonly retryAfterS: number;
  constructor(message: string, opts: { cause?: unknown; retryAfterS?: number } = {}) {
    super(message, {
      code: 'store_unavailable',
      fix: 'retry after a few seconds; the operator should check LLMR_STORE_URL and that the database is up',
      cause: opts.cause,
    });
    this.name = 'StoreUnavailableError';
    this.retryAfterS = opts.retryAfterS ?? 5;
  }
}
