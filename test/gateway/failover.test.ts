import { createServer } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream } from '../../src/gateway/mockUpstream.js';
import { UpstreamClient } from '../../src/gateway/UpstreamClient.js';
import type { RouterPipeline } from '../../src/routers/RouterPipeline.js';
import { chatBody, configFor, MATH, POEM, postChat, startHarness, threeModelRouter, until, type Harness } from './harness.js';

let router: RouterPipeline;
let h: Harness | null = null;
beforeAll(async () => {
  router = await threeModelRouter();
});
afterEach(async () => {
  await h?.close();
  h = null;
});

/** A loopback port nothing listens on (connection refused). */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const lastRecord = async (hh: Harness, n: number) => {
  await until(() => hh.sink.records.length >= n);
  return hh.sink.records[n - 1]!;
};

describe('fallbacks before the first byte', () => {
  it('walks the ranked alternatives in order: 500 → 429 → answer, every attempt recorded', async () => {
    h = await startHarness(router, { models: { 'up-strong': { status: 500 }, 'up-mid': { status: 429 } } });
    const r = await postChat(h.base, chatBody(MATH));
    expect(r.status).toBe(200);
    expect(r.headers.get('x-llmr-model')).toBe('weak');
    expect(((await r.json()) as { model: string }).model).toBe('up-weak');
    expect(h.mock.requests.map((q) => q.model)).toEqual(['up-strong', 'up-mid', 'up-weak']);
    const rec = await lastRecord(h, 1);
    expect(rec.chosenModel).toBe('strong');
    expect(rec.answeredModel).toBe('weak');
    expect(rec.attempts.map((a) => [a.model, a.status, a.error ?? null])).toEqual([
      ['strong', 500, 'upstream_error'],
      ['mid', 429, 'rate_limited'],
      ['weak', 200, null],
    ]);
  });

  it('a refused connection falls over to the next alternative', async () => {
    const port = await deadPort();
    h = await startHarness(router, {}, (url) => configFor(url, {}, { a: { baseUrl: `http://127.0.0.1:${port}/v1` } }));
    const r = await postChat(h.base, chatBody(MATH));
    expect(r.status).toBe(200);
    expect(r.headers.get('x-llmr-model')).toBe('mid');
    const rec = await lastRecord(h, 1);
    expect(rec.attempts[0]).toMatchObject({ model: 'strong', status: 0, error: 'connect_error' });
  });

  it("a slow first streamed byte (past the upstream timeout) falls over; the client gets the next model's stream", async () => {
    h = await startHarness(router, { models: { 'up-strong': { firstByteDelayMs: 1_500 } } }, (url) => configFor(url, {}, { a: { timeoutMs: 200 } }));
    const t0 = performance.now();
    const r = await postChat(h.base, chatBody(MATH, { stream: true }));
    const text = await r.text();
    expect(r.headers.get('x-llmr-model')).toBe('mid');
    expect(text).toContain('"model":"up-mid"');
    expect(text).not.toContain('up-strong');
    expect(performance.now() - t0).toBeLessThan(1_400);
    const rec = await lastRecord(h, 1);
    expect(rec.attempts.map((a) => a.error ?? 'ok')).toEqual(['timeout', 'ok']);
    await until(() => h!.mock.requests[0]!.aborted);
  });

  it('all alternatives failing → 502 in OpenAI error shape listing the attempts; all 429 → 429', async () => {
    h = await startHarness(router, { defaults: { status: 503 } });
    const r = await postChat(h.base, chatBody(MATH));
    expect(r.status).toBe(502);
    const j = (await r.json()) as { error: { code: string; message: string; attempts: unknown[] } };
    expect(j.error.code).toBe('all_upstreams_failed');
    expect(j.error.attempts).toHaveLength(3);
    h.mock.behave('*', { status: 429, retryAfterS: 0 });
    const r2 = await postChat(h.base, chatBody(MATH));
    expect(r2.status).toBe(429);
    const rec = await lastRecord(h, 2);
    expect(rec.status).toBe('rate_limited');
  });

  it('a 4xx client error from the upstream is passed through, not retried', async () => {
    h = await startHarness(router, { models: { 'up-strong': { status: 400 } } });
    const r = await postChat(h.base, chatBody(MATH));
    expect(r.status).toBe(400);
    expect(h.mock.requests).toHaveLength(1);
    expect((await lastRecord(h, 1)).status).toBe('upstream_client_error');
  });

  it('a plain-proxy model retries itself with exponential backoff (bounded by maxAttempts)', async () => {
    h = await startHarness(
      router,
      { models: { 'up-mid': { status: 500 } } },
      (url) => configFor(url, { retry: { maxAttempts: 3, baseDelayMs: 60, maxDelayMs: 1_000 } }),
      { random: () => 1 },
    );
    const t0 = performance.now();
    const r = await postChat(h.base, chatBody(MATH, { model: 'mid' }));
    const ms = performance.now() - t0;
    expect(r.status).toBe(502);
    expect(h.mock.requests.map((q) => q.model)).toEqual(['up-mid', 'up-mid', 'up-mid']);
    // random() = 1 → the full cap: 60 ms, then 120 ms.
    expect(ms).toBeGreaterThanOrEqual(175);
  });
});

describe('deadlines on a busy event loop', () => {
  it('a connect deadline that expires while the loop is blocked does not fire when the socket did connect', async () => {
    const mock = await startMockUpstream();
    const cfg = configFor(mock.url, {}, { a: { connectTimeoutMs: 20, timeoutMs: 5_000 } });
    const client = new UpstreamClient('a', cfg.upstreams.a!, null, cfg.breaker);
    try {
      const body = Buffer.from(JSON.stringify({ model: 'up-strong', messages: [{ role: 'user', content: 'hi' }] }));
      const pending = client.post('chat/completions', body, new AbortController().signal);
      await new Promise((r) => process.nextTick(r));
      const t = Date.now();
      while (Date.now() - t < 150); // CPU-bound work (routing 64 requests) holding the loop past the deadline
      const res = await pending;
      expect(res.statusCode).toBe(200);
      res.resume();
    } finally {
      client.close();
      await mock.close();
    }
  });
});

describe('circuit breaker', () => {
  it('opens after the threshold (refusing without a request), lets one probe through after the cooldown, closes on success', async () => {
    let now = 1_000_000;
    h = await startHarness(
      router,
      { models: { 'up-strong': { status: 500 } } },
      (url) => configFor(url, { breaker: { failureThreshold: 2, cooldownMs: 5_000 } }),
      { clock: () => now },
    );
    for (let i = 0; i < 2; i++) expect((await postChat(h.base, chatBody(MATH))).headers.get('x-llmr-model')).toBe('mid');
    const strongCalls = () => h!.mock.requests.filter((q) => q.model === 'up-strong').length;
    expect(strongCalls()).toBe(2);
    const r3 = await postChat(h.base, chatBody(MATH));
    expect(r3.headers.get('x-llmr-model')).toBe('mid');
    expect(strongCalls()).toBe(2);
    expect((await lastRecord(h, 3)).attempts[0]).toMatchObject({ model: 'strong', error: 'circuit_open', status: 0 });
    expect(h.gw.gateway.upstreams.get('a')!.breaker.state).toBe('open');
    h.mock.behave('up-strong', null);
    now += 5_000;
    expect(h.gw.gateway.upstreams.get('a')!.breaker.state).toBe('half-open');
    const r4 = await postChat(h.base, chatBody(MATH));
    expect(r4.headers.get('x-llmr-model')).toBe('strong');
    expect(h.gw.gateway.upstreams.get('a')!.breaker.state).toBe('closed');
  });
});

describe('streaming', () => {
  it('passes events through as they arrive (first content long before the end)', async () => {
    h = await startHarness(router, { defaults: { chunkDelayMs: 80, reply: 'one two three four five six' } });
    const t0 = performance.now();
    const r = await postChat(h.base, chatBody(POEM, { stream: true }));
    expect(r.headers.get('content-type')).toContain('text/event-stream');
    expect(r.headers.get('x-llmr-route-id')).toBeTruthy();
    const reader = r.body!.getReader();
    const dec = new TextDecoder();
    let text = '';
    let firstContentAt = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value);
      if (!firstContentAt && text.includes('"content":"one ')) firstContentAt = performance.now() - t0;
    }
    const total = performance.now() - t0;
    expect(firstContentAt).toBeGreaterThan(0);
    expect(total - firstContentAt).toBeGreaterThan(300);
    expect(text).toMatch(/: llmr \{"model":"weak","costUsd":[0-9.e-]+,"inputTokens":\d+,"outputTokens":6,"tokensEstimated":false\}\n\ndata: \[DONE\]/);
  });

  it('client disconnect aborts the upstream request and is recorded', async () => {
    h = await startHarness(router, { defaults: { chunkDelayMs: 100, reply: 'a b c d e f g h i j k l m n o p' } });
    const ac = new AbortController();
    const r = await postChat(h.base, chatBody(MATH, { stream: true }), {}, ac.signal);
    const reader = r.body!.getReader();
    await reader.read();
    ac.abort();
    await until(() => h!.mock.requests[0]?.aborted === true);
    expect(h.mock.requests[0]!.chunksSent).toBeLessThan(8);
    const rec = await lastRecord(h, 1);
    expect(rec.status).toBe('client_aborted');
    expect(h.mock.requests).toHaveLength(1);
  });

  it('an upstream without stream usage: tokens estimated, marked so', async () => {
    h = await startHarness(router, {}, (url) => configFor(url, {}, { c: { streamUsage: false } }));
    const text = await (await postChat(h.base, chatBody(POEM, { stream: true }))).text();
    expect(h.mock.requests[0]!.body.stream_options).toBeUndefined();
    expect(text).toContain('"tokensEstimated":true');
    const rec = await lastRecord(h, 1);
    expect(rec.tokensEstimated).toBe(true);
    expect(rec.outputTokens).toBe(Math.ceil(`echo: ${POEM}`.length / 4));
    expect(rec.costUsd).toBeCloseTo((rec.inputTokens! * 0.5 + rec.outputTokens! * 1.5) / 1e6, 12);
  });

  it('non-streaming without usage from the upstream: estimated', async () => {
    h = await startHarness(router, { defaults: { usage: false } });
    const r = await postChat(h.base, chatBody(POEM));
    expect(r.headers.get('x-llmr-tokens-estimated')).toBe('true');
    expect(Number(r.headers.get('x-llmr-cost-usd'))).toBeGreaterThan(0);
  });
});
