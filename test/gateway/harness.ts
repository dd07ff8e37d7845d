import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { ScoreRecord } from '../../src/data/schemas.js';
import { parseGatewayConfig, type GatewayConfig, type GatewayConfigInput } from '../../src/gateway/GatewayConfig.js';
import { startMockUpstream, type MockUpstream, type MockUpstreamOptions } from '../../src/gateway/mockUpstream.js';
import { PriceTable } from '../../src/prices/PriceTable.js';
import type { RouterPipeline } from '../../src/routers/RouterPipeline.js';
import { trainRouter } from '../../src/routers/trainRouter.js';
import { MemoryRouteSink } from '../../src/store/RouteRecord.js';
import { createGatewayRouter, type GatewayRouter } from '../../serve/gateway/createGatewayRouter.js';
import type { GatewayOptions } from '../../serve/gateway/Gateway.js';

/** Three candidates: strong answers everything, mid most maths, weak only prose; prices per call. */
export function threeModelRecords(n = 90): ScoreRecord[] {
  const out: ScoreRecord[] = [];
  for (let i = 0; i < n; i++) {
    const math = i % 2 === 0;
    out.push({
      id: `t${i}`,
      prompt: math ? `solve the equation ${i} x + 3 = 7 and compute the integral` : `write a short poem about the sea and the moon, verse ${i}`,
      scores: { strong: 1, mid: math ? (i % 3 === 0 ? 0 : 1) : 1, weak: math ? 0 : 1 },
    });
  }
  return out;
}

export const THREE_PRICES = new PriceTable({ strong: { perCall: 0.01 }, mid: { perCall: 0.003 }, weak: { perCall: 0.0005 } });

export function threeModelRouter(name = 'tiny3', version = 'v1'): Promise<RouterPipeline> {
  return trainRouter(threeModelRecords(), {
    kind: 'knn',
    params: { k: 5 },
    featurizer: { kind: 'hashing', config: { dim: 1024 } },
    prices: THREE_PRICES,
    name,
    version,
    guard: false,
  }); // the gateway tests route by the router's own predictions
}

/** strong/mid/weak, each on its own upstream (a/b/c) of one mock, so each has its own breaker. */
export function configFor(mockUrl: string, over: Partial<GatewayConfigInput> = {}, upstreamOver: Record<string, Record<string, unknown>> = {}): GatewayConfig {
  const up = (name: string) => ({ baseUrl: mockUrl, timeoutMs: 2_000, ...upstreamOver[name] });
  return parseGatewayConfig({
    upstreams: { a: up('a'), b: up('b'), c: up('c') },
    models: {
      strong: { upstream: 'a', model: 'up-strong', inputPerMTok: 10, outputPerMTok: 30 },
      mid: { upstream: 'b', model: 'up-mid', inputPerMTok: 3, outputPerMTok: 6 },
      weak: { upstream: 'c', model: 'up-weak', inputPerMTok: 0.5, outputPerMTok: 1.5 },
    },
    retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 50 },
    ...over,
  });
}

export interface Harness {
  base: string;
  mock: MockUpstream;
  sink: MemoryRouteSink;
  gw: GatewayRouter;
  close(): Promise<void>;
}

/** A gateway app (the gateway router alone) in front of a fresh mock upstream. */
export async function startHarness(
  router: RouterPipeline | (() => RouterPipeline | null),
  mockOpts: MockUpstreamOptions = {},
  config?: (mockUrl: string) => GatewayConfig,
  extra: Partial<GatewayOptions> = {},
): Promise<Harness> {
  const mock = await startMockUpstream(mockOpts);
  const sink = new MemoryRouteSink();
  const getRouter = typeof router === 'function' ? router : () => router;
  const gw = createGatewayRouter({ getRouter, config: (config ?? configFor)(mock.url), sink, ...extra });
  const app = express();
  app.use(gw);
  const server = await new Promise<Server>((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    mock,
    sink,
    gw,
    close: async () => {
      gw.gateway.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await mock.close();
    },
  };
}

/** Wait until `f()` holds (records are written after the response ends). */
export async function until(f: () => boolean, ms = 2_000): Promise<void> {
  const t = Date.now();
  while (!f()) {
    if (Date.now() - t > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const MATH = 'solve the equation 4 x + 3 = 7 and compute the integral';
export const POEM = 'write a short poem about the sea and the moon';

export function chatBody(content: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'router', messages: [{ role: 'user', content }], ...extra };
}

export async function postChat(base: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal,
  });
}
