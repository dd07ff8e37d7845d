import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { CircuitBreaker, type Clock } from './CircuitBreaker.js';
import type { UpstreamConfig } from './GatewayConfig.js';
import { Semaphore } from './Semaphore.js';

/** A failed attempt before any answer byte: `status` 0 for connect errors and timeouts, else the HTTP status. */
export class UpstreamError extends Error {
  constructor(
    readonly code: 'connect_error' | 'connect_timeout' | 'timeout' | 'idle_timeout' | 'aborted' | 'saturated' | 'circuit_open' | 'http_error' | 'stream_error',
    message: string,
    readonly status = 0,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

/**
 * One OpenAI-compatible upstream: keep-alive HTTP(S) agent, bounded concurrency, circuit breaker, deadlines.
 * `post()` resolves when the response headers arrive; the caller reads (or pipes) the body.
 */
export class UpstreamClient {
  readonly breaker: CircuitBreaker;
  readonly semaphore: Semaphore;
  private readonly agent: http.Agent;
  private readonly base: URL;
  private readonly transport: typeof http | typeof https;

  constructor(
    readonly name: string,
    readonly config: UpstreamConfig,
    private readonly apiKey: string | null,
    breaker: { failureThreshold: number; cooldownMs: number },
    clock: Clock = Date.now,
  ) {
    this.base = new URL(config.baseUrl.endsWith('/') ? config.baseUrl : `${config.baseUrl}/`);
    this.transport = this.base.protocol === 'https:' ? https : http;
    this.agent = new this.transport.Agent({ keepAlive: true, maxSockets: config.maxConcurrency, keepAliveMsecs: 10_000 });
    this.breaker = new CircuitBreaker(breaker.failureThreshold, breaker.cooldownMs, clock);
    this.semaphore = new Semaphore(config.maxConcurrency);
  }

  /** POST JSON to `path` (relative to baseUrl). Rejects with UpstreamError on connect error / timeout / abort. */
  post(path: string, body: Buffer, signal: AbortSignal): Promise<IncomingMessage> {
    const url = new URL(path, this.base);
    const headers: Record<string, string> = { ...this.config.headers, 'content-type': 'application/json', 'content-length': String(body.length), accept: 'application/json, text/event-stream' };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (e: UpstreamError) => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        clearTimeout(firstByteTimer);
        req.destroy(e);
        reject(e);
      };
      const req = this.transport.request(url, { method: 'POST', headers, agent: this.agent, signal });
      const connectTimer = setTimeout(() => fail(new UpstreamError('connect_timeout', `connect to ${this.name} timed out after ${this.config.connectTimeoutMs} ms`)), this.config.connectTimeoutMs);
      const firstByteTimer = setTimeout(() => fail(new UpstreamError('timeout', `${this.name} sent no response within ${this.config.timeoutMs} ms`)), this.config.timeoutMs);
      req.on('socket', (s) => {
        s.setNoDelay(true);
        if (!s.connecting) clearTimeout(connectTimer);
        else s.once('connect', () => clearTimeout(connectTimer));
      });
      req.on('response', (res) => {
        if (settled) return void res.destroy();
        settled = true;
        clearTimeout(connectTimer);
        clearTimeout(firstByteTimer);
        resolve(res);
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (signal.aborted) return fail(new UpstreamError('aborted', 'client went away'));
        fail(new UpstreamError('connect_error', `${this.name}: ${e.code ?? ''} ${e.message}`.trim()));
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Read a whole body with a deadline; rejects with UpstreamError('timeout' | 'stream_error'). */
export function readBody(res: IncomingMessage, deadlineMs: number, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      res.destroy();
      reject(new UpstreamError('timeout', `answer not complete within ${deadlineMs} ms`));
    }, deadlineMs);
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    res.on('error', (e) => {
      clearTimeout(timer);
      reject(signal.aborted ? new UpstreamError('aborted', 'client went away') : new UpstreamError('stream_error', `answer cut off: ${e.message}`));
    });
    res.on('close', () => {
      clearTimeout(timer);
      if (!res.complete) reject(signal.aborted ? new UpstreamError('aborted', 'client went away') : new UpstreamError('stream_error', 'upstream closed the connection mid-answer'));
    });
  });
}
