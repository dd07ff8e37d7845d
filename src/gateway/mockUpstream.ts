import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Rng } from '../util/rng.js';
import { contentText } from './usageCost.js';

/** How the stand-in answers one model (or every model: key `*`). */
export interface MockBehaviour {
  /** Answer with this HTTP error status instead (429, 500, 503, 400, …). */
  status?: number;
  /** With `status` 429/503: the Retry-After header in seconds. */
  retryAfterS?: number;
  /** Delay before the response headers (non-streaming: before the whole answer). */
  latencyMs?: number;
  /** Streams: delay between the headers and the first event ("slow first byte"). */
  firstByteDelayMs?: number;
  /** Streams: delay between events. */
  chunkDelayMs?: number;
  /** Streams: cut the connection after this many content events (mid-stream failure). */
  failAfterChunks?: number;
  /** Canned answer; absent = echo the last user message. */
  reply?: string;
  /** Report `usage` (non-streaming always when true; streaming when the client asks with include_usage). Default true. */
  usage?: boolean;
  /** Words per streamed content event. Default 1. */
  wordsPerChunk?: number;
}

export interface MockUpstreamOptions {
  port?: number;
  host?: string;
  /** Behaviour for models without their own entry. */
  defaults?: MockBehaviour;
  /** Per upstream model id. */
  models?: Record<string, MockBehaviour>;
  /** Share of requests answered 500 / 429 at random (seeded), on top of the behaviours. */
  errorRate?: number;
  rateLimitRate?: number;
  seed?: number;
}

/** What the stand-in saw: one entry per request, updated when it ends. */
export interface MockRequestLog {
  model: string;
  stream: boolean;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  /** The client (the gateway) closed the connection before the answer was complete. */
  aborted: boolean;
  status: number;
  /** Content events written before the end (streams). */
  chunksSent: number;
}

export interface MockUpstream {
  /** Base URL including `/v1`, as a gateway config's `baseUrl`. */
  url: string;
  port: number;
  requests: MockRequestLog[];
  /** Change (or with `null` remove) the behaviour of a model (`*` = the defaults) from now on. */
  behave(model: string, b: MockBehaviour | null): void;
  close(): Promise<void>;
}

const wait = (ms: number) => (ms > 0 ? new Promise<void>((r) => setTimeout(r, ms)) : Promise.resolve());

/** Deterministic token counts the gateway cannot guess: words plus 3 per message. */
function promptTokens(messages: { content?: unknown }[]): number {
  let n = 0;
  for (const m of messages) n += 3 + (contentText(m.content).match(/\S+/g)?.length ?? 0);
  return n;
}

/**
 * An OpenAI-compatible local stand-in (`POST /v1/chat/completions`, `GET /v1/models`): canned or echo answers,
 * real SSE with a final usage chunk, configurable latency, slow first byte, mid-stream failures, errors and 429s.
 * For tests, the demo and the gateway benchmark; plain `node:http`, so it adds as little as possible.
 */
export async function startMockUpstream(o: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const behaviours = new Map<string, MockBehaviour>(Object.entries(o.models ?? {}));
  if (o.defaults) behaviours.set('*', o.defaults);
  const rng = new Rng(o.seed ?? 7);
  const requests: MockRequestLog[] = [];
  const sockets = new Set<import('node:net').Socket>();
  let seq = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method === 'GET' && req.url?.replace(/\/$/, '') === '/v1/models') {
      const ids = [...behaviours.keys()].filter((k) => k !== '*');
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 0, owned_by: 'mock' })) }));
      return;
    }
    if (req.method !== 'POST' || req.url?.replace(/\/$/, '') !== '/v1/chat/completions') {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: `mock upstream: no route ${req.method} ${req.url}`, type: 'invalid_request_error' } }));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'body is not JSON', type: 'invalid_request_error' } }));
      return;
    }
    const model = typeof body.model === 'string' ? body.model : '';
    const stream = body.stream === true;
    const log: MockRequestLog = { model, stream, body, headers: req.headers, aborted: false, status: 0, chunksSent: 0 };
    requests.push(log);
    res.on('close', () => {
      if (!res.writableFinished) log.aborted = true;
    });
    const b: MockBehaviour = { ...behaviours.get('*'), ...behaviours.get(model) };
    const messages = Array.isArray(body.messages) ? (body.messages as { role?: unknown; content?: unknown }[]) : [];
    await wait(b.latencyMs ?? 0);
    if (log.aborted) return;
    const roll = rng.next();
    const status = b.status ?? (roll < (o.errorRate ?? 0) ? 500 : roll < (o.errorRate ?? 0) + (o.rateLimitRate ?? 0) ? 429 : 200);
    log.status = status;
    if (status !== 200) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (b.retryAfterS !== undefined) headers['retry-after'] = String(b.retryAfterS);
      const type = status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
      res.writeHead(status, headers).end(JSON.stringify({ error: { message: `mock upstream: ${status} for ${model}`, type, code: String(status) } }));
      return;
    }
    let lastUser = '';
    for (const m of messages) if (m.role === 'user') lastUser = contentText(m.content);
    const answer = b.reply ?? `echo: ${lastUser}`;
    const words = answer.match(/\S+\s*/g) ?? [];
    const usage = { prompt_tokens: promptTokens(messages), completion_tokens: words.length, total_tokens: promptTokens(messages) + words.length };
    const id = `chatcmpl-mock-${++seq}`;
    const created = Math.floor(Date.now() / 1000);
    if (!stream) {
      const out: Record<string, unknown> = {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop', logprobs: null }],
      };
      if (b.usage !== false) out.usage = usage;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    const event = (delta: Record<string, unknown>, finish: string | null) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] })}\n\n`;
    await wait(b.firstByteDelayMs ?? 0);
    if (log.aborted) return;
    res.write(event({ role: 'assistant', content: '' }, null));
    const per = Math.max(1, b.wordsPerChunk ?? 1);
    for (let i = 0; i < words.length; i += per) {
      if (i > 0) await wait(b.chunkDelayMs ?? 0);
      if (b.failAfterChunks !== undefined && log.chunksSent >= b.failAfterChunks) {
        res.socket?.destroy();
        return;
      }
      if (log.aborted) return;
      res.write(event({ content: words.slice(i, i + per).join('') }, null));
      log.chunksSent += 1;
    }
    res.write(event({}, 'stop'));
    const opts = body.stream_options as { include_usage?: unknown } | undefined;
    if (b.usage !== false && opts?.include_usage === true)
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`);
    res.end('data: [DONE]\n\n');
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `mock upstream failed: ${e instanceof Error ? e.message : String(e)}`, type: 'server_error' } }));
    });
  });
  server.keepAliveTimeout = 65_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}/v1`,
    port: addr.port,
    requests,
    behave(model, b) {
      if (b) behaviours.set(model, b);
      else behaviours.delete(model);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
