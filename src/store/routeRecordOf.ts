import type { RouteRequest, RouteResult, RouterPipeline } from '../routers/RouterPipeline.js';
import type { RouteRecord } from './RouteRecord.js';

/**
 * The route record of one `/route` decision: what was asked, what the router predicted, what the policy chose
 * and with which probability (exploring policies). The prompt goes in as text; the store keeps it or a salted
 * hash (storePrompts).
 */
export function routeRecordOf(
  r: RouterPipeline,
  req: RouteRequest,
  d: RouteResult,
  o: { routeId: string; source?: 'route' | 'batch'; latencyMs: number; userId?: string | null; sessionId?: string | null; time?: Date },
): RouteRecord {
  const predicted = Object.fromEntries(Object.entries(d.scores).map(([m, s]) => [m, s.quality]));
  return {
    routeId: o.routeId,
    time: (o.time ?? new Date()).toISOString(),
    source: o.source ?? 'route',
    routerName: r.meta.name,
    routerVersion: r.meta.version,
    policy: d.policy as Record<string, unknown>,
    candidates: Object.keys(d.scores),
    chosenModel: d.model,
    answeredModel: d.model,
    predicted,
    propensity: d.propensity ?? 1,
    attempts: [],
    inputTokens: null,
    outputTokens: null,
    tokensEstimated: false,
    estimatedCostUsd: d.scores[d.model]?.cost ?? null,
    costUsd: null,
    latencyMs: o.latencyMs,
    status: 'ok',
    promptHash: null,
    prompt: req.prompt,
    userId: o.userId ?? null,
    sessionId: o.sessionId ?? null,
  };
}
