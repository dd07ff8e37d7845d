import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../serve/app.js';
import { feedbackMount } from '../../serve/feedback/feedbackRouter.js';
import { openStore } from '../../src/store/openStore.js';
import type { Store } from '../../src/store/Store.js';
import { tinyKnnRouter } from '../helpers/tinyRouter.js';
import { duckdbTarget, type StoreTarget } from '../store/storeTargets.js';

let server: Server;
let base: string;
let store: Store;
let target: StoreTarget;
let storeUp = true;

beforeAll(async () => {
  const router = await tinyKnnRouter();
  target = duckdbTarget();
  store = await openStore(target.url, { storePrompts: true });
  const app = createApp({
    router,
    backend: 'test',
    routeSink: store,
    routeRecords: { storePrompts: true },
    mounts: (ctx) => [feedbackMount(ctx, { store: () => (storeUp ? store : null) })],
  });
  server = await new Promise<Server>((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await store.close();
  await target.cleanup();
});

const post = async (path: string, body: unknown) => {
  const r = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, headers: r.headers, json: (await r.json()) as Record<string, any> };
};

describe('POST /route → POST /feedback', () => {
  it('gives every decision a routeId whose record is stored, and accepts score, thumbs and preference feedback on it', async () => {
    const r = await post('/route', { prompt: 'solve the equation 3x = 9', policy: { kind: 'willingness-to-pay', wtp: 1 } });
    expect(r.status).toBe(200);
    const routeId = r.json.routeId as string;
    expect(routeId).toMatch(/^[0-9a-f-]{36}$/);
    const s = await post('/feedback', { routeId, score: 0.8, feedbackId: 'fb-1' });
    expect(s).toMatchObject({ status: 200, json: { feedbackId: 'fb-1', duplicate: false } });
    const again = await post('/feedback', { routeId, score: 0.8, feedbackId: 'fb-1' });
    expect(again.json.duplicate).toBe(true);
    expect((await post('/feedback', { routeId, thumbs: 'down' })).status).toBe(200);
    expect((await post('/feedback', { routeId, winner: 'weak' })).status).toBe(200);
    const rec = await store.getRoute(routeId);
    expect(rec).toMatchObject({ routeId, chosenModel: r.json.model, prompt: 'solve the equation 3x = 9', candidates: ['strong', 'weak'] });
    const fb = await store.recentFeedback({ routeId });
    expect(fb.map((f) => [f.kind, f.model, f.score, f.winner, f.loser]).sort()).toEqual(
      [
        ['preference', null, null, 'weak', r.json.model],
        ['score', r.json.model, 0.8, null, null],
        ['thumbs', r.json.model, 0, null, null],
      ].sort(),
    );
  });

  it('batch route decisions each get a routeId; batch feedback is validated as a whole', async () => {
    const b = await post('/route/batch', { requests: [{ prompt: 'a poem' }, { prompt: 'an integral' }] });
    const ids = b.json.decisions.map((d: { routeId: string }) => d.routeId);
    expect(new Set(ids).size).toBe(2);
    const ok = await post('/feedback', {
      items: [
        { routeId: ids[0], score: 1 },
        { routeId: ids[1], thumbs: 'up' },
        { prompt: 'a poem', winner: 'weak', loser: 'strong', tie: true },
      ],
    });
    expect(ok.json).toMatchObject({ accepted: 3, inserted: 3, duplicates: 0 });
    const before = (await store.stats()).feedback;
    const badOne = await post('/feedback', {
      items: [
        { routeId: ids[0], score: 1 },
        { routeId: ids[1], score: 7 },
      ],
    });
    expect(badOne.status).toBe(400);
    expect(badOne.json.field).toBe('items[1].score');
    expect((await store.stats()).feedback).toBe(before);
  });

  it.each([
    [{ routeId: 'nope', score: 0.5 }, 'routeId'],
    [{ routeId: '__ROUTE__', score: 1.5 }, 'score'],
    [{ routeId: '__ROUTE__', score: -0.1 }, 'score'],
    [{ routeId: '__ROUTE__', thumbs: 'sideways' }, 'thumbs'],
    [{ routeId: '__ROUTE__', score: 0.5, model: 'gpt-9' }, 'model'],
    [{ routeId: '__ROUTE__', winner: 'gpt-9' }, 'winner'],
    [{ routeId: '__ROUTE__', winner: 'strong', loser: 'gpt-9' }, 'loser'],
    [{ prompt: 'x', winner: 'strong', loser: 'gpt-9' }, 'loser'],
    [{ prompt: 'x', winner: 'strong' }, 'loser'],
    [{ winner: 'strong', loser: 'weak' }, 'routeId'],
    [{ routeId: '__ROUTE__', score: 0.5, extra: 1 }, 'extra'],
    [{ hello: 1 }, 'score'],
    [[1, 2], 'body'],
    [{ items: [] }, 'items'],
  ])('rejects %j with 400 naming %s', async (body, field) => {
    const r0 = await post('/route', { prompt: 'hello' });
    const b = JSON.parse(JSON.stringify(body).replaceAll('__ROUTE__', r0.json.routeId));
    const r = await post('/feedback', b);
    expect(r.status).toBe(400);
    expect(r.json.field).toBe(field);
    expect(r.json.fix).toBeTruthy();
  });

  it('store unavailable → /route keeps answering, /feedback answers 503 with Retry-After', async () => {
    storeUp = false;
    try {
      const r = await post('/route', { prompt: 'still routing?' });
      expect(r.status).toBe(200);
      const f = await post('/feedback', { routeId: r.json.routeId, score: 1 });
      expect(f.status).toBe(503);
      expect(f.headers.get('retry-after')).toBe('5');
      expect(f.json.error).toBe('store_unavailable');
    } finally {
      storeUp = true;
    }
  });
});
