import type { Response } from 'express';
import type { z } from 'zod';
import { LlmrError } from '../../src/errors.js';

/**
 * Errors of the /v1 endpoints in OpenAI's shape, so OpenAI clients show the message:
 * `{error: {message, type, code, param, fix}}` (`param` is the bad field; `fix` says what to do).
 */
export interface GatewayErrorBody {
  message: string;
  type: 'invalid_request_error' | 'not_found_error' | 'upstream_error' | 'server_error' | 'rate_limit_error';
  code: string;
  param?: string | null;
  fix?: string;
  [k: string]: unknown;
}

export function sendError(res: Response, status: number, e: GatewayErrorBody): void {
  if (res.headersSent) return;
  res.status(status).json({ error: { param: null, ...e } });
}

/** An LlmrError (bad policy, unknown candidate, no router) → status and OpenAI error body. */
export function fromLlmrError(e: LlmrError): [number, GatewayErrorBody] {
  if (e.code === 'not_ready') return [503, { message: e.message, type: 'server_error', code: 'not_ready', fix: e.fix }];
  if (e.code === 'invalid_config')
    return [503, { message: e.message, type: 'server_error', code: 'gateway_misconfigured', param: e.field ?? null, fix: e.fix }];
  return [400, { message: e.message, type: 'invalid_request_error', code: e.code, param: e.field ?? null, fix: e.fix }];
}

/** First zod issue → 400 naming the field. */
export function zodError(err: z.ZodError, prefix = ''): LlmrError {
  const issue = err.issues[0]!;
  let field = prefix + issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  field = field.replace(/^\./, '') || 'body';
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys: string[] }).keys;
    field = `${field}.${keys[0]}`;
    message = `unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`;
  }
  return new LlmrError(`invalid request: ${field}: ${message}`, {
    field,
    fix: 'see the OpenAI chat-completions request format; gateway extensions go under "llmr": {policy, candidates, context, session}',
  });
}
