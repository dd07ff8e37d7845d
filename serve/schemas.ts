import { z } from 'zod';
import { PolicySchema } from '../src/policy/policy.js';

/** Request/response schemas of the HTTP service: one zod schema per boundary gives validation, types and OpenAPI. */
export const MAX_PROMPT_CHARS = 100_000;

export const RouteRequestSchema = z
  .object({
    prompt: z.string().min(1, 'prompt must be a non-empty string').max(MAX_PROMPT_CHARS, `prompt longer than ${MAX_PROMPT_CHARS} characters`),
    candidates: z.array(z.string().min(1)).min(1).max(256).optional(),
    policy: PolicySchema.optional(),
    explain: z.boolean().optional(),
    /** false: skip the artifact's Zero-router guard for this request (default: applied when the artifact has one). */
    guard: z.boolean().optional(),
  })
  .strict();
export type RouteRequestBody = z.infer<typeof RouteRequestSchema>;

export const MAX_BATCH = 256;

export const RouteBatchRequestSchema = z
  .object({
    requests: z.array(RouteRequestSchema).min(1, 'requests must hold at least one request').max(MAX_BATCH, `at most ${MAX_BATCH} requests per batch`),
  })
  .strict();

const CandidateOut = z.object({ model: z.string(), quality: z.number(), cost: z.number(), utility: z.number(), eligible: z.boolean() });

export const RouteResponseSchema = z.object({
  model: z.string(),
  reason: z.string(),
  policy: PolicySchema,
  scores: z.record(z.string(), z.object({ quality: z.number(), cost: z.number() })),
  alternatives: z.array(CandidateOut),
  explanation: z.record(z.string(), z.unknown()).optional(),
  /** Probability with which an exploring policy chose `model`. */
  propensity: z.number().optional(),
  /** Present when the router artifact carries a Zero-router guard: whether this decision is the Zero router's, and why. */
  guard: z.object({ routedAsZero: z.boolean(), reason: z.string().optional(), routerChoice: z.string().optional() }).optional(),
  router: z.object({ name: z.string(), version: z.string(), kind: z.string(), featurizer: z.string() }),
  /** Id of this decision's route record: send it back with POST /feedback. */
  routeId: z.string(),
  timeMs: z.number(),
});

export const RouteBatchResponseSchema = z.object({
  decisions: z.array(RouteResponseSchema.omit({ timeMs: true })),
  timeMs: z.number(),
});

export const ErrorResponseSchema = z.object({
  error: z.string(),
  message: z.string(),
  field: z.string().optional(),
  fix: z.string().optional(),
  requestId: z.string().optional(),
});

export const HealthSchema = z.object({
  status: z.literal('ok'),
  router: z.string().nullable(),
  ranker: z.string().nullable(),
  version: z.string().nullable(),
  generation: z.number(),
  backend: z.string().nullable(),
  uptimeS: z.number(),
});
