import { z } from 'zod';
import { LlmrError } from '../errors.js';
import { RANK_METHODS, type RankMethod } from './aggregate.js';

/** Request size limits: bounded work per request (the full matrix costs n(n−1)/2 comparisons). */
export const RANK_LIMITS = {
  maxResponses: 32,
  maxPromptChars: 200_000,
  maxResponseChars: 100_000,
  maxModelChars: 200,
} as const;

const nonBlank = (what: string, max: number) => z.string().max(max, `at most ${max} characters`).regex(/\S/, `${what} must not be empty`);

const RankResponseObject = z
  .object({
    text: nonBlank('response text', RANK_LIMITS.maxResponseChars),
    model: z.string().min(1).max(RANK_LIMITS.maxModelChars).optional(),
  })
  .strict();

/** One candidate response: a plain string, or `{ text, model? }`. */
export const RankResponseSchema = z
  .union([nonBlank('response text', RANK_LIMITS.maxResponseChars), RankResponseObject])
  .transform((r) => (typeof r === 'string' ? { text: r } : r));

/** POST /rank body and RankerPipeline.rank() input. */
export const RankRequestSchema = z
  .object({
    prompt: nonBlank('prompt', RANK_LIMITS.maxPromptChars),
    responses: z
      .array(RankResponseSchema)
      .min(2, 'rank at least 2 responses')
      .max(RANK_LIMITS.maxResponses, `rank at most ${RANK_LIMITS.maxResponses} responses per request`),
    /** Aggregation; default: 'reward' for reward models, 'reference' when a reference is given, else 'max-logits'. */
    method: z.enum(RANK_METHODS).optional(),
    /** A reference response: method 'reference' scores each response by P(response better than reference). */
    reference: z.string().max(RANK_LIMITS.maxResponseChars).optional(),
  })
  .strict();
export type RankRequest = z.infer<typeof RankRequestSchema>;

export interface RankedResponse {
  index: number;
  model?: string;
  /** The method's score (higher is better): MaxLogits mean margin, wins, survival, reward or P(beats reference). */
  score: number;
}

export interface RankResult {
  method: RankMethod;
  /** Responses best first. */
  ranking: RankedResponse[];
  best: { index: number; model?: string };
  /** Ranker evaluations spent (pairwise comparisons, or reward evaluations for reward models). */
  comparisons: number;
  /** matrix[i][j] = P(response i better than response j); null where not compared (and on the diagonal). */
  matrix: (number | null)[][];
  /** Reward per response (reward models). */
  rewards?: number[];
  /** P(response i better than the reference) (method 'reference'). */
  vsReference?: number[];
  ranker: { kind: string; name: string; version: string };
}

/** Shape of RankResult for the OpenAPI document (responses of POST /rank). */
export const RankResultSchema = z.object({
  method: z.enum(RANK_METHODS),
  ranking: z.array(z.object({ index: z.number().int(), model: z.string().optional(), score: z.number() })),
  best: z.object({ index: z.number().int(), model: z.string().optional() }),
  comparisons: z.number().int().describe('ranker evaluations spent'),
  matrix: z.array(z.array(z.number().nullable())).describe('matrix[i][j] = P(response i better than response j); null = not compared'),
  rewards: z.array(z.number()).optional(),
  vsReference: z.array(z.number()).optional(),
  ranker: z.object({ kind: z.string(), name: z.string(), version: z.string() }),
});

/** A zod issue path as a field name: ['responses', 2, 'text'] → 'responses[2].text'. */
export function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(body)';
}

type Issue = { path: PropertyKey[]; message: string; code: string; errors?: Issue[][] };

/** A response that is neither a string nor {text, model?}: report the branch that got furthest, not "Invalid input". */
function unwrapUnion(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || !issue.errors?.length) return issue;
  const branch = issue.errors
    .map((b) => b[0])
    .filter((i): i is Issue => Boolean(i))
    .find((i) => i.path.length > 0 || i.code !== 'invalid_type');
  if (!branch) return { ...issue, message: 'must be a non-empty string or an object {text, model?}' };
  return { ...branch, path: [...issue.path, ...branch.path] };
}

/** Validate an untrusted rank request; the LlmrError names the failing field (e.g. responses[2].text). */
export function parseRankRequest(input: unknown): RankRequest {
  const r = RankRequestSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = unwrapUnion(r.error.issues[0]!);
  const field = fieldName(issue.path);
  const isMethod = issue.path[0] === 'method';
  const fix = isMethod
    ? `method must be one of: ${RANK_METHODS.join(', ')}`
    : issue.code === 'unrecognized_keys'
      ? 'allowed fields: prompt, responses [{text, model?}], method, reference'
      : field.startsWith('responses')
        ? `responses: 2..${RANK_LIMITS.maxResponses} non-empty strings or objects {text: string, model?: string}`
        : 'see RankRequestSchema: {prompt: string, responses: [{text, model?}], method?, reference?}';
  throw new LlmrError(`invalid rank request ${field}: ${issue.message}`, { field, fix, code: isMethod ? 'unknown_option' : 'invalid_input' });
}
