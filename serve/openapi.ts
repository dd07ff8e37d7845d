import { z } from 'zod';
import type { ServiceMount } from './mount.js';
import type { RankService } from './rankService.js';
import {
  ErrorResponseSchema,
  HealthSchema,
  MAX_BATCH,
  RouteBatchRequestSchema,
  RouteBatchResponseSchema,
  RouteRequestSchema,
  RouteResponseSchema,
} from './schemas.js';

function schema(s: z.ZodType): unknown {
  const j = z.toJSONSchema(s, { unrepresentable: 'any' }) as Record<string, unknown>;
  delete j.$schema;
  return j;
}

/** OpenAPI 3.1 document generated from the same zod schemas that validate requests, plus the mounts' own paths. */
export function openApi(ranker: RankService | null, mounts: readonly ServiceMount[] = []): Record<string, unknown> {
  const json = (s: z.ZodType) => ({ content: { 'application/json': { schema: schema(s) } } });
  const err = (description: string) => ({ description, ...json(ErrorResponseSchema) });
  const errors = {
    '400': err('invalid request (names the field)'),
    '401': err('missing or unknown API key'),
    '413': err('body too large'),
    '415': err('unsupported Content-Type, charset or Content-Encoding'),
    '429': err('rate limited (Retry-After)'),
    '503': err('no model loaded, overloaded or queue timeout (Retry-After)'),
  };
  const extra = Object.assign({}, ...mounts.map((m) => m.openapi ?? {}));
  return {
    openapi: '3.1.0',
    info: { title: 'llm-router-tfjs', version: '0.1.0', description: 'Route prompts to LLMs by predicted quality and price; rank candidate responses.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } } },
    security: [{ bearer: [] }, { apiKey: [] }],
    paths: {
      '/route': {
        post: {
          summary: 'choose a model for a prompt',
          requestBody: { required: true, ...json(RouteRequestSchema) },
          responses: { '200': { description: 'decision', ...json(RouteResponseSchema) }, ...errors },
        },
      },
      '/route/batch': {
        post: {
          summary: `choose a model for each of up to ${MAX_BATCH} prompts in one featurizer pass and one batched prediction`,
          requestBody: { required: true, ...json(RouteBatchRequestSchema) },
          responses: { '200': { description: 'one decision per request, in order', ...json(RouteBatchResponseSchema) }, ...errors },
        },
      },
      '/rank': {
        post: {
          summary: 'rank candidate responses to a prompt',
          requestBody: { required: true, ...(ranker ? json(ranker.requestSchema) : {}) },
          responses: { '200': { description: 'ranking', ...(ranker?.responseSchema ? json(ranker.responseSchema) : {}) }, ...errors },
        },
      },
      '/healthz': { get: { summary: 'liveness', security: [], responses: { '200': { description: 'ok', ...json(HealthSchema) } } } },
      '/readyz': {
        get: {
          summary: 'readiness: a model is loaded and the server is not draining',
          security: [],
          responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } },
        },
      },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text exposition format' } } } },
      '/v1/router': {
        get: { summary: 'the loaded router: candidates, prices, policies, calibrations', responses: { '200': { description: 'router description' } } },
      },
      ...extra,
    },
  };
}
