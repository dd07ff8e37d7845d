import type { RouteRecord } from '../../src/store/RouteRecord.js';
import type { FeedbackRecord } from '../../src/store/Store.js';

/** A valid route record for tests; fields overridable. */
export function routeRecord(over: Partial<RouteRecord> & { routeId: string }): RouteRecord {
  return {
    time: new Date().toISOString(),
    source: 'route',
    routerName: 'test',
    routerVersion: 'v1',
    policy: { kind: 'max-quality' },
    candidates: ['a', 'b', 'c'],
    chosenModel: 'a',
    answeredModel: 'a',
    predicted: { a: 0.7, b: 0.5, c: 0.2 },
    propensity: 1,
    attempts: [],
    inputTokens: null,
    outputTokens: null,
    tokensEstimated: false,
    estimatedCostUsd: 0.001,
    costUsd: null,
    latencyMs: 3,
    status: 'ok',
    promptHash: null,
    prompt: 'what is 2+2?',
    userId: null,
    sessionId: null,
    ...over,
  };
}

/** A valid feedback record for tests (a score with no route, model or prompt); fields overridable. */
export function feedbackRecord(over: Partial<FeedbackRecord> & { feedbackId: string }): FeedbackRecord {
  return {
    routeId: null,
    time: new Date().toISOString(),
    kind: 'score',
    model: null,
    score: null,
    winner: null,
    loser: null,
    tie: false,
    promptHash: null,
    prompt: null,
    userId: null,
    ...over,
  };
}
