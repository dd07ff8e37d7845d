import type { ErrorRequestHandler } from 'express';
import type { z } from 'zod';
import { LlmrError } from '../src/errors.js';
import { POLICY_KINDS } from '../src/policy/policy.js';

/** Parse an untrusted body with a zod schema; the first issue becomes an LlmrError naming the field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  let field = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys: string[] }).keys;
    field = [field, keys[0]].filter(Boolean).join('.');
    message = `unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`;
  }
  const isPolicyKind = field === 'policy.kind' || (field === 'policy' && issue.code === 'invalid_union');
  throw new LlmrError(`invalid request: ${field || 'body'}: ${message}`, {
    field: field || 'body',
    code: isPolicyKind ? 'unknown_option' : 'invalid_input',
    fix: isPolicyKind ? `policy.kind must be one of: ${POLICY_KINDS.join(', ')}` : 'see GET /openapi.json for the request schema',
  });
}

/** Maps every error to JSON without a stack trace: LlmrError → 400, too large → 413, bad JSON → 400, else 500. */
export function errorHandler(log: (o: Record<string, unknown>) => void): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const requestId = String(res.getHeader('x-request-id') ?? '');
    const e = err as { type?: string; status?: number; message?: string; limit?: number };
    if (e?.type === 'entity.too.large' || e?.status === 413) {
      res.status(413).json({ error: 'payload_too_large', message: `request body exceeds ${e.limit ?? 'the'} bytes limit`, fix: 'send a shorter prompt or fewer responses', requestId });
      return;
    }
    if (e?.type === 'entity.parse.failed') {
      res.status(400).json({ error: 'invalid_json', message: 'request body is not valid JSON', field: 'body', fix: 'send Content-Type: application/json with a JSON object', requestId });
      return;
    }
    if (err instanceof LlmrError) {
      res.status(err.code === 'not_ready' ? 503 : 400).json({ ...err.toJSON(), requestId });
      return;
    }
    log({ level: 'error', msg: 'unhandled error', requestId, path: req.path, error: err instanceof Error ? err.stack : String(err) });
    res.status(500).json({ error: 'internal', message: 'internal error; see the server log', requestId });
  };
}
