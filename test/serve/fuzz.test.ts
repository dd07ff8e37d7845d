import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../serve/auth.js';
import { type RunningServer, startServer } from '../../serve/server.js';
import { initBackend } from '../../src/backend/backend.js';
import { parseRaw, rawRequest } from '../helpers/http.js';
import { saveTinyRouter } from '../helpers/tinyArtifacts.js';

const KEY = 'fuzz-key-gggggggggggggggggggg';
let srv: RunningServer;
let port: number;

beforeAll(async () => {
  await initBackend();
  const models = join(mkdtempSync(join(tmpdir(), 'llmr-fuzz-')), 'models');
  await saveTinyRouter(models, 'v1');
  srv = await startServer({ router: 'tiny', modelsDir: models, port: 0, apiKeys: ApiKeys.from({ keys: KEY }), bodyLimit: '32kb', requestTimeoutMs: 20_000 });
  port = Number(new URL(srv.url).port);
}, 120_000);
afterAll(() => srv?.close());

const printable = fc.string({ unit: fc.constantFrom(...'abcXYZ019 -_;=,/"\'{}[]:.*\\%+'.split('')), maxLength: 40 });
const path = fc.oneof(
  fc.constantFrom(
    '/route',
    '/route/batch',
    '/rank',
    '/healthz',
    '/readyz',
    '/v1/router',
    '/openapi.json',
    '/admin/reload',
    '/admin/rollback',
    '/nope',
    '/route/',
    '//route',
    '/route?x=1',
    '/%2e%2e/etc',
  ),
  printable.map((s) => `/${encodeURIComponent(s)}`),
);
const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=iso-8859-1',
    'application/json; charset=latin1',
    'application/json; charset=bogus',
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/vnd.api+json',
    'multipart/form-data; boundary=x',
    '',
  ),
  printable,
);
const encoding = fc.oneof(fc.constantFrom(null, 'gzip', 'deflate', 'identity', 'bogus', 'compress', 'gzip, gzip', 'br'), printable);
const json = fc.jsonValue({ maxDepth: 4 });
const routeish = fc.record(
  {
    prompt: fc.oneof(fc.string({ maxLength: 50 }), fc.integer(), fc.constant('')),
    policy: fc.option(
      fc.record(
        {
          kind: fc.constantFrom('max-quality', 'willingness-to-pay', 'threshold', 'cheapest-above', 'budget', 'calibrated', 'x'),
          wtp: fc.double(),
          target: fc.double(),
          threshold: fc.double(),
          maxCost: fc.double(),
          strong: fc.string(),
          weak: fc.string(),
          name: fc.string(),
        },
        { requiredKeys: ['kind'] },
      ),
    ),
    candidates: fc.option(fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 })),
  },
  { requiredKeys: [] },
);
const rankish = fc.record(
  {
    prompt: fc.string({ maxLength: 30 }),
    responses: fc.array(
      fc.oneof(fc.string({ maxLength: 20 }), fc.record({ text: fc.string({ maxLength: 20 }), model: fc.string({ maxLength: 5 }) }), fc.integer()),
      { maxLength: 5 },
    ),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  json.map((j) => Buffer.from(JSON.stringify(j) ?? 'null')),
  routeish.map((j) => Buffer.from(JSON.stringify(j))),
  rankish.map((j) => Buffer.from(JSON.stringify(j))),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
  fc.constant(Buffer.from('{"prompt": ')),
);
const auth = fc.constantFrom<string | null>(null, `Bearer ${KEY}`, 'Bearer nope-nope-nope-nope-nope', `x-api-key:${KEY}`, 'Basic Zm9vOmJhcg==', 'Bearer');

const requestArb = fc.record({
  method: fc.constantFrom('GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
  path,
  contentType,
  encoding,
  body,
  auth,
  gzipIt: fc.boolean(),
  extra: fc.array(fc.tuple(fc.constantFrom('x-request-id', 'x-session-id', 'accept', 'x-forwarded-for', 'content-language'), printable), { maxLength: 3 }),
});
type Req = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

function serialize(r: Req): Buffer {
  let b = r.body;
  if (r.encoding === 'gzip' && r.gzipIt) b = gzipSync(b);
  const h = [`${r.method} ${r.path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  if (r.contentType) h.push(`Content-Type: ${r.contentType}`);
  if (r.encoding) h.push(`Content-Encoding: ${r.encoding}`);
  if (r.auth?.startsWith('x-api-key:')) h.push(`x-api-key: ${r.auth.slice(10)}`);
  else if (r.auth) h.push(`Authorization: ${r.auth}`);
  for (const [k, v] of r.extra) h.push(`${k}: ${v}`);
  if (r.method !== 'GET' || b.length) h.push(`Content-Length: ${b.length}`);
  return Buffer.concat([Buffer.from(h.join('\r\n') + '\r\n\r\n'), r.method === 'GET' && !b.length ? Buffer.alloc(0) : b]);
}

describe('property: hostile bodies and headers never get a 5xx or a non-JSON body, and the server stays up', () => {
  it('≥ 1,000 generated requests in bursts of 50', async () => {
    const N = Number(process.env.LLMR_FUZZ_RUNS ?? 1000);
    const samples = fc.sample(requestArb, { numRuns: N, seed: Number(process.env.LLMR_FUZZ_SEED ?? 12) });
    const bad: { req: string; status: number; body: string }[] = [];
    for (let i = 0; i < samples.length; i += 50) {
      const burst = samples.slice(i, i + 50);
      const results = await Promise.all(burst.map((r) => rawRequest(port, serialize(r), 15_000)));
      results.forEach((raw, j) => {
        const p = parseRaw(raw);
        const r = burst[j]!;
        const text = r.method === 'GET' && r.path === '/metrics' && p.status === 200;
        if (p.status === 0 || p.status >= 500 || (p.status !== 204 && !text && (p.body === null || typeof p.body !== 'object')))
          bad.push({ req: serialize(r).toString('latin1').slice(0, 300), status: p.status, body: raw.slice(0, 300) });
      });
      const h = await fetch(srv.url + '/healthz');
      expect(h.status).toBe(200);
    }
    expect(bad.slice(0, 5)).toEqual([]);
    expect(samples.length).toBeGreaterThanOrEqual(1000);
  }, 120_000);

  it('fast-check shrinks any failing request (100 runs via fc.assert)', async () => {
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        const p = parseRaw(await rawRequest(port, serialize(r), 15_000));
        return p.status > 0 && p.status < 500 && (p.status === 204 || (p.body !== null && typeof p.body === 'object'));
      }),
      { numRuns: 100, seed: 7 },
    );
  }, 60_000);
});
