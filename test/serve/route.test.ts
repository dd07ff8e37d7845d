import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../serve/app.js';
import { tinyKnnRouter } from '../helpers/tinyRouter.js';

let server: Server;
let base: string;
const logs: Record<string, unknown>[] = [];

beforeAll(async () => {
  const router = await tinyKnnRouter();
  const app = createApp({ router, backend: 'test', log: (o) => logs.push(o), bodyLimit: '8kb' });
  server = await new Promise<Server>((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const post = (path: string, body: unknown, raw = false) =>
  fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ? (body as string) : JSON.stringify(body) });

describe('POST /route', () => {
  it('routes a maths prompt to the strong model under willingness to pay, with alternatives and explanation', async () => {
    const r = await post('/route', { prompt: 'solve the equation and compute the integral', policy: { kind: 'willingness-to-pay', wtp: 1 }, explain: true });
    expect(r.status).toBe(200);
    const j = (await r.json()) as Record<string, any>;
    expect(j.model).toBe('strong');
    expect(j.alternatives.map((a: { model: string }) => a.model).sort()).toEqual(['strong', 'weak']);
    expect(j.scores.weak.quality).toBeLessThan(0.2);
    expect(j.scores.strong.cost).toBeCloseTo(0.01);
    expect(j.router).toMatchObject({ name: 'tiny', version: 'v1', kind: 'knn', featurizer: 'hashing' });
    expect(j.explanation.neighbours.length).toBe(5);
    expect(typeof j.timeMs).toBe('number');
    expect(r.headers.get('x-request-id')).toBeTruthy();
  });

  it('honours candidates and the threshold policy', async () => {
    const poem = await (
      await post('/route', { prompt: 'a poem about the moon', policy: { kind: 'threshold', strong: 'strong', weak: 'weak', threshold: 0.5 } })
    ).json();
    expect(poem.model).toBe('weak');
    const only = await (await post('/route', { prompt: 'a poem', candidates: ['strong'] })).json();
    expect(only.model).toBe('strong');
    expect(Object.keys(only.scores)).toEqual(['strong']);
  });

  it.each([
    [{}, 'prompt'],
    [{ prompt: 42 }, 'prompt'],
    [{ prompt: '' }, 'prompt'],
    [{ prompt: 'x', candidates: 'strong' }, 'candidates'],
    [{ prompt: 'x', polcy: {} }, 'polcy'],
    [{ prompt: 'x', policy: { kind: 'willingness-to-pay' } }, 'policy.wtp'],
  ])('rejects %j with 400 naming %s', async (body, field) => {
    const r = await post('/route', body);
    expect(r.status).toBe(400);
    const j = (await r.json()) as Record<string, string>;
    expect(j.field).toBe(field);
    expect(JSON.stringify(j)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('unknown policy kind → 400 listing the valid kinds', async () => {
    const r = await post('/route', { prompt: 'x', policy: { kind: 'cheapest' } });
    expect(r.status).toBe(400);
    const j = (await r.json()) as Record<string, string>;
    expect(j.error).toBe('unknown_option');
    expect(j.fix).toContain('willingness-to-pay');
  });

  it('unknown model → 400 listing the valid ones', async () => {
    const r = await post('/route', { prompt: 'x', candidates: ['gpt-9'] });
    expect(r.status).toBe(400);
    const j = (await r.json()) as Record<string, string>;
    expect(j.field).toBe('candidates[0]');
    expect(j.message).toContain('strong, weak');
  });

  it('malformed JSON → 400, oversized → 413, unknown path → 404; never a stack trace', async () => {
    const bad = await post('/route', '{"prompt": ', true);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Record<string, string>).error).toBe('invalid_json');
    const big = await post('/route', { prompt: 'x'.repeat(20_000) });
    expect(big.status).toBe(413);
    const nf = await fetch(base + '/nope');
    expect(nf.status).toBe(404);
  });

  it('serves health, readiness, router description, metrics and an OpenAPI document', async () => {
    expect(((await (await fetch(base + '/healthz')).json()) as Record<string, string>).router).toBe('tiny/v1');
    expect((await fetch(base + '/readyz')).status).toBe(200);
    const info = (await (await fetch(base + '/v1/router')).json()) as Record<string, unknown>;
    expect(info.candidates).toEqual(['strong', 'weak']);
    const metrics = await (await fetch(base + '/metrics')).text();
    expect(metrics).toMatch(/llmr_requests_total\{method="POST",route="\/route",status="200"\} \d+/);
    const oa = (await (await fetch(base + '/openapi.json')).json()) as { paths: Record<string, any> };
    const schema = oa.paths['/route'].post.requestBody.content['application/json'].schema;
    expect(schema.required).toContain('prompt');
    expect(JSON.stringify(schema)).toContain('willingness-to-pay');
  });

  it('POST /route/batch: one decision per request, in order, equal to /route for each', async () => {
    const requests = [
      { prompt: 'solve the equation and compute the integral', policy: { kind: 'willingness-to-pay', wtp: 1 } },
      { prompt: 'a poem about the moon', policy: { kind: 'threshold', strong: 'strong', weak: 'weak', threshold: 0.5 } },
      { prompt: 'a poem', candidates: ['strong'], explain: true },
    ];
    const r = await post('/route/batch', { requests });
    expect(r.status).toBe(200);
    const j = (await r.json()) as { decisions: Record<string, unknown>[]; timeMs: number };
    expect(j.decisions.map((d) => d.model)).toEqual(['strong', 'weak', 'strong']);
    for (const [i, one] of requests.entries()) {
      const { timeMs: _t, routeId, ...single } = (await (await post('/route', one)).json()) as Record<string, unknown>;
      const { routeId: batchRouteId, ...decision } = j.decisions[i]!;
      expect(decision).toEqual(single);
      expect(typeof routeId).toBe('string');
      expect(batchRouteId).not.toBe(routeId);
    }
    expect(typeof j.timeMs).toBe('number');
    const oa = (await (await fetch(base + '/openapi.json')).json()) as { paths: Record<string, any> };
    expect(oa.paths['/route/batch'].post.requestBody.content['application/json'].schema.required).toContain('requests');
  });

  it.each([
    [{}, 'requests'],
    [{ requests: [] }, 'requests'],
    [{ requests: [{ prompt: 'x' }, { prompt: 7 }] }, 'requests[1].prompt'],
    [{ requests: [{ prompt: 'x' }, { prompt: 'y', policy: { kind: 'budget' } }] }, 'requests[1].policy.maxCost'],
    [{ requests: [{ prompt: 'x' }, { prompt: 'y', candidates: ['gpt-9'] }] }, 'requests[1].candidates[0]'],
    [{ requests: Array.from({ length: 257 }, () => ({ prompt: 'x' })) }, 'requests'],
  ])('POST /route/batch rejects %# with 400 naming %s, and routes nothing', async (body, field) => {
    const r = await post('/route/batch', body);
    expect(r.status).toBe(400);
    expect(((await r.json()) as Record<string, string>).field).toBe(field);
  });

  it('/rank without a ranker → 503 with a fix', async () => {
    const r = await post('/rank', { prompt: 'x', responses: [{ text: 'a' }, { text: 'b' }] });
    expect(r.status).toBe(503);
    expect(((await r.json()) as Record<string, string>).fix).toContain('--ranker');
  });
});

describe('POST /route/batch in chunks', () => {
  it('a bad request past the first chunk is named by its batch index', async () => {
    const requests = Array.from({ length: 40 }, (_, i) => (i === 37 ? { prompt: 'y', candidates: ['gpt-9'] } : { prompt: `p${i}` }));
    const r = await post('/route/batch', { requests });
    expect(r.status).toBe(400);
    expect(((await r.json()) as Record<string, string>).field).toBe('requests[37].candidates[0]');
    const ok = (await (await post('/route/batch', { requests: requests.filter((_, i) => i !== 37) })).json()) as { decisions: unknown[] };
    expect(ok.decisions.length).toBe(39);
  });
});
