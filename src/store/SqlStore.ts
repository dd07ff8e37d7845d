import { createHash, randomBytes } from 'node:crypto';
import { dialect, MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import { RouteRecordSchema, type RouteRecord } from './RouteRecord.js';
import type { SqlDriver, SqlExecutor, SqlRow, SqlValue } from './SqlDriver.js';
import {
  StoreUnavailableError,
  type FeedbackRecord,
  type LabelledRoute,
  type ModelBucketRow,
  type ModelFeedbackRow,
  type ModelVersionRecord,
  type Store,
  type StoreStats,
  type TimeBucket,
  type TimeRange,
  type WriteFeedbackResult,
} from './Store.js';

export interface SqlStoreOptions {
  /** Keep prompt text (needed to retrain on the store); else only a salted hash. Default false. */
  storePrompts?: boolean;
  /** Salt for prompt hashes; default: one random salt generated once per database (llmr_settings). */
  salt?: string;
  /** Route records kept in memory while the store is slow or down; beyond, the oldest are dropped (counted). */
  maxPendingRoutes?: number;
  /** Route records per write transaction. */
  routeBatch?: number;
  /** Feedback items per write transaction (group commit of concurrent requests). */
  feedbackBatch?: number;
  log?: (o: Record<string, unknown>) => void;
}

const BUCKET_MS: Record<TimeBucket, number> = { hour: 3_600_000, day: 86_400_000, week: 604_800_000 };
/** 1970-01-05 was a Monday: week buckets start on Mondays. */
const WEEK_OFFSET_MS = 4 * 86_400_000;

interface FeedbackJob {
  items: FeedbackRecord[];
  resolve: (r: WriteFeedbackResult) => void;
  reject: (e: unknown) => void;
}

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? Number(v) : (v as number));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const ms = (t: string | Date): number => (t instanceof Date ? t.getTime() : Date.parse(t));
const iso = (t: unknown): string => new Date(num(t)).toISOString();

/** Placeholders `($1,$2,…),($k,…)` for `rows` rows of `cols` values. */
function valuesClause(rows: number, cols: number): string {
  const out: string[] = [];
  for (let r = 0; r < rows; r++) out.push(`(${Array.from({ length: cols }, (_, c) => `$${r * cols + c + 1}`).join(',')})`);
  return out.join(',');
}

function rangeWhere(col: string, r: TimeRange | undefined, params: SqlValue[]): string {
  const parts: string[] = [];
  if (r?.since !== undefined) {
    params.push(ms(r.since));
    parts.push(`${col} >= $${params.length}`);
  }
  if (r?.until !== undefined) {
    params.push(ms(r.until));
    parts.push(`${col} < $${params.length}`);
  }
  return parts.length ? parts.join(' AND ') : 'TRUE';
}

/**
 * The store over any {@link SqlDriver}: one SQL text for DuckDB and PostgreSQL. Route records from the request
 * path are queued and written in batches by one background writer (bounded; retried with backoff while the
 * database is down); feedback writes from concurrent requests are grouped into one transaction and each
 * caller is answered after that transaction committed.
 */
export class SqlStore implements Store {
  readonly kind: Store['kind'];
  readonly location: string;
  readonly storePrompts: boolean;
  schemaVersion = 0;
  private salt = '';
  private readonly pending = new Map<string, RouteRecord>();
  private droppedRoutes = 0;
  private routeWriter: Promise<void> | null = null;
  private routeWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  /** The last error of a route-record write (null once a write succeeds again). */
  lastRouteError: unknown = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly feedbackQueue: FeedbackJob[] = [];
  private feedbackWriters = 0;
  private closed = false;
  private readonly opts: Required<Omit<SqlStoreOptions, 'salt' | 'log'>> & Pick<SqlStoreOptions, 'salt' | 'log'>;

  private constructor(
    private readonly db: SqlDriver,
    opts: SqlStoreOptions,
  ) {
    this.kind = db.kind;
    this.location = db.location;
    this.storePrompts = opts.storePrompts ?? false;
    this.opts = {
      storePrompts: this.storePrompts,
      maxPendingRoutes: opts.maxPendingRoutes ?? 10_000,
      routeBatch: opts.routeBatch ?? 500,
      feedbackBatch: opts.feedbackBatch ?? 500,
      salt: opts.salt,
      log: opts.log,
    };
  }

  /** Apply pending migrations, load the salt, and return a ready store. */
  static async open(db: SqlDriver, opts: SqlStoreOptions = {}): Promise<SqlStore> {
    const s = new SqlStore(db, opts);
    try {
      await s.migrate();
    } catch (e) {
      await db.close().catch(() => {});
      throw db.isUnavailable(e) && !(e instanceof StoreUnavailableError)
        ? new StoreUnavailableError(`${db.kind} store ${db.location} is unavailable: ${(e as Error).message}`, { cause: e })
        : e;
    }
    return s;
  }

  private async migrate(): Promise<void> {
    await this.db.withMigrationLock(async (tx) => {
      await tx.query(`CREATE TABLE IF NOT EXISTS llmr_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)`);
      const done = new Set((await tx.query(`SELECT version FROM llmr_schema_migrations`)).map((r) => num(r.version)));
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        for (const st of m.statements) await tx.query(dialect(st, this.kind));
        await tx.query(`INSERT INTO llmr_schema_migrations (version, name, applied_ms) VALUES ($1, $2, $3)`, [m.version, m.name, Date.now()]);
        this.opts.log?.({ level: 'info', msg: 'store migration applied', version: m.version, name: m.name });
      }
      await tx.query(`INSERT INTO llmr_settings (key, value) VALUES ('prompt_salt', $1) ON CONFLICT (key) DO NOTHING`, [randomBytes(16).toString('hex')]);
      this.salt = this.opts.salt ?? String((await tx.query(`SELECT value FROM llmr_settings WHERE key = 'prompt_salt'`))[0]!.value);
    });
    this.schemaVersion = SCHEMA_VERSION;
  }

  hashPrompt(prompt: string): string {
    return createHash('sha256').update(this.salt).update('\u0000').update(prompt).digest('hex');
  }

  /** The record as stored: prompt kept only with storePrompts; a salted hash always when a prompt is known. */
  private privateRoute(r: RouteRecord): RouteRecord {
    const rec = RouteRecordSchema.parse(r);
    const promptHash = rec.prompt !== null ? this.hashPrompt(rec.prompt) : rec.promptHash;
    return { ...rec, promptHash, prompt: this.storePrompts ? rec.prompt : null };
  }

  private privateFeedback(f: FeedbackRecord): FeedbackRecord {
    const promptHash = f.prompt !== null ? this.hashPrompt(f.prompt) : f.promptHash;
    return { ...f, promptHash, prompt: this.storePrompts ? f.prompt : null };
  }

  // ---- route records -------------------------------------------------------------------------------------

  async write(record: RouteRecord): Promise<void> {
    if (this.closed) return;
    let rec: RouteRecord;
    try {
      rec = this.privateRoute(record);
    } catch (e) {
      this.opts.log?.({
        level: 'error',
        msg: 'route record rejected by schema',
        routeId: (record as { routeId?: unknown })?.routeId,
        error: (e as Error).message,
      });
      return;
    }
    this.pending.set(rec.routeId, rec);
    while (this.pending.size > this.opts.maxPendingRoutes) {
      this.pending.delete(this.pending.keys().next().value!);
      this.droppedRoutes++;
    }
    this.kickRouteWriter();
  }

  async writeRoutes(records: readonly RouteRecord[]): Promise<void> {
    const recs = records.map((r) => this.privateRoute(r));
    for (let i = 0; i < recs.length; i += this.opts.routeBatch) {
      const chunk = recs.slice(i, i + this.opts.routeBatch);
      await this.guard(() => this.db.transaction((tx) => this.insertRoutes(tx, chunk)));
    }
  }

  private async insertRoutes(tx: SqlExecutor, recs: readonly RouteRecord[]): Promise<void> {
    if (recs.length === 0) return;
    const params: SqlValue[] = [];
    for (const r of recs)
      params.push(
        r.routeId,
        ms(r.time),
        r.source,
        r.routerName,
        r.routerVersion,
        r.chosenModel,
        r.answeredModel,
        r.costUsd ?? r.estimatedCostUsd,
        r.latencyMs,
        r.status,
        r.propensity ?? null,
        r.promptHash,
        r.userId,
        JSON.stringify(r),
      );
    await tx.query(
      `INSERT INTO llmr_route_records (route_id, time_ms, source, router_name, router_version, chosen_model, answered_model, cost_usd, latency_ms, status, propensity, prompt_hash, user_id, record) VALUES ${valuesClause(recs.length, 14)} ON CONFLICT (route_id) DO NOTHING`,
      params,
    );
  }

  private kickRouteWriter(): void {
    if (this.routeWriter || this.retryTimer || this.pending.size === 0) return;
    this.routeWriter = this.drainRoutes().finally(() => {
      this.routeWriter = null;
    });
  }

  private async drainRoutes(): Promise<void> {
    while (this.pending.size > 0) {
      const batch = [...this.pending.values()].slice(0, this.opts.routeBatch);
      try {
        await this.db.transaction((tx) => this.insertRoutes(tx, batch));
      } catch (e) {
        this.lastRouteError = e;
        const unavailable = this.db.isUnavailable(e);
        this.opts.log?.({
          level: 'warn',
          msg: unavailable ? 'store unavailable; route records kept in memory, retrying' : 'route record write failed',
          pending: this.pending.size,
          error: (e as Error).message,
        });
        if (!unavailable) for (const r of batch) this.pending.delete(r.routeId), this.droppedRoutes++;
        this.settleRouteWaiters(unavailable ? e : null);
        if (unavailable && !this.closed) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = null;
            this.kickRouteWriter();
          }, 1000);
          this.retryTimer.unref();
        }
        return;
      }
      for (const r of batch) if (this.pending.get(r.routeId) === r) this.pending.delete(r.routeId);
    }
    this.lastRouteError = null;
    this.settleRouteWaiters(null);
  }

  private settleRouteWaiters(err: unknown): void {
    const ws = this.routeWaiters.splice(0);
    for (const w of ws) err ? w.reject(this.unavailable(err)) : w.resolve();
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    const done = new Promise<void>((resolve, reject) => this.routeWaiters.push({ resolve, reject }));
    this.kickRouteWriter();
    await done;
  }

  async getRoute(routeId: string): Promise<RouteRecord | null> {
    const p = this.pending.get(routeId);
    if (p) return p;
    const rows = await this.guard(() => this.db.query(`SELECT record FROM llmr_route_records WHERE route_id = $1`, [routeId]));
    return rows[0] ? (JSON.parse(String(rows[0].record)) as RouteRecord) : null;
  }

  // ---- feedback --------------------------------------------------------------------------------------------

  writeFeedback(items: readonly FeedbackRecord[]): Promise<WriteFeedbackResult> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('the store is closed'));
    if (items.length === 0) return Promise.resolve({ inserted: [], duplicates: [] });
    return new Promise<WriteFeedbackResult>((resolve, reject) => {
      this.feedbackQueue.push({ items: items.map((f) => this.privateFeedback(f)), resolve, reject });
      this.kickFeedbackWriter();
    });
  }

  private kickFeedbackWriter(): void {
    while (this.feedbackQueue.length > 0 && this.feedbackWriters < this.db.writeConcurrency) {
      const jobs: FeedbackJob[] = [];
      let n = 0;
      while (this.feedbackQueue.length > 0 && (jobs.length === 0 || n + this.feedbackQueue[0]!.items.length <= this.opts.feedbackBatch)) {
        const j = this.feedbackQueue.shift()!;
        jobs.push(j);
        n += j.items.length;
      }
      this.feedbackWriters++;
      void this.commitFeedback(jobs).finally(() => {
        this.feedbackWriters--;
        this.kickFeedbackWriter();
      });
    }
  }

  /** One transaction for several callers' feedback (group commit); each caller learns which of its ids were new. */
  private async commitFeedback(jobs: FeedbackJob[]): Promise<void> {
    const all = jobs.flatMap((j) => j.items);
    // Route records still queued that this feedback refers to go into the same transaction.
    const routes = [...new Set(all.map((f) => f.routeId).filter((id): id is string => id !== null && this.pending.has(id)))].map((id) => this.pending.get(id)!);
    const unique = [...new Map(all.map((f) => [f.feedbackId, f])).values()];
    try {
      const inserted = await this.db.transaction(async (tx) => {
        for (let i = 0; i < routes.length; i += this.opts.routeBatch) await this.insertRoutes(tx, routes.slice(i, i + this.opts.routeBatch));
        const ids = new Set<string>();
        for (let i = 0; i < unique.length; i += this.opts.feedbackBatch) {
          const chunk = unique.slice(i, i + this.opts.feedbackBatch);
          const params: SqlValue[] = [];
          for (const f of chunk)
            params.push(f.feedbackId, f.routeId, ms(f.time), f.kind, f.model, f.score, f.winner, f.loser, f.tie, f.promptHash, f.prompt, f.userId);
          const rows = await tx.query(
            `INSERT INTO llmr_feedback (feedback_id, route_id, time_ms, kind, model, score, winner, loser, tie, prompt_hash, prompt, user_id) VALUES ${valuesClause(chunk.length, 12)} ON CONFLICT (feedback_id) DO NOTHING RETURNING feedback_id`,
            params,
          );
          for (const r of rows) ids.add(String(r.feedback_id));
        }
        return ids;
      });
      for (const r of routes) if (this.pending.get(r.routeId) === r) this.pending.delete(r.routeId);
      const claimed = new Set<string>();
      for (const j of jobs) {
        const res: WriteFeedbackResult = { inserted: [], duplicates: [] };
        for (const f of j.items) {
          if (inserted.has(f.feedbackId) && !claimed.has(f.feedbackId)) {
            claimed.add(f.feedbackId);
            res.inserted.push(f.feedbackId);
          } else res.duplicates.push(f.feedbackId);
        }
        j.resolve(res);
      }
    } catch (e) {
      const err = this.db.isUnavailable(e) ? this.unavailable(e) : e;
      for (const j of jobs) j.reject(err);
    }
  }

  // ---- reads -----------------------------------------------------------------------------------------------

  private unavailable(e: unknown): unknown {
    if (e instanceof StoreUnavailableError) return e;
    return this.db.isUnavailable(e)
      ? new StoreUnavailableError(`${this.kind} store ${this.location} is unavailable: ${(e as Error).message}`, { cause: e })
      : e;
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.unavailable(e);
    }
  }

  async recentRoutes(opts: TimeRange & { limit?: number; model?: string } = {}): Promise<RouteRecord[]> {
    const params: SqlValue[] = [];
    let where = rangeWhere('time_ms', opts, params);
    if (opts.model) {
      params.push(opts.model);
      where += ` AND coalesce(answered_model, chosen_model) = $${params.length}`;
    }
    params.push(Math.max(1, Math.min(opts.limit ?? 100, 10_000)));
    const rows = await this.guard(() =>
      this.db.query(`SELECT record FROM llmr_route_records WHERE ${where} ORDER BY time_ms DESC, route_id LIMIT $${params.length}`, params),
    );
    return rows.map((r) => JSON.parse(String(r.record)) as RouteRecord);
  }

  private feedbackFrom(r: SqlRow): FeedbackRecord {
    return {
      feedbackId: String(r.feedback_id),
      routeId: (r.route_id as string | null) ?? null,
      time: iso(r.time_ms),
      kind: r.kind as FeedbackRecord['kind'],
      model: (r.model as string | null) ?? null,
      score: numOrNull(r.score),
      winner: (r.winner as string | null) ?? null,
      loser: (r.loser as string | null) ?? null,
      tie: Boolean(r.tie),
      promptHash: (r.prompt_hash as string | null) ?? null,
      prompt: (r.prompt as string | null) ?? null,
      userId: (r.user_id as string | null) ?? null,
    };
  }

  async recentFeedback(opts: TimeRange & { limit?: number; routeId?: string } = {}): Promise<FeedbackRecord[]> {
    const params: SqlValue[] = [];
    let where = rangeWhere('time_ms', opts, params);
    if (opts.routeId) {
      params.push(opts.routeId);
      where += ` AND route_id = $${params.length}`;
    }
    params.push(Math.max(1, Math.min(opts.limit ?? 100, 100_000)));
    const rows = await this.guard(() =>
      this.db.query(`SELECT * FROM llmr_feedback WHERE ${where} ORDER BY time_ms DESC, feedback_id LIMIT $${params.length}`, params),
    );
    return rows.map((r) => this.feedbackFrom(r));
  }

  async modelBuckets(opts: TimeRange & { bucket?: TimeBucket } = {}): Promise<ModelBucketRow[]> {
    const size = BUCKET_MS[opts.bucket ?? 'day'];
    const off = opts.bucket === 'week' ? WEEK_OFFSET_MS : 0;
    const params: SqlValue[] = [];
    const where = rangeWhere('time_ms', opts, params);
    const bucket = `(CAST(floor((time_ms - ${off}) / ${size}.0) AS BIGINT) * ${size} + ${off})`;
    const rows = await this.guard(() =>
      this.db.query(
        `SELECT ${bucket} AS bucket, coalesce(answered_model, chosen_model) AS model, count(*) AS routes, coalesce(sum(cost_usd), 0) AS cost,
                avg(latency_ms) AS mean_latency, percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95_latency,
                sum(CASE WHEN status = 'ok' THEN 0 ELSE 1 END) AS errors
         FROM llmr_route_records WHERE ${where} GROUP BY 1, 2 ORDER BY 1, 2`,
        params,
      ),
    );
    return rows.map((r) => ({
      bucket: iso(r.bucket),
      model: String(r.model),
      routes: num(r.routes),
      costUsd: num(r.cost),
      meanLatencyMs: num(r.mean_latency),
      p95LatencyMs: num(r.p95_latency),
      errors: num(r.errors),
    }));
  }

  async modelFeedback(opts: TimeRange = {}): Promise<ModelFeedbackRow[]> {
    const params: SqlValue[] = [];
    const rw = rangeWhere('r.time_ms', opts, params);
    const routes = await this.guard(() =>
      this.db.query(
        `SELECT coalesce(r.answered_model, r.chosen_model) AS model, count(*) AS routes,
                count(f.route_id) AS rated, coalesce(sum(f.n), 0) AS feedback, sum(f.s) AS score_sum
         FROM llmr_route_records r
         LEFT JOIN (SELECT route_id, count(*) AS n, sum(score) AS s FROM llmr_feedback WHERE kind <> 'preference' GROUP BY route_id) f ON f.route_id = r.route_id
         WHERE ${rw} GROUP BY 1 ORDER BY 1`,
        params,
      ),
    );
    const p2: SqlValue[] = [];
    const fw = rangeWhere('time_ms', opts, p2);
    const prefs = await this.guard(() =>
      this.db.query(
        `SELECT m AS model, sum(w) AS wins, sum(l) AS losses, sum(t) AS ties FROM (
           SELECT winner AS m, CASE WHEN tie THEN 0 ELSE 1 END AS w, 0 AS l, CASE WHEN tie THEN 1 ELSE 0 END AS t FROM llmr_feedback WHERE kind = 'preference' AND ${fw}
           UNION ALL
           SELECT loser AS m, 0 AS w, CASE WHEN tie THEN 0 ELSE 1 END AS l, CASE WHEN tie THEN 1 ELSE 0 END AS t FROM llmr_feedback WHERE kind = 'preference' AND ${fw}
         ) x WHERE m IS NOT NULL GROUP BY m`,
        p2,
      ),
    );
    const out = new Map<string, ModelFeedbackRow>();
    const row = (m: string) => {
      let r = out.get(m);
      if (!r) out.set(m, (r = { model: m, routes: 0, ratedRoutes: 0, feedback: 0, feedbackRate: 0, meanScore: null, wins: 0, losses: 0, ties: 0 }));
      return r;
    };
    for (const r of routes) {
      const o = row(String(r.model));
      o.routes = num(r.routes);
      o.ratedRoutes = num(r.rated);
      o.feedback = num(r.feedback);
      o.feedbackRate = o.routes ? o.ratedRoutes / o.routes : 0;
      o.meanScore = o.feedback ? num(r.score_sum) / o.feedback : null;
    }
    for (const p of prefs) Object.assign(row(String(p.model)), { wins: num(p.wins), losses: num(p.losses), ties: num(p.ties) });
    return [...out.values()].sort((a, b) => a.model.localeCompare(b.model));
  }

  async labelledRoutes(opts: TimeRange & { all?: boolean; limit?: number } = {}): Promise<LabelledRoute[]> {
    const params: SqlValue[] = [];
    const where = rangeWhere('r.time_ms', opts, params);
    const has = opts.all ? '' : ` AND EXISTS (SELECT 1 FROM llmr_feedback f WHERE f.route_id = r.route_id)`;
    const limit = opts.limit ? ` LIMIT ${Math.max(1, Math.floor(opts.limit))}` : '';
    const routes = await this.guard(() =>
      this.db.query(`SELECT r.route_id, r.record FROM llmr_route_records r WHERE ${where}${has} ORDER BY r.time_ms, r.route_id${limit}`, params),
    );
    const byId = new Map<string, LabelledRoute>(routes.map((r) => [String(r.route_id), { route: JSON.parse(String(r.record)) as RouteRecord, feedback: [] }]));
    if (byId.size === 0) return [];
    const fb = await this.guard(() =>
      this.db.query(
        `SELECT f.* FROM llmr_feedback f JOIN llmr_route_records r ON r.route_id = f.route_id WHERE ${where} ORDER BY f.time_ms, f.feedback_id`,
        params,
      ),
    );
    for (const r of fb) byId.get(String(r.route_id))?.feedback.push(this.feedbackFrom(r));
    return [...byId.values()];
  }

  async preferences(opts: TimeRange = {}): Promise<FeedbackRecord[]> {
    const params: SqlValue[] = [];
    const where = rangeWhere('time_ms', opts, params);
    const rows = await this.guard(() =>
      this.db.query(`SELECT * FROM llmr_feedback WHERE kind = 'preference' AND route_id IS NULL AND ${where} ORDER BY time_ms, feedback_id`, params),
    );
    return rows.map((r) => this.feedbackFrom(r));
  }

  async stats(): Promise<StoreStats> {
    const one = async (sql: string) => (await this.guard(() => this.db.query(sql)))[0]!;
    const r = await one(
      `SELECT count(*) AS n, min(time_ms) AS first, max(time_ms) AS last, count(DISTINCT f.route_id) AS rated FROM llmr_route_records r LEFT JOIN (SELECT DISTINCT route_id FROM llmr_feedback) f ON f.route_id = r.route_id`,
    );
    const f = await this.guard(() => this.db.query(`SELECT kind, count(*) AS n FROM llmr_feedback GROUP BY kind ORDER BY kind`));
    const mv = await one(`SELECT count(*) AS n FROM llmr_model_versions`);
    const scoreJoin = `LEFT JOIN (SELECT route_id, count(*) AS n, sum(score) AS s FROM llmr_feedback WHERE kind <> 'preference' GROUP BY route_id) f ON f.route_id = r.route_id`;
    const models = await this.guard(() =>
      this.db.query(
        `SELECT r.chosen_model AS model, count(*) AS routes, coalesce(sum(r.cost_usd), 0) AS cost, coalesce(sum(f.n), 0) AS fb, sum(f.s) AS s FROM llmr_route_records r ${scoreJoin} GROUP BY 1 ORDER BY 2 DESC, 1`,
      ),
    );
    const week = `(CAST(floor((r.time_ms - ${WEEK_OFFSET_MS}) / ${BUCKET_MS.week}.0) AS BIGINT) * ${BUCKET_MS.week} + ${WEEK_OFFSET_MS})`;
    const weeks = await this.guard(() =>
      this.db.query(
        `SELECT ${week} AS week, coalesce(r.answered_model, r.chosen_model) AS model, count(*) AS routes, coalesce(sum(r.cost_usd), 0) AS cost, coalesce(sum(f.n), 0) AS fb, sum(f.s) AS s FROM llmr_route_records r ${scoreJoin} GROUP BY 1, 2 ORDER BY 1, 2`,
      ),
    );
    const routes = num(r.n);
    const byKind = Object.fromEntries(f.map((x) => [String(x.kind), num(x.n)]));
    const mean = (x: SqlRow) => (num(x.fb) > 0 ? num(x.s) / num(x.fb) : null);
    return {
      kind: this.kind,
      location: this.location,
      schemaVersion: this.schemaVersion,
      routes,
      feedback: Object.values(byKind).reduce((s, v) => s + v, 0),
      feedbackByKind: byKind,
      modelVersions: num(mv.n),
      firstRoute: r.first === null ? null : iso(r.first),
      lastRoute: r.last === null ? null : iso(r.last),
      feedbackRate: routes ? num(r.rated) / routes : 0,
      models: models.map((m) => ({
        model: String(m.model),
        routes: num(m.routes),
        share: routes ? num(m.routes) / routes : 0,
        costUsd: num(m.cost),
        meanScore: mean(m),
        feedback: num(m.fb),
      })),
      weeks: weeks.map((w) => ({ week: iso(w.week).slice(0, 10), model: String(w.model), routes: num(w.routes), costUsd: num(w.cost), meanScore: mean(w) })),
      pendingRouteWrites: this.pending.size,
      droppedRouteWrites: this.droppedRoutes,
    };
  }

  // ---- model versions --------------------------------------------------------------------------------------

  async recordModelVersion(v: ModelVersionRecord): Promise<void> {
    await this.guard(() =>
      this.db.transaction((tx) =>
        tx.query(
          `INSERT INTO llmr_model_versions (id, router_name, version, time_ms, actor, step, data_digest, metrics, promoted, reason, parent_version) VALUES ${valuesClause(1, 11)} ON CONFLICT (id) DO NOTHING`,
          [v.id, v.routerName, v.version, ms(v.time), v.actor, v.step, v.dataDigest, JSON.stringify(v.metrics), v.promoted, v.reason, v.parentVersion],
        ),
      ),
    );
  }

  async modelVersions(routerName?: string): Promise<ModelVersionRecord[]> {
    const rows = await this.guard(() =>
      routerName
        ? this.db.query(`SELECT * FROM llmr_model_versions WHERE router_name = $1 ORDER BY time_ms, id`, [routerName])
        : this.db.query(`SELECT * FROM llmr_model_versions ORDER BY time_ms, id`),
    );
    return rows.map((r) => ({
      id: String(r.id),
      routerName: String(r.router_name),
      version: String(r.version),
      time: iso(r.time_ms),
      actor: String(r.actor),
      step: r.step as ModelVersionRecord['step'],
      dataDigest: (r.data_digest as string | null) ?? null,
      metrics: JSON.parse(String(r.metrics)) as Record<string, unknown>,
      promoted: Boolean(r.promoted),
      reason: String(r.reason),
      parentVersion: (r.parent_version as string | null) ?? null,
    }));
  }

  // ---- privacy ---------------------------------------------------------------------------------------------

  async prune(before: string | Date): Promise<{ routes: number; feedback: number }> {
    await this.flush().catch(() => {});
    const t = ms(before);
    for (const [id, r] of this.pending) if (ms(r.time) < t) this.pending.delete(id);
    return this.guard(() =>
      this.db.transaction(async (tx) => {
        const f = await tx.query(
          `DELETE FROM llmr_feedback WHERE time_ms < $1 OR route_id IN (SELECT route_id FROM llmr_route_records WHERE time_ms < $1) RETURNING feedback_id`,
          [t],
        );
        const r = await tx.query(`DELETE FROM llmr_route_records WHERE time_ms < $1 RETURNING route_id`, [t]);
        return { routes: r.length, feedback: f.length };
      }),
    );
  }

  async deleteWhere(by: { routeIds?: readonly string[]; userId?: string }): Promise<{ routes: number; feedback: number }> {
    const ids = [...new Set(by.routeIds ?? [])];
    if (ids.length === 0 && by.userId === undefined) return { routes: 0, feedback: 0 };
    await this.flush().catch(() => {});
    for (const [id, r] of this.pending) if (ids.includes(id) || (by.userId !== undefined && r.userId === by.userId)) this.pending.delete(id);
    return this.guard(() =>
      this.db.transaction(async (tx) => {
        let routes = 0;
        let feedback = 0;
        for (let i = 0; i < ids.length; i += 500) {
          const chunk = ids.slice(i, i + 500);
          const ph = chunk.map((_, k) => `$${k + 1}`).join(',');
          feedback += (await tx.query(`DELETE FROM llmr_feedback WHERE route_id IN (${ph}) RETURNING feedback_id`, chunk)).length;
          routes += (await tx.query(`DELETE FROM llmr_route_records WHERE route_id IN (${ph}) RETURNING route_id`, chunk)).length;
        }
        if (by.userId !== undefined) {
          feedback += (
            await tx.query(
              `DELETE FROM llmr_feedback WHERE user_id = $1 OR route_id IN (SELECT route_id FROM llmr_route_records WHERE user_id = $1) RETURNING feedback_id`,
              [by.userId],
            )
          ).length;
          routes += (await tx.query(`DELETE FROM llmr_route_records WHERE user_id = $1 RETURNING route_id`, [by.userId])).length;
        }
        return { routes, feedback };
      }),
    );
  }

  async ping(): Promise<boolean> {
    try {
      await this.db.query('SELECT 1 AS ok');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.race([this.flush().catch(() => {}), new Promise((r) => setTimeout(r, 3000).unref())]);
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    while (this.feedbackWriters > 0 || this.feedbackQueue.length > 0) await new Promise((r) => setTimeout(r, 10));
    await this.db.close();
  }
}
