import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { CircuitBreaker, type Clock } from './CircuitBreaker.js';
import { Deadline } from './Deadline.js';
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
    const headers: Record<string, string> = {
      ...this.config.headers,
      'content-type': 'application/json',
      'content-length': String(body.length),
      accept: 'application/json, text/event-stream',
    };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    return new Promise((resolve, reject) => {
      let settled = false;
      const connectDeadline = new Deadline();
      const firstByteDeadline = new Deadline();
      const fail = (e: UpstreamError) => {
        if (settled) return;
        settled = true;
        connectDeadline.clear();
        firstByteDeadline.clear();
        req.destroy(e);
        reject(e);
      };
      const req = this.transport.request(url, { method: 'POST', headers, agent: this.agent, signal });
      let socket: import('node:net').Socket | null = null;
      connectDeadline.arm(this.config.connectTimeoutMs, () => {
        if (socket && !socket.connecting) return;
        fail(new UpstreamError('connect_timeout', `connect to ${this.name} timed out after ${this.config.connectTimeoutMs} ms`));
      });
      firstByteDeadline.arm(this.config.timeoutMs, () =>
        fail(new UpstreamError('timeout', `${this.name} sent no response within ${this.config.timeoutMs} ms`)),
      );
      req.on('socket', (s) => {
        socket = s;
        s.setNoDelay(true);
        if (!s.connecting) connectDeadline.clear();
        else s.once('connect', () => connectDeadline.clear());
      });
      req.on('response', (res) => {
        if (settled) return void res.destroy();
        settled = true;
        connectDeadline.clear();
        firstByteDeadline.clear();
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
    const deadline = new Deadline();
    deadline.arm(deadlineMs, () => {
      res.destroy();
      reject(new UpstreamError('timeout', `answer not complete within ${deadlineMs} ms`));
    });
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      deadline.clear();
      resolve(Buffer.concat(chunks));
    });
    res.on('error', (e) => {
      deadline.clear();
      reject(signal.aborted ? new UpstreamError('aborted', 'client went away') : new UpstreamError('stream_error', `answer cut off: ${e.message}`));
    });
    res.on('close', () => {
      deadline.clear();
      if (!res.complete)
        reject(
          signal.aborted ? new UpstreamError('aborted', 'client went away') : new UpstreamError('stream_error', 'upstream closed the connection mid-answer'),
        );
    });
  });
}
