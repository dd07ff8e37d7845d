import type { ErrorRequestHandler } from 'express';
import type { z } from 'zod';
import { LlmrError } from '../src/errors.js';
import { POLICY_KINDS } from '../src/policy/policy.js';
import { HttpError } from './httpError.js';

/** Parse an untrusted body with a zod schema; the first issue becomes an LlmrError naming the field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  let field = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
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

/** Status for an LlmrError code that is not a plain 400. */
const STATUS_BY_CODE: Record<string, number> = { not_ready: 503 };

/** A body-parser / zlib failure as (status, JSON body), or null when `err` is not one. */
function bodyError(e: {
  type?: string;
  status?: number;
  limit?: number;
  code?: string;
  errno?: number;
  charset?: string;
  encoding?: string;
}): [number, Record<string, unknown>] | null {
  if (e.type === 'entity.too.large' || e.status === 413)
    return [
      413,
      {
        error: 'payload_too_large',
        message: `request body exceeds ${e.limit ?? 'the'} bytes limit`,
        field: 'body',
        fix: 'send a shorter prompt or fewer responses',
      },
    ];
  if (e.type === 'entity.parse.failed')
    return [
      400,
      { error: 'invalid_json', message: 'request body is not valid JSON', field: 'body', fix: 'send Content-Type: application/json with a JSON object' },
    ];
  if (e.type === 'charset.unsupported')
    return [415, { error: 'unsupported_charset', message: 'unsupported charset', field: 'content-type', fix: 'encode the body as UTF-8' }];
  if (e.type === 'encoding.unsupported')
    return [
      415,
      { error: 'unsupported_encoding', message: 'unsupported Content-Encoding', field: 'content-encoding', fix: 'send the body uncompressed, or gzip/deflate' },
    ];
  if (typeof e.code === 'string' && e.code.startsWith('Z_'))
    return [
      400,
      {
        error: 'invalid_body_encoding',
        message: 'the body does not decompress with its Content-Encoding',
        field: 'content-encoding',
        fix: 'send a valid gzip/deflate stream, or drop the Content-Encoding header',
      },
    ];
  if (e.type === 'request.aborted') return [400, { error: 'request_aborted', message: 'the client aborted the request body', field: 'body' }];
  if (e.type === 'request.size.invalid')
    return [
      400,
      {
        error: 'invalid_length',
        message: 'request body length does not match Content-Length',
        field: 'content-length',
        fix: 'send exactly Content-Length bytes',
      },
    ];
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500)
    return [
      e.status,
      { error: 'bad_request', message: 'the request body could not be read', field: 'body', fix: 'send Content-Type: application/json with a UTF-8 JSON body' },
    ];
  return null;
}

/** Maps every error to JSON without a stack trace: HttpError → its status, LlmrError → 400/503, body errors → 4xx, else 500. */
export function errorHandler(log: (o: Record<string, unknown>) => void, onReject?: (reason: string) => void): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const requestId = String(res.getHeader('x-request-id') ?? '');
    if (res.headersSent) return; // deadline already answered
    if (err instanceof HttpError) {
      onReject?.(err.code);
      for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
      res.status(err.status).json({ ...err.toJSON(), requestId });
      return;
    }
    if (err instanceof LlmrError) {
      const status = STATUS_BY_CODE[err.code] ?? 400;
      onReject?.(err.code === 'not_ready' ? 'not_ready' : 'invalid_input');
      res.status(status).json({ ...err.toJSON(), requestId });
      return;
    }
    const b = err && typeof err === 'object' ? bodyError(err as object) : null;
    if (b) {
      onReject?.(String(b[1].error));
      res.status(b[0]).json({ ...b[1], requestId });
      return;
    }
    log({ level: 'error', msg: 'unhandled error', requestId, path: req.path, error: err instanceof Error ? err.stack : String(err) });
    res.status(500).json({ error: 'internal', message: 'internal error; see the server log', requestId });
  };
}
