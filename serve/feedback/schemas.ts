import { z } from 'zod';

/** POST /feedback bodies: one zod schema gives validation (errors name the field), types and OpenAPI. */
export const MAX_FEEDBACK_BATCH = 1000;

const id = z.string().min(1).max(200);
const common = {
  /** Client id for idempotency: the same feedbackId twice is stored once (the repeat answers `duplicate: true`). */
  feedbackId: id.optional(),
  userId: z.string().min(1).max(200).optional(),
};

export const ScoreFeedbackSchema = z
  .object({
    routeId: id,
    score: z.number().min(0, 'score must be between 0 and 1').max(1, 'score must be between 0 and 1'),
    /** The model rated; default the model that answered the route. Must be one of the route's candidates. */
    model: z.string().min(1).optional(),
    ...common,
  })
  .strict();

export const ThumbsFeedbackSchema = z
  .object({
    routeId: id,
    thumbs: z.enum(['up', 'down']),
    model: z.string().min(1).optional(),
    ...common,
  })
  .strict();

/**
 * A preference between two models' answers: about a logged route (`routeId`, models among its candidates; the
 * loser defaults to the model that answered) or about a prompt (`prompt`, models among the router's).
 * `tie: true` says winner and loser were equally good.
 */
export const PreferenceFeedbackSchema = z
  .object({
    routeId: id.optional(),
    prompt: z.string().min(1).max(100_000).optional(),
    winner: z.string().min(1),
    loser: z.string().min(1).optional(),
    tie: z.boolean().optional(),
    ...common,
  })
  .strict();

export const FeedbackItemSchema = z.union([ScoreFeedbackSchema, ThumbsFeedbackSchema, PreferenceFeedbackSchema]);
export type FeedbackItem = z.infer<typeof FeedbackItemSchema>;

export const FeedbackBatchSchema = z
  .object({
    items: z
      .array(z.unknown())
      .min(1, 'items must hold at least one feedback')
      .max(MAX_FEEDBACK_BATCH, `at most ${MAX_FEEDBACK_BATCH} feedback items per request`),
  })
  .strict();

export const FeedbackResponseSchema = z.object({
  feedbackId: z.string(),
  /** True when this feedbackId was already stored (idempotent repeat): nothing new was written. */
  duplicate: z.boolean(),
});

export const FeedbackBatchResponseSchema = z.object({
  accepted: z.number().int(),
  inserted: z.number().int(),
  duplicates: z.number().int(),
  results: z.array(FeedbackResponseSchema),
});
