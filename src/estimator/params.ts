import type { z } from 'zod';
import { LlmrError } from '../errors.js';

/**
 * Validate hyper-parameters with a zod schema; errors name the parameter and the estimator (`router` or
 * `ranker`) kind, with the CLI help that lists them.
 */
export function parseParams<S extends z.ZodType>(kind: string, schema: S, params: unknown, what: 'router' | 'ranker' = 'router'): z.infer<S> {
  const r = schema.safeParse(params ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue?.path.join('.') || '(params)';
    throw new LlmrError(`invalid ${kind} ${what} parameter ${field}: ${issue?.message ?? 'invalid'}`, {
      field: `params.${field}`,
      fix: `check the ${kind} ${what}'s parameters (llmr train ${what} ${kind} --help)`,
    });
  }
  return r.data;
}
