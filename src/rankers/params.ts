import type { z } from 'zod';
import { parseParams } from '../routers/params.js';

/** Validate ranker hyper-parameters with a zod schema; errors name the parameter and the ranker kind. */
export function parseRankerParams<S extends z.ZodType>(kind: string, schema: S, params: unknown): z.infer<S> {
  return parseParams(kind, schema, params, 'ranker');
}
