import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../../serve/app.js';
import { requestContext } from '../../serve/context.js';
import { ModelHolder } from '../../serve/ModelHolder.js';
import type { RouterPipeline } from '../../src/routers/RouterPipeline.js';
import { MemoryRouteSink, type RouteRecord } from '../../src/store/RouteRecord.js';
import { tinyKnnRouter } from '../helpers/tinyRouter.js';

let server: Server;
let base: string;
let router: RouterPipeline;
const holder = new ModelHolder();
const sink = new MemoryRouteSink();
let failing = false;

beforeAll(async () => {
  router = await tinyKnnRouter();
  holder.swap({ router });
  const echo = Router();
  echo.post('/echo', (req, res) => {
    const rc = requestContext(res);
    res.json({ got: req.body, version: rc.models().version, requestId: rc.requestId });
  });
  echo.get('/items/:id', (req, res) => res.json({ id: req.params.id }));
  const svc = createService({
    holder,
    backend: 'test',
    routeSink: { write: (r: RouteRecord) => (failing ? Promise.reject(new Error('store down')) : sink.write(r)) },
    mounts: (ctx) => [
      { name: 'echo', path: '/ext', router: echo, access: 'user', openapi: { '/ext/echo': { post: { summary: 'echo' } } } },
      { name: 'stats', path: '/ext-stats', router: Router().get('/', (_q, r) => r.json({ gen: ctx.holder.generation })), access: 'public' },
    ],
  });
  server = await new Promise<Server>((r) => {
    const s = svc.app.listen(0, '127.0.0.1', () => r(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const post = (path: string, body: unknown) =>
  fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('createService: mounts, model holder, route records', () => {
  it('a mounted router gets JSON bodies, the request context, OpenAPI entries and route-template metric labels', async () => {
    const r = await post('/ext/echo', { a: 1 });
    expect(r.status).toBe(200);
    const j = await r.json();
    expect(j).toMatchObject({ got: { a: 1 }, version: 'tiny/v1' });
    expect(r.headers.get('x-llmr-version')).toBe('tiny/v1');
    for (let i = 0; i < 5; i++) await fetch(`${base}/ext/items/${i}x`);
    expect(((await (await fetch(base + '/ext-stats')).json()) as { gen: number }).gen).toBe(2);
    const oa = await (await fetch(base + '/openapi.json')).json();
    expect(oa.paths['/ext/echo'].post.summary).toBe('echo');
    const m = await (await fetch(base + '/metrics')).text();
    expect(m).toContain('route="/ext/echo",status="200"');
    expect(m).toContain('route="/ext/items/:id",status="200"');
    expect(m).not.toMatch(/items\/\dx/);
  });

  it('/route and /route/batch write one record per decision; the body carries its routeId', async () => {
    const before = sink.records.length;
    const one = await (await post('/route', { prompt: 'solve the equation', policy: { kind: 'willingness-to-pay', wtp: 1 } })).json();
    const batch = await (await post('/route/batch', { requests: [{ prompt: 'a poem' }, { prompt: 'compute the integral' }] })).json();
    await new Promise((r) => setTimeout(r, 20));
    const recs = sink.records.slice(before);
    expect(recs.map((x) => x.routeId)).toEqual([one.routeId, ...batch.decisions.map((d: { routeId: string }) => d.routeId)]);
    expect(recs[0]).toMatchObject({
      source: 'route',
      routerName: 'tiny',
      routerVersion: 'v1',
      chosenModel: one.model,
      answeredModel: one.model,
      status: 'ok',
      prompt: null,
    });
    expect(recs[0]!.promptHash).toMatch(/^[0-9a-f]{64}$/);
    expect(recs[1]!.source).toBe('batch');
    expect(new Set(recs.map((x) => x.routeId)).size).toBe(3);
  });

  it('a failing sink never fails routing; failures are counted', async () => {
    failing = true;
    const r = await post('/route', { prompt: 'a poem' });
    failing = false;
    expect(r.status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    expect(await (await fetch(base + '/metrics')).text()).toMatch(/llmr_route_records_total\{outcome="failed"\} [1-9]/);
  });

  it('holder.swap changes the version new requests see; rollback returns', async () => {
    const v2 = await tinyKnnRouter();
    (v2.meta as { version: string }).version = 'v2';
    holder.swap({ router: v2 });
    expect((await (await post('/route', { prompt: 'a poem' })).json()).router.version).toBe('v2');
    holder.rollback();
    expect((await (await post('/route', { prompt: 'a poem' })).json()).router.version).toBe('v1');
  });

  it('unknown paths are labelled "unmatched", never by their raw path', async () => {
    await post('/zz/123', 'x');
    await fetch(base + '/a%22%7Dx%7Bb=%22');
    const m = await (await fetch(base + '/metrics')).text();
    expect(m).not.toContain('zz');
    expect(m).toContain('route="unmatched",status="404"');
  });
});
