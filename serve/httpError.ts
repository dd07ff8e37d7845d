import { LlmrError } from '../src/errors.js';

/** An LlmrError with an HTTP status and headers (401, 403, 415, 429, 503 …); the error handler sends it as JSON. */
export class HttpError extends LlmrError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    opts: { field?: string; fix?: string; headers?: Record<string, string> } = {},
  ) {
    super(message, { code, field: opts.field, fix: opts.fix });
    this.name = 'HttpError';
    this.headers = opts.headers ?? {};
  }
  readonly headers: Record<string, string>;
}
