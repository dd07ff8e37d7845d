import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../serve/auth.js';
import { type RunningServer, startServer } from '../../serve/server.js';
import { serveOptionsFromFlags } from '../../serve/serveConfig.js';
import { initBackend } from '../../src/backend/backend.js';
import { LlmrError } from '../../src/errors.js';
import { parseRaw, rawRequest } from '../helpers/http.js';
import { saveTinyRouter } from '../helpers/tinyArtifacts.js';

const USER = 'user-key-aaaaaaaaaaaaaaaaaaaa';
const ADMIN = 'admin-key-bbbbbbbbbbbbbbbbbbbb';
let models: string;
let srv: RunningServer;
let base: string;
let port: number;
let slowRuns = 0;

const slow = Router().post('/', async (req, res) => {
  slowRuns++;
  await new Promise((r) => setTimeout(r, Number((req.body as { ms?: number })?.ms ?? 400)));
  if (!res.headersSent) res.json({ ok: true });
});

beforeAll(async () => {
  await initBackend();
  models = join(mkdtempSync(join(tmpdir(), 'llmr-hard-')), 'models');
  await saveTinyRouter(models, 'v1');
  srv = await startServer({
    router: 'tiny',
    modelsDir: models,
    port: 0,
    apiKeys: ApiKeys.from({ keys: USER, adminKeys: ADMIN }),
    rateLimit: { ratePerS: 1000, burst: 1000 },
    lanes: { heavy: { concurrency: 1, maxQueue: 1, queueTimeoutMs: 300 } },
    requestTimeoutMs: 1500,
    bodyLimit: '64kb',
    mounts: [{ name: 'slow', path: '/slow', router: slow, access: 'user', lane: 'heavy' }],
  });
  base = srv.url;
  port = Number(new URL(base).port);
}, 120_000);
afterAll(() => srv?.close());

const auth = { authorization: `Bearer ${USER}` };
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth, ...headers },
    body: (typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body)) as BodyInit,
  });

describe('authentication', () => {
  it('401 JSON without or with an unknown key; Bearer and x-api-key accepted; /healthz open', async () => {
    const none = await fetch(base + '/route', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":"x"}' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect(await none.json()).toMatchObject({ error: 'unauthorized', field: 'authorization' });
    expect((await post('/route', { prompt: 'x' }, { authorization: 'Bearer wrong-key-cccccccccccccccc' })).status).toBe(401);
    expect((await post('/route', { prompt: 'x' }, { authorization: 'Basic abc' })).status).toBe(401);
    expect((await post('/route', { prompt: 'x' })).status).toBe(200);
    expect(
      (await fetch(base + '/route', { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': USER }, body: '{"prompt":"x"}' })).status,
    ).toBe(200);
    expect((await fetch(base + '/healthz')).status).toBe(200);
    expect((await fetch(base + '/readyz')).status).toBe(200);
    expect((await fetch(base + '/metrics')).status).toBe(401);
    expect((await fetch(base + '/v1/router')).status).toBe(401);
    expect((await fetch(base + '/metrics', { headers: auth })).status).toBe(200);
  });

  it('admin endpoints: 403 for a user key, 200 for an admin key', async () => {
    const u = await post('/admin/rollback', {});
    expect(u.status).toBe(403);
    expect(await u.json()).toMatchObject({ error: 'forbidden' });
    const a = await fetch(base + '/admin/status', { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(a.status).toBe(200);
    expect(await a.json()).toMatchObject({ version: 'tiny/v1', generation: 1 });
  });

  it('keys file holds sha256 hashes (admin marked); bad lines, unreadable files and short keys are one clear error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmr-keys-'));
    const f = join(dir, 'keys');
    writeFileSync(f, `# team keys\n${ApiKeys.hash(USER)}\n${ApiKeys.hash(ADMIN)} admin\n`);
    const k = ApiKeys.from({ file: f });
    expect(k.size).toBe(2);
    expect(k.lookup(USER)?.admin).toBe(false);
    expect(k.lookup(ADMIN)?.admin).toBe(true);
    expect(k.lookup('nope')).toBeNull();
    writeFileSync(f, `${USER}\n`);
    expect(() => ApiKeys.from({ file: f })).toThrow(/expected "<sha256 hex>/);
    expect(() => ApiKeys.from({ file: join(dir, 'missing') })).toThrow(/cannot read API keys file .*ENOENT/);
    expect(() => ApiKeys.from({ keys: 'short' })).toThrow(/shorter than 16/);
    expect(() => serveOptionsFromFlags({ port: 'eighty' }, {})).toThrow(/--port must be an integer/);
    expect(() => serveOptionsFromFlags({ rateLimit: '-1' }, {})).toThrow(/--rate-limit must be a positive number/);
  });

  it('without keys: a public bind is refused (unless --insecure); a port in use is one clear error', async () => {
    await expect(startServer({ modelsDir: models, host: '0.0.0.0', port: 0 })).rejects.toThrow(/refusing to listen on 0\.0\.0\.0 without API keys/);
    const e = await startServer({ modelsDir: models, port }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LlmrError);
    expect((e as LlmrError).message).toBe(`port ${port} on 127.0.0.1 is already in use`);
    expect((e as LlmrError).fix).toMatch(/--port/);
  });
});

describe('limits', () => {
  it('per-key token bucket: 429 with Retry-After once the burst is spent', async () => {
    const s = await startServer({ router: 'tiny', modelsDir: models, port: 0, apiKeys: ApiKeys.from({ keys: USER }), rateLimit: { ratePerS: 0.5, burst: 3 } });
    try {
      const codes: number[] = [];
      let last: Response | null = null;
      for (let i = 0; i < 5; i++) {
        last = await fetch(s.url + '/route', { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{"prompt":"x"}' });
        codes.push(last.status);
      }
      expect(codes).toEqual([200, 200, 200, 429, 429]);
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await last!.json()).toMatchObject({ error: 'rate_limited' });
      expect((await fetch(s.url + '/healthz')).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('heavy lane: one runs, one queues then times out (503 + Retry-After), a third is refused at once; /healthz stays fast', async () => {
    const before = slowRuns;
    const a = post('/slow', { ms: 800 });
    await new Promise((r) => setTimeout(r, 50));
    const b = post('/slow', { ms: 10 });
    await new Promise((r) => setTimeout(r, 20));
    const c = await post('/slow', { ms: 10 });
    expect(c.status).toBe(503);
    expect(await c.json()).toMatchObject({ error: 'overloaded' });
    const t0 = performance.now();
    expect((await fetch(base + '/healthz')).status).toBe(200);
    expect(performance.now() - t0).toBeLessThan(200);
    const rb = await b;
    expect(rb.status).toBe(503);
    expect(rb.headers.get('retry-after')).toBe('1');
    expect(await rb.json()).toMatchObject({ error: 'queue_timeout' });
    expect((await a).status).toBe(200);
    expect(slowRuns - before).toBe(1);
  });

  it('a client that disconnects while queued cancels its work', async () => {
    const before = slowRuns;
    const a = post('/slow', { ms: 250 });
    await new Promise((r) => setTimeout(r, 50));
    const ac = new AbortController();
    const b = fetch(base + '/slow', { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{"ms":10}', signal: ac.signal }).catch(
      (e: Error) => e.name,
    );
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    expect(await b).toBe('AbortError');
    expect((await a).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect(slowRuns - before).toBe(1);
    expect(await (await fetch(base + '/metrics', { headers: auth })).text()).toMatch(/llmr_client_aborts_total\{route="\/slow\/\*"\} [1-9]/);
  });

  it('request deadline: 503 deadline_exceeded with Retry-After', async () => {
    const r = await post('/slow', { ms: 2500 });
    expect(r.status).toBe(503);
    expect(await r.json()).toMatchObject({ error: 'deadline_exceeded' });
    expect(r.headers.get('retry-after')).toBe('1');
  });
});

describe('client mistakes are 4xx JSON, never 5xx', () => {
  it.each([
    ['application/json; charset=iso-8859-1', undefined, 415, 'unsupported_charset'],
    ['application/json; charset=latin1', undefined, 415, 'unsupported_charset'],
    ['application/json; charset=bogus', undefined, 415, 'unsupported_charset'],
    ['application/json', 'bogus', 415, 'unsupported_encoding'],
    ['application/json', 'compress', 415, 'unsupported_encoding'],
    ['application/json', 'gzip, gzip', 415, 'unsupported_encoding'],
    ['application/json', 'gzip', 400, 'invalid_body_encoding'],
    ['text/plain', undefined, 415, 'unsupported_media_type'],
  ])('Content-Type %s, Content-Encoding %s → %i %s', async (ct, ce, status, error) => {
    const r = await post('/route', '{"prompt":"x"}', { 'content-type': ct, ...(ce ? { 'content-encoding': ce } : {}) });
    expect(r.status).toBe(status);
    expect(await r.json()).toMatchObject({ error });
  });

  it('a real gzip body is accepted; a missing Content-Type says to send application/json', async () => {
    expect((await post('/route', gzipSync('{"prompt":"x"}'), { 'content-encoding': 'gzip' })).status).toBe(200);
    const raw = parseRaw(
      await rawRequest(
        port,
        `POST /route HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${USER}\r\nContent-Length: 14\r\nConnection: close\r\n\r\n{"prompt":"x"}`,
      ),
    );
    expect(raw.status).toBe(415);
    expect((raw.body as { fix: string }).fix).toContain('Content-Type: application/json');
  });

  it.each([
    ['header over 16 KB', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ['100 KB URL', `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
    ['duplicate Content-Length', 'POST /route HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!', 400],
    ['Content-Length with Transfer-Encoding', 'POST /route HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
    ['garbage', 'HELLO\r\n\r\n', 400],
  ])('Node-level rejection (%s) has a JSON body', async (_name, bytes, status) => {
    const r = parseRaw(await rawRequest(port, bytes));
    expect(r.status).toBe(status);
    expect(r.body).toMatchObject({ error: expect.any(String), message: expect.any(String), fix: expect.any(String) });
  });

  it.each([
    [{ prompt: 'x', policy: { kind: 'cheapest-above', target: 5 } }, 'policy.target'],
    [{ prompt: 'x', policy: { kind: 'willingness-to-pay', wtp: 1e308 } }, 'policy.wtp'],
    [{ prompt: 'x', policy: { kind: 'willingness-to-pay', wtp: -1 } }, 'policy.wtp'],
    [{ prompt: 'x', policy: { kind: 'budget', maxCost: 1e12 } }, 'policy.maxCost'],
    [{ prompt: 'x', policy: { kind: 'threshold', strong: 'strong', weak: 'weak', threshold: 3 } }, 'policy.threshold'],
  ])('policy numbers are range-checked: %j → 400 naming %s', async (body, field) => {
    const r = await post('/route', body);
    expect(r.status).toBe(400);
    const j = (await r.json()) as { field: string; message: string };
    expect(j.field).toBe(field);
    expect(j.message).toMatch(/between/);
  });
});

describe('metrics', () => {
  it('labels stay bounded and unforgeable whatever paths clients send; decisions, cost, version, queue depth, rejections, loop delay', async () => {
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => fetch(`${base}/zz/${i}`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{' })),
    );
    await fetch(base + '/a"}x{b="|500', { method: 'POST', headers: auth });
    await post('/route/zz%0a', '{');
    const m = await (await fetch(base + '/metrics', { headers: auth })).text();
    expect(m).not.toContain('zz');
    expect(m).not.toContain('x{b');
    expect(m.length).toBeLessThan(60_000);
    for (const line of m.split('\n').filter((l) => l && !l.startsWith('#')))
      expect(line).toMatch(/^[a-z_]+(\{[a-z_]+="[^"\n]*"(,[a-z_]+="[^"\n]*")*\})? -?[\d.e+-]+$/);
    expect(m).toMatch(/llmr_decisions_total\{router="tiny\/v1",model="(strong|weak)"\} \d+/);
    expect(m).toContain('llmr_estimated_cost_usd_total{model=');
    expect(m).toContain('llmr_router_info{version="tiny/v1"} 1');
    expect(m).toContain('llmr_queue_depth{lane="heavy"}');
    expect(m).toContain('llmr_rejections_total{reason="unauthorized"}');
    expect(m).toContain('llmr_event_loop_delay_ms{quantile="0.99"}');
  });
});
