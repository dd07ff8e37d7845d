import { existsSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { resolveArtifactDir } from '../src/artifacts/artifact.js';
import { LlmrError } from '../src/errors.js';
import { RouterPipeline } from '../src/routers/RouterPipeline.js';
import type { Metrics } from './metrics.js';
import type { ModelHolder, ModelSet } from './ModelHolder.js';
import type { RankService } from './rankService.js';
import { HttpError } from './httpError.js';

export interface ReloaderOptions {
  holder: ModelHolder;
  modelsDir: string;
  /** The references the server started with (a folder, or <name>[/<version>] under modelsDir). */
  routerRef?: string | null;
  rankerRef?: string | null;
  loadRouter?: (dir: string) => Promise<RouterPipeline>;
  loadRanker?: (dir: string) => Promise<RankService>;
  metrics: Metrics;
  log: (o: Record<string, unknown>) => void;
}

export interface ReloadRequest {
  /** A folder or <name>[/<version>]; default: the newest version beside the one serving. */
  router?: string;
  ranker?: string;
}

export interface ReloadResult {
  changed: boolean;
  version: string | null;
  generation: number;
  previous: string | null;
  routerDir: string | null;
  rankerDir: string | null;
}

/** What a reload or rollback reports: the model set now serving, and the version it replaced. */
function reloadResult(changed: boolean, set: ModelSet, previous: string | null): ReloadResult {
  return { changed, version: set.version, generation: set.generation, previous, routerDir: set.routerDir ?? null, rankerDir: set.rankerDir ?? null };
}

/** The newest version folder beside `dir` (dir is <name>/<version>), or `dir` itself. */
export function newestSibling(dir: string): string {
  const parent = dirname(dir);
  const versions = readdirSync(parent)
    .filter((v) => !v.startsWith('.') && existsSync(join(parent, v, 'manifest.json')))
    .sort();
  return versions.length ? join(parent, versions[versions.length - 1]!) : dir;
}

/**
 * Hot reload: resolve the newest (or a named) version, load it (which verifies every checksum and the manifest
 * digest), warm it with one request, then swap it into the holder in one step. A version that fails any of this
 * is refused and the current one keeps serving. One reload at a time.
 */
export class Reloader {
  private busy: Promise<unknown> | null = null;
  private watcher: FSWatcher | null = null;

  constructor(private readonly o: ReloaderOptions) {
    o.metrics.inc('llmr_reloads_total', 'hot reloads by outcome', { outcome: 'ok' }, 0);
  }

  private resolveRouter(ref: string | undefined, cur: ModelSet): string | null {
    if (ref) return resolveArtifactDir(ref, this.o.modelsDir);
    if (cur.routerDir) return newestSibling(cur.routerDir);
    return this.o.routerRef ? resolveArtifactDir(this.o.routerRef, this.o.modelsDir) : null;
  }
  private resolveRanker(ref: string | undefined, cur: ModelSet): string | null {
    if (ref) return resolveArtifactDir(ref, this.o.modelsDir);
    if (cur.rankerDir) return newestSibling(cur.rankerDir);
    return this.o.rankerRef ? resolveArtifactDir(this.o.rankerRef, this.o.modelsDir) : null;
  }

  get inProgress(): boolean {
    return this.busy !== null;
  }

  async reload(req: ReloadRequest = {}, source = 'admin'): Promise<ReloadResult> {
    if (this.busy)
      throw new HttpError(409, 'reload_in_progress', 'another reload is running', { fix: 'wait for it to finish (GET /admin/status), then retry' });
    const run = this.doReload(req, source);
    this.busy = run;
    try {
      return await run;
    } finally {
      this.busy = null;
    }
  }

  private async doReload(req: ReloadRequest, source: string): Promise<ReloadResult> {
    const cur = this.o.holder.current;
    const t0 = performance.now();
    try {
      const routerDir = this.resolveRouter(req.router, cur);
      const rankerDir = this.o.loadRanker ? this.resolveRanker(req.ranker, cur) : null;
      const routerChanged = routerDir !== null && routerDir !== cur.routerDir;
      const rankerChanged = rankerDir !== null && rankerDir !== cur.rankerDir;
      if (!routerChanged && !rankerChanged) {
        this.o.metrics.inc('llmr_reloads_total', 'hot reloads by outcome', { outcome: 'unchanged' });
        return reloadResult(false, cur, null);
      }
      const router = routerChanged ? await (this.o.loadRouter ?? ((d: string) => RouterPipeline.load(d)))(routerDir!) : undefined;
      const ranker = rankerChanged ? await this.o.loadRanker!(rankerDir!) : undefined;
      if (router) await router.routeMany([{ prompt: 'warm-up request' }]);
      if (ranker)
        await ranker
          .rank({ prompt: 'warm-up request', responses: ['a', 'b'] })
          .catch(() => ranker.rank({ prompt: 'warm-up request', responses: [{ text: 'a' }, { text: 'b' }] }));
      const next = this.o.holder.swap({ ...(router ? { router, routerDir } : {}), ...(ranker ? { ranker, rankerDir } : {}) });
      this.o.metrics.inc('llmr_reloads_total', 'hot reloads by outcome', { outcome: 'ok' });
      this.o.log({
        level: 'info',
        msg: 'reloaded',
        source,
        version: next.version,
        generation: next.generation,
        previous: cur.version,
        routerDir,
        rankerDir,
        ms: Math.round(performance.now() - t0),
      });
      return reloadResult(true, next, cur.version);
    } catch (e) {
      this.o.metrics.inc('llmr_reloads_total', 'hot reloads by outcome', { outcome: 'refused' });
      const why = e instanceof LlmrError ? e.message : e instanceof Error ? e.message : String(e);
      this.o.log({ level: 'warn', msg: 'reload refused; the current version keeps serving', source, error: why, serving: cur.version });
      if (e instanceof HttpError) throw e;
      throw new HttpError(422, 'reload_refused', `new version refused, still serving ${cur.version ?? 'nothing'}: ${why}`, {
        field: e instanceof LlmrError ? e.field : undefined,
        fix: e instanceof LlmrError && e.fix ? e.fix : 'fix or re-train the artifact, then reload again',
      });
    }
  }

  rollback(): ReloadResult {
    const cur = this.o.holder.current;
    const back = this.o.holder.rollback();
    if (!back)
      throw new HttpError(409, 'no_previous_version', 'there is no previous version to roll back to', { fix: 'rollback works after a reload in this process' });
    this.o.metrics.inc('llmr_reloads_total', 'hot reloads by outcome', { outcome: 'rollback' });
    this.o.log({ level: 'info', msg: 'rolled back', version: back.version, generation: back.generation, previous: cur.version });
    return reloadResult(true, back, cur.version);
  }

  /** Watch the artifact name folders; a new version folder (renamed into place) triggers a reload after `debounceMs`. */
  watch(debounceMs = 300): void {
    const cur = this.o.holder.current;
    const dirs = [cur.routerDir, cur.rankerDir].filter((d): d is string => Boolean(d)).map((d) => dirname(d));
    let timer: NodeJS.Timeout | null = null;
    const fire = (name: string | null) => {
      if (name && (name.startsWith('.') || name === basename(this.o.holder.current.routerDir ?? ''))) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        this.reload({}, 'watch').catch(() => {});
      }, debounceMs);
    };
    for (const d of new Set(dirs)) {
      try {
        this.watcher = watch(d, (_ev, name) => fire(name ? String(name) : null));
      } catch (e) {
        this.o.log({ level: 'warn', msg: 'cannot watch artifact folder', dir: d, error: (e as Error).message });
      }
    }
  }

  close(): void {
    this.watcher?.close();
  }
}
