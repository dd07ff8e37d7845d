import { z } from 'zod';

/**
 * The two shapes routing data comes in. One zod schema per boundary: it gives the TypeScript type, the
 * validation (with the failing field named) and the OpenAPI/JSON-schema entry.
 */

const modelName = z.string().min(1, 'model name must be a non-empty string');

/** Per-model token counts for one call. */
export const TokenCountsSchema = z.strictObject({
  input: z.number().nonnegative().optional(),
  output: z.number().nonnegative().optional(),
});

/**
 * A score table record: one prompt, a quality score per model (number, or null/missing when that model was
 * not run or not graded), optional USD cost per model for this call, optional token counts and responses.
 * Strict: an unknown key (`costs` for `cost`) is an error, not silently dropped, and `scores` names at least
 * one model.
 */
export const ScoreRecordSchema = z.strictObject({
  id: z.string().min(1),
  prompt: z.string(),
  task: z.string().optional(),
  scores: z
    .record(modelName, z.number().finite().nullable())
    .refine((s) => Object.keys(s).length > 0, 'scores is empty: name at least one model, e.g. {"gpt-4": 1}'),
  cost: z.record(modelName, z.number().nonnegative().nullable()).optional(),
  tokens: z.record(modelName, TokenCountsSchema).optional(),
  responses: z.record(modelName, z.string()).optional(),
});
export type ScoreRecord = z.infer<typeof ScoreRecordSchema>;

/** A pairwise preference record: which of two models' answers to one prompt was preferred (strict: unknown keys are errors). */
export const PairwiseRecordSchema = z.strictObject({
  id: z.string().min(1),
  prompt: z.string(),
  task: z.string().optional(),
  model_a: modelName,
  model_b: modelName,
  winner: z.enum(['a', 'b', 'tie']),
  response_a: z.string().optional(),
  response_b: z.string().optional(),
  /** Individual annotator labels where the source has several (e.g. PandaLM's 3 humans). */
  votes: z.array(z.enum(['a', 'b', 'tie'])).optional(),
});
export type PairwiseRecord = z.infer<typeof PairwiseRecordSchema>;

export type RecordKind = 'scores' | 'pairwise';

/** The keys a record of each kind may have (for "did you mean" hints on unknown keys). */
export const RECORD_KEYS: Record<RecordKind, readonly string[]> = {
  scores: Object.keys(ScoreRecordSchema.shape),
  pairwise: Object.keys(PairwiseRecordSchema.shape),
};
export const RECORD_SCHEMAS = { scores: ScoreRecordSchema, pairwise: PairwiseRecordSchema } as const;

/** Models present in a score table, in first-seen order. */
export function modelsOf(records: readonly ScoreRecord[]): string[] {
  const seen = new Set<string>();
  for (const r of records) for (const m of Object.keys(r.scores)) seen.add(m);
  return [...seen];
}
