import { LlmrError } from '../errors.js';
import type { Manifest } from '../artifacts/artifact.js';
import { loadModelArtifact, saveModelArtifact, type ManifestExtras, type ModelMeta } from '../artifacts/modelArtifact.js';
import type { Featurizer } from '../featurizers/Featurizer.js';
import { decide, parsePolicy, type Decision, type Policy } from '../policy/policy.js';
import { PriceTable, type PriceTableData } from '../prices/PriceTable.js';
import { loadRouter } from './registry.js';
import type { Explanation, Router } from './Router.js';
import { guardDecision, type GuardState } from './zeroGuard.js';

export interface RouteRequest {
  prompt: string;
  /** Restrict the decision to these models (must be known to the router and priced). */
  candidates?: string[];
  policy?: Policy;
  explain?: boolean;
  /** Apply the artifact's Zero-router guard (default true when it has one; see zeroGuard.ts). */
  guard?: boolean;
}

export interface RouteResult extends Decision {
  scores: Record<string, { quality: number; cost: number }>;
  explanation?: Explanation;
  /** Set when the artifact carries a guard: whether this decision was replaced by the Zero router's, and why. */
  guard?: { routedAsZero: boolean; reason?: string; routerChoice?: string };
}

export type PipelineMeta = ModelMeta;

/**
 * The JSON body of one routing decision, as `POST /route` returns it (without timing) and `llmr route --json`
 * prints it: one shape, one set of field names (`alternatives`: every candidate, best first).
 */
export function decisionBody(r: RouterPipeline, d: RouteResult): Record<string, unknown> {
  return {
    model: d.model,
    reason: d.reason,
    policy: d.policy,
    scores: d.scores,
    alternatives: d.ranked,
    explanation: d.explanation,
    ...(d.propensity !== undefined ? { propensity: d.propensity } : {}),
    ...(d.guard ? { guard: d.guard } : {}),
    router: { name: r.meta.name, version: r.meta.version, kind: r.router.kind, featurizer: r.featurizer.kind },
  };
}

/**
 * A trained, servable router: featurizer + scoring router + prices. The same object is used by training
 * (to save), evaluation, the CLI and the server (after load): one copy of the model, no twins.
 */
export class RouterPipeline {
  constructor(
    readonly featurizer: Featurizer,
    readonly router: Router,
    readonly prices: PriceTable,
    readonly meta: PipelineMeta,
    readonly defaultPolicy: Policy = { kind: 'max-quality' },
    /** Cross-validated comparison with the Zero router (zeroGuard.ts); absent = never guarded. */
    readonly guard?: GuardState,
  ) {
    for (const m of router.models)
      if (!prices.has(m))
        throw new LlmrError(`model "${m}" has no price`, { field: 'prices', fix: `price every candidate; priced: ${prices.models.join(', ')}` });
  }

  get models(): readonly string[] {
    return this.router.models;
  }

  /** Predicted quality for each prompt and model: result[i][j] for models[j]. */
  async score(prompts: readonly string[]): Promise<Float64Array[]> {
    const x = await this.featurizer.transform(prompts);
    return this.router.predict(x);
  }

  resolveCandidates(candidates?: readonly string[]): string[] {
    if (!candidates || candidates.length === 0) return [...this.router.models];
    const known = new Set(this.router.models);
    for (const [i, c] of candidates.entries())
      if (!known.has(c))
        throw new LlmrError(`unknown model "${c}" in candidates; this router knows: ${this.router.models.join(', ')}`, {
          field: `candidates[${i}]`,
          fix: `use models from: ${this.router.models.join(', ')}`,
          code: 'unknown_option',
        });
    return [...new Set(candidates)];
  }

  /** A `{kind: 'calibrated', name}` policy → the policy `llmr calibrate` stored under that name; others unchanged. */
  resolvePolicy(policy: Policy): Policy {
    if (policy.kind !== 'calibrated') return policy;
    const stored = this.meta.calibrations ?? {};
    const names = Object.keys(stored);
    const entry = Object.hasOwn(stored, policy.name) ? (stored[policy.name] as { policy?: unknown } | undefined) : undefined;
    if (!entry)
      throw new LlmrError(`no calibration named "${policy.name}" in this router${names.length ? `; stored: ${names.join(', ')}` : ''}`, {
        field: 'policy.name',
        code: 'unknown_option',
        fix: names.length ? `use one of: ${names.join(', ')}` : 'store one with: llmr calibrate <artifact> --data <file> --goal share=0.3 --name <name>',
      });
    const resolved = parsePolicy(entry.policy, `calibrations.${policy.name}.policy`);
    if (resolved.kind === 'calibrated')
      throw new LlmrError(`calibration "${policy.name}" refers to another calibration`, {
        field: `calibrations.${policy.name}.policy`,
        fix: 're-run llmr calibrate',
      });
    return resolved;
  }

  async route(req: RouteRequest): Promise<RouteResult> {
    return (await this.routeMany([req]))[0]!;
  }

  /**
   * Decisions for many requests: one featurizer pass and one batched predict (batched index search for kNN/Elo),
   * then the policy per request. Every request is validated before any work; when batched, errors name the
   * request as `<field>[i].…` (`field`: what the caller calls the list, e.g. "requests").
   */
  async routeMany(reqs: readonly RouteRequest[], opts: { field?: string } = {}): Promise<RouteResult[]> {
    const at = (i: number, field: string) => (reqs.length > 1 ? `${opts.field ?? ''}[${i}].${field}` : field);
    const plans = reqs.map((req, i) => {
      if (typeof req.prompt !== 'string') throw new LlmrError('prompt must be a string', { field: at(i, 'prompt') });
      try {
        return { candidates: this.resolveCandidates(req.candidates), policy: this.resolvePolicy(req.policy ? parsePolicy(req.policy) : this.defaultPolicy) };
      } catch (e) {
        if (!(e instanceof LlmrError) || reqs.length === 1) throw e;
        throw new LlmrError(`request ${i}: ${e.message}`, { field: at(i, e.field ?? 'body'), fix: e.fix, code: e.code, cause: e });
      }
    });
    if (reqs.length === 0) return [];
    const x = await this.featurizer.transform(reqs.map((r) => r.prompt));
    const q = await this.router.predict(x);
    const idx = new Map(this.router.models.map((m, j) => [m, j]));
    const out: RouteResult[] = [];
    for (const [i, req] of reqs.entries()) {
      const scores: RouteResult['scores'] = {};
      const cands = plans[i]!.candidates.map((m) => {
        const s = { model: m, quality: q[i]![idx.get(m)!]!, cost: this.prices.cost(m, req.prompt) };
        scores[m] = { quality: s.quality, cost: s.cost };
        return s;
      });
      const result: RouteResult = { ...decide(cands, plans[i]!.policy), scores };
      if (this.guard && req.guard !== false) {
        const g = guardDecision(this.guard, plans[i]!.policy, plans[i]!.candidates, this.router.models);
        if (g) {
          const routerChoice = result.model;
          result.model = g.model;
          result.reason = g.reason;
          result.ranked = [...result.ranked.filter((r) => r.model === g.model), ...result.ranked.filter((r) => r.model !== g.model)];
          result.guard = { routedAsZero: true, reason: g.reason, routerChoice };
        } else result.guard = { routedAsZero: false };
      }
      if (req.explain && this.router.explain) result.explanation = await this.router.explain(x[i]!);
      out.push(result);
    }
    return out;
  }

  async save(dir: string, extra: Partial<ManifestExtras> = {}): Promise<Manifest> {
    const r = await this.router.save();
    return saveModelArtifact(dir, {
      artifact: 'router',
      kind: this.router.kind,
      meta: this.meta,
      featurizer: this.featurizer,
      model: {
        params: this.router.params,
        state: { ...r.state, defaultPolicy: this.defaultPolicy, ...(this.guard ? { zeroGuard: this.guard } : {}) },
        files: r.files,
      },
      candidates: [...this.router.models],
      prices: this.prices.toJSON(),
      extra,
    });
  }

  static async load(dir: string): Promise<RouterPipeline> {
    const { manifest, featurizer, files, meta } = await loadModelArtifact(dir, 'router');
    const { defaultPolicy, zeroGuard, ...state } = manifest.state as Record<string, unknown> & { defaultPolicy?: Policy; zeroGuard?: GuardState };
    const router = await loadRouter(manifest.kind, manifest.params, { state, files }, manifest.candidates);
    const prices = new PriceTable((manifest.prices ?? {}) as PriceTableData);
    return new RouterPipeline(featurizer, router, prices, meta, defaultPolicy ?? { kind: 'max-quality' }, zeroGuard);
  }
}
