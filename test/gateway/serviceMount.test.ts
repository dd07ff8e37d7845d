import { mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../../src/gateway/mockUpstream.js';
import type { RouterPipeline } from '../../src/routers/RouterPipeline.js';
import { MemoryRouteSink } from '../../src/store/RouteRecord.js';
import { createService, HttpError, ModelHolder, type Service } from '../../serve/app.js';
import { gatewayMount } from '../../serve/gateway/gatewayMount.js';
import { startServer } from '../../serve/server.js';
import { tinyKnnRouter } from '../helpers/tinyRouter.js';
import { chatBody, configFor, MATH, postChat, threeModelRouter, until } from './harness.js';

let mock: MockUpstream;
let router: RouterPipeline;
let svc: Service;
let server: Server;
let base: string;
const holder = new ModelHolder();
const sink = new MemoryRouteSink();

beforeAll(async () => {
  mock = await startMockUpstream();
  router = await threeModelRouter();
  holder.swap({ router });
  svc = createService({
    holder,
    backend: 'test',
    routeSink: sink,
    authenticate: (req, access) => {
      if (access === 'public') return null;
      if (req.headers.authorization !== 'Bearer secret')
        throw new HttpError(401, 'unauthorized', 'missing or wrong API key', { fix: 'send Authorization: Bearer <key>' });
      return { id: 'k1', admin: false };
    },
    mounts: (ctx) => [gatewayMount(ctx, configFor(mock.url))],
  });
  server = await new Promise<Server>((r) => {
    const s = svc.app.listen(0, '127.0.0.1', () => r(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  svc.stop();
  await mock.close();
});

describe('gateway mounted on the service', () => {
  it('sits behind the service auth; with a key the openai SDK is routed, beside /route on the same port', async () => {
    expect((await postChat(base, chatBody(MATH))).status).toBe(401);
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'secret', maxRetries: 0 });
    const { data, response } = await client.chat.completions.create({ model: 'router', messages: [{ role: 'user', content: MATH }] }).withResponse();
    expect(data.model).toBe('up-strong');
    expect(response.headers.get('x-llmr-model')).toBe('strong');
    expect(response.headers.get('x-request-id')).toBeTruthy();
    const route = await fetch(`${base}/route`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer secret' },
      body: JSON.stringify({ prompt: MATH }),
    });
    expect(route.status).toBe(200);
    const info = await fetch(`${base}/v1/router`, { headers: { authorization: 'Bearer secret' } });
    expect(((await info.json()) as { name: string }).name).toBe('tiny3');
    await until(() => sink.records.some((r) => r.source === 'gateway'));
    const metrics = await (await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer secret' } })).text();
    expect(metrics).toContain('route="/v1/chat/completions"');
    const oa = (await (await fetch(`${base}/openapi.json`, { headers: { authorization: 'Bearer secret' } })).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(oa.paths)).toContain('/v1/chat/completions');
  });

  it('follows a hot reload of the model holder and answers Connection: close while draining', async () => {
    const h = { authorization: 'Bearer secret' };
    holder.swap({ router: await threeModelRouter('tiny3', 'v9') });
    const r = await postChat(base, chatBody(MATH), h);
    expect(r.headers.get('x-llmr-router-version')).toBe('tiny3/v9');
    svc.drain();
    const d = await postChat(base, chatBody(MATH, { stream: true }), h);
    expect(d.headers.get('connection')).toBe('close');
    expect(await d.text()).toContain('[DONE]');
  });

  it('refuses at start a router whose candidates the config lacks', async () => {
    const tiny = await tinyKnnRouter();
    const cfg = configFor(mock.url);
    delete cfg.models.weak;
    expect(() => createService({ router: tiny, mounts: (ctx) => [gatewayMount(ctx, cfg)] })).toThrow(
      /Router candidates: strong, weak; configured models: strong, mid/,
    );
  });

  it('startServer({gateway: file.yaml}) — what `llmr serve --gateway` runs — serves /v1/chat/completions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmr-gw-serve-'));
    await router.save(join(dir, 'tiny3', 'v1'));
    const yaml = [
      'upstreams:',
      '  local:',
      `    baseUrl: ${mock.url}`,
      'models:',
      ...['strong', 'mid', 'weak'].flatMap((m) => [`  ${m}:`, '    upstream: local', `    model: up-${m}`, '    inputPerMTok: 1', '    outputPerMTok: 2']),
    ].join('\n');
    writeFileSync(join(dir, 'gateway.yaml'), yaml);
    const running = await startServer({
      router: join(dir, 'tiny3', 'v1'),
      gateway: join(dir, 'gateway.yaml'),
      port: 0,
      backend: process.env.LLMR_BACKEND ?? '',
    });
    try {
      const r = await postChat(running.url, chatBody(MATH, { stream: true }));
      expect(r.status).toBe(200);
      expect(r.headers.get('x-llmr-model')).toBe('strong');
      expect(await r.text()).toContain('"model":"up-strong"');
    } finally {
      running.server.closeAllConnections();
      await running.close();
    }
  });
});
