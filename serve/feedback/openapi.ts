import { z } from 'zod';
import { ErrorResponseSchema } from '../schemas.js';
import { FeedbackBatchResponseSchema, FeedbackItemSchema, FeedbackResponseSchema, MAX_FEEDBACK_BATCH } from './schemas.js';

const json = (s: z.ZodType) => {
  const j = z.toJSONSchema(s, { unrepresentable: 'any' }) as Record<string, unknown>;
  delete j.$schema;
  return { content: { 'application/json': { schema: j } } };
};

/** OpenAPI entry of POST /feedback, from the zod schemas that validate it. */
export function feedbackOpenApi(): Record<string, unknown> {
  const body = z.union([FeedbackItemSchema, z.object({ items: z.array(FeedbackItemSchema).min(1).max(MAX_FEEDBACK_BATCH) })]);
  return {
    '/feedback': {
      post: {
        summary: 'rate a routing decision (score 0–1 or thumbs), or state a preference between two models; {items:[…]} for batches; idempotent by feedbackId',
        requestBody: { required: true, ...json(body) },
        responses: {
          '200': { description: 'stored (answered after commit)', ...json(z.union([FeedbackResponseSchema, FeedbackBatchResponseSchema])) },
          '400': {
            description: 'invalid feedback (names the field): unknown routeId, score outside [0,1], model not among the candidates',
            ...json(ErrorResponseSchema),
          },
          '503': { description: 'feedback store unavailable (Retry-After); routing is unaffected', ...json(ErrorResponseSchema) },
        },
      },
    },
  };
}
