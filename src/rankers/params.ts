import type { z } from 'zod';
import { LlmrError } from '../errors.js';

/** Validate ranker hyper-parameters with a zod schema; errors name the parameter and the ranker kind. */
export function parseRankerParams<S extends z.ZodType>(kind: string, schema: S, params: unknown): z.infer<S> {
  const r = schema.safeParse(params ?? {});
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = issue.path.join('.') || '(params)';
    throw new LlmrError(`invalid ${kind} ranker parameter ${field}: ${issue.message}`, {
      field: `params.${field}`,
      fix: `check the ${kind} ranker's parameters (llmr train ranker ${kind} --help)`,
    });
  }
  return r.data;
}
