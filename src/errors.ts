/**
 * Errors the user can act on. Each names what was wrong (`field`), where (`where`: file, line, request
 * path) and what to do about it (`fix`). The CLI prints them without a stack trace; the server maps them to
 * 4xx responses.
 */
export class LlmrError extends Error {
  readonly field?: string;
  readonly where?: string;
  readonly fix?: string;
  readonly code: string;
  constructor(message: string, opts: { field?: string; where?: string; fix?: string; code?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'LlmrError';
    this.field = opts.field;
    this.where = opts.where;
    this.fix = opts.fix;
    this.code = opts.code ?? 'invalid_input';
  }
  /** One readable paragraph: what, where, fix. */
  describe(): string {
    const parts = [this.message];
    if (this.where) parts.push(`  at: ${this.where}`);
    if (this.field) parts.push(`  field: ${this.field}`);
    if (this.fix) parts.push(`  fix: ${this.fix}`);
    return parts.join('\n');
  }
  toJSON(): Record<string, unknown> {
    return { error: this.code, message: this.message, field: this.field, where: this.where, fix: this.fix };
  }
}

/** A value outside a closed set: the message lists the valid options. */
export class UnknownOptionError extends LlmrError {
  constructor(what: string, got: string, valid: readonly string[], field?: string) {
    super(`unknown ${what} "${got}"; valid: ${valid.join(', ')}`, {
      field,
      fix: `use one of: ${valid.join(', ')}`,
      code: 'unknown_option',
    });
    this.name = 'UnknownOptionError';
  }
}

/** An artifact that fails verification (missing file, checksum mismatch, unsupported format). */
export class ArtifactError extends LlmrError {
  constructor(message: string, opts: { where?: string; fix?: string } = {}) {
    super(message, { ...opts, code: 'artifact_invalid' });
    this.name = 'ArtifactError';
  }
}

/** Calling predict/transform on an estimator before fit(). */
export class NotFittedError extends LlmrError {
  constructor(what: string) {
    super(`${what} is not fitted: call fit() first (or load a trained artifact)`, {
      code: 'not_fitted',
      fix: 'call fit(data) before predict(), or load with loadArtifact()',
    });
    this.name = 'NotFittedError';
  }
}
