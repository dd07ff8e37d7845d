import { z } from 'zod';

/**
 * One routing decision as it is logged: produced by `POST /route`, `/route/batch` and the OpenAI-compatible
 * gateway, handed to a {@link RouteRecordSink} (the feedback store persists it). The prompt itself is present
 * only when the operator configured prompt storage; otherwise `promptHash` (salted sha256) identifies it.
 */
export const RouteAttemptSchema = z.object({
  model: z.string(),
  /** Gateway upstream name; absent for `/route`, which calls no model. */
  upstream: z.string().optional(),
  /** HTTP status from the upstream, or 0 for a connect error / timeout. */
  status: z.number().int(),
  error: z.string().optional(),
  latencyMs: z.number().nonnegative(),
});
export type RouteAttempt = z.infer<typeof RouteAttemptSchema>;

export const RouteRecordSchema = z.object({
  routeId: z.string().min(1),
  /** ISO-8601 time of the decision. */
  time: z.string(),
  source: z.enum(['route', 'batch', 'gateway']),
  routerName: z.string().nullable(),
  routerVersion: z.string().nullable(),
  /** The policy as applied (after resolving calibrated names). */
  policy: z.record(z.string(), z.unknown()).nullable(),
  candidates: z.array(z.string()),
  /** The model the router chose. */
  chosenModel: z.string(),
  /** The model that actually answered (gateway, after fallbacks); equals chosenModel for `/route`. */
  answeredModel: z.string().nullable(),
  /** Predicted quality per candidate at decision time. */
  predicted: z.record(z.string(), z.number()).optional(),
  /** Probability with which the policy picked chosenModel (1 for deterministic policies); for off-policy evaluation. */
  propensity: z.number().min(0).max(1).optional(),
  attempts: z.array(RouteAttemptSchema).default([]),
  inputTokens: z.number().int().nonnegative().nullable().default(null),
  outputTokens: z.number().int().nonnegative().nullable().default(null),
  /** True when token counts are estimated, not reported by the upstream. */
  tokensEstimated: z.boolean().default(false),
  /** Expected cost at decision time (price table), USD. */
  estimatedCostUsd: z.number().nonnegative().nullable().default(null),
  /** Billed cost from the upstream's usage, USD (gateway only). */
  costUsd: z.number().nonnegative().nullable().default(null),
  latencyMs: z.number().nonnegative(),
  /** 'ok', or an error code ('upstream_error', 'client_aborted', …). */
  status: z.string(),
  promptHash: z.string().nullable().default(null),
  prompt: z.string().nullable().default(null),
  userId: z.string().nullable().default(null),
  sessionId: z.string().nullable().default(null),
});
export type RouteRecord = z.infer<typeof RouteRecordSchema>;

/** Where route records go. The store implements it; tests and servers without a store use {@link NullRouteSink}. */
export interface RouteRecordSink {
  /** Persist one record. Must not throw into the request path: implementations log and count failures. */
  write(record: RouteRecord): Promise<void>;
}

/** A sink that keeps nothing. */
export const NullRouteSink: RouteRecordSink = { write: async () => {} };

/** A sink that keeps records in memory (tests, the dashboard without a store). Bounded: oldest dropped first. */
export class MemoryRouteSink implements RouteRecordSink {
  readonly records: RouteRecord[] = [];
  constructor(private readonly max = 10_000) {}
  async write(record: RouteRecord): Promise<void> {
    this.records.push(record);
    if (this.records.length > this.max) this.records.splice(0, this.records.length - this.max);
  }
}
