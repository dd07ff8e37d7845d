import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../../serve/app.js';
import { ModelHolder } from '../../serve/ModelHolder.js';
import { dashboardMount } from '../../serve/ui/dashboardMount.js';
import { isError, isFallback } from '../../serve/ui/dashboardData.js';
import { openStore } from '../../src/store/openStore.js';
import type { FeedbackRecord, Store } from '../../src/store/Store.js';
import { haveChromium, launchChromium, layoutProblems } from '../browser.js';
import { routeRecord } from '../helpers/routeRecords.js';
import { tinyKnnRouter } from '../helpers/tinyRouter.js';

/**
 * End to end: a service with a DuckDB feedback store, seeded traffic (real POST /route calls plus stored
 * gateway-style records with errors, fallbacks, billed cost and feedback), then GET /ui in headless Chromium:
 * the figures a person reads must equal what the store says.
 */

const MODELS = ['small-model', 'mid-model', 'large-model'];
let dir: string;
let store: Store;
let service: Service;
let server: Server;
let base: string;
const seeded: { routes: number; prompts: string[] } = { routes: 0, prompts: [] };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'llmr-ui-'));
  store = await openStore(`duckdb:${join(dir, 'store.duckdb')}`, { storePrompts: true });
  const router = await tinyKnnRouter();
  service = createService({
    holder: new ModelHolder({ router }),
    backend: 'test',
    routeSink: store,
    routeRecords: { storePrompts: true },
    mounts: (ctx) => [dashboardMount(ctx, { source: () => store })],
  });
  server = await new Promise<Server>((r) => {
    const s = service.app.listen(0, '127.0.0.1', () => r(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // real decisions through POST /route (records written by the service)
  for (const p of ['Solve 3x + 5 = 20 for x.', 'Name a primary colour.', 'Write a haiku about the sea.']) {
    const r = await fetch(`${base}/route`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: p }) });
    expect(r.status).toBe(200);
    seeded.prompts.push(p);
  }
  // gateway-style records over the last three hours: errors, fallbacks, billed cost
  const now = Date.now();
  const recs = Array.from({ length: 60 }, (_, i) => {
    const chosen = MODELS[i % 3]!;
    const fallback = i % 10 === 4;
    return routeRecord({
      routeId: `seed-${i}`,
      time: new Date(now - (i * 3 * 3_600_000) / 60 - 1000).toISOString(),
      source: 'gateway',
      chosenModel: chosen,
      answeredModel: fallback ? 'large-model' : chosen,
      candidates: MODELS,
      attempts: fallback
        ? [
            { model: chosen, status: 502, latencyMs: 40 },
            { model: 'large-model', status: 200, latencyMs: 90 },
          ]
        : [{ model: chosen, status: i % 15 === 7 ? 500 : 200, latencyMs: 20 + i }],
      status: i % 15 === 7 ? 'upstream_error' : 'ok',
      estimatedCostUsd: 0.001 * (1 + (i % 3)),
      costUsd: i % 15 === 7 ? null : 0.0012 * (1 + (i % 3)),
      latencyMs: 20 + i + (fallback ? 90 : 0),
      prompt: `seeded prompt number ${i}`,
    });
  });
  await store.writeRoutes(recs);
  const fb: FeedbackRecord[] = Array.from({ length: 12 }, (_, i) => ({
    feedbackId: `fb-${i}`,
    routeId: `seed-${i * 2}`,
    time: new Date().toISOString(),
    kind: 'score',
    model: recs[i * 2]!.answeredModel,
    score: (i % 4) / 3,
    winner: null,
    loser: null,
    tie: false,
    promptHash: null,
    prompt: null,
    userId: null,
  }));
  await store.writeFeedback(fb);
  await service.ctx.recorder.flush();
  await store.flush();
  seeded.routes = 63;
});

afterAll(async () => {
  await new Promise<void>((r) => server?.close(() => r()));
  service?.stop();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('GET /ui dashboard', () => {
  it('data.json figures equal the store', async () => {
    const d = (await (await fetch(`${base}/ui/data.json`)).json()) as {
      totals: { routes: number; errors: number; fallbacks: number; feedbackRate: number };
      models: { model: string; chosen: number; feedbackRate: number | null; meanScore: number | null }[];
      service: { router: { name: string } };
    };
    const all = await store.recentRoutes({ limit: 1000 });
    expect(all).toHaveLength(seeded.routes);
    expect(d.totals.routes).toBe(all.length);
    expect(d.totals.errors).toBe(all.filter(isError).length);
    expect(d.totals.fallbacks).toBe(all.filter(isFallback).length);
    expect(d.totals.errors).toBe(4);
    expect(d.totals.fallbacks).toBe(6);
    const fbRows = await store.modelFeedback();
    for (const m of d.models) {
      expect(m.chosen, m.model).toBe(all.filter((r) => r.chosenModel === m.model).length);
      const f = fbRows.find((x) => x.model === m.model);
      if (f) {
        expect(m.feedbackRate).toBeCloseTo(f.feedbackRate, 10);
        expect(m.meanScore).toBe(f.meanScore);
      }
    }
    expect(d.service.router.name).toBeTruthy();
  });

  (haveChromium || process.env.CI === 'true' ? it : it.skip)(
    "renders in Chromium with the store's figures, no overflow, visible series",
    { timeout: 300_000 },
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const resp = await page.goto(`${base}/ui`);
        expect(resp!.status()).toBe(200);
        expect(resp!.headers()['content-type']).toMatch(/text\/html/);
        const text = (sel: string) => page.locator(sel).first().innerText();
        const all = await store.recentRoutes({ limit: 1000 });
        expect((await text('[data-figure="routes"] .value')).trim()).toBe(String(all.length));
        const errRate = all.filter(isError).length / all.length;
        expect((await text('[data-figure="error-rate"] .value')).trim()).toBe(`${(errRate * 100).toFixed(1)}%`);
        const est = all.reduce((a, r) => a + (r.estimatedCostUsd ?? 0), 0);
        expect((await text('[data-figure="estimated-cost"] .value')).trim()).toBe(est < 0.01 ? `$${est.toPrecision(3)}` : `$${est.toFixed(2)}`);
        for (const f of await store.modelFeedback()) {
          const row = page.locator(`[data-figure="models"] tr:has(td[data-model="${f.model}"])`);
          expect(await row.locator('td[data-col="chosen"]').innerText()).toBe(String(all.filter((r) => r.chosenModel === f.model).length));
          expect(await row.locator('td[data-col="feedback-rate"]').innerText()).toBe(`${(f.feedbackRate * 100).toFixed(1)}%`);
        }
        const version = await text('[data-figure="router-version"]');
        expect(version).toContain('@');
        // prompts are shown (this store keeps them), including those of real /route calls
        const recent = await text('[data-figure="recent"]');
        expect(recent).toContain(seeded.prompts[2]!);
        for (const id of ['traffic', 'cost', 'latency-chart', 'rates'])
          expect(await page.locator(`svg[data-plot="${id}"] g.series`).count(), id).toBeGreaterThan(0);
        expect(await layoutProblems(page)).toEqual([]);
        await page.screenshot({ path: join(dir, 'dashboard.png'), fullPage: true });
        if (process.env.LLMR_SCREENSHOT_DIR) await page.screenshot({ path: join(process.env.LLMR_SCREENSHOT_DIR, 'dashboard.png'), fullPage: true });
      } finally {
        await browser.close();
      }
    },
  );

  it('prompts are not shown when the store does not keep them', async () => {
    const d2 = mkdtempSync(join(tmpdir(), 'llmr-ui-np-'));
    const s2 = await openStore(`duckdb:${join(d2, 'store.duckdb')}`, { storePrompts: false });
    const svc = createService({ holder: new ModelHolder(), backend: 'test', mounts: (ctx) => [dashboardMount(ctx, { source: () => s2 })] });
    try {
      await s2.writeRoutes([routeRecord({ routeId: 'np-1', prompt: 'a secret prompt' })]);
      const srv = await new Promise<Server>((r) => {
        const s = svc.app.listen(0, '127.0.0.1', () => r(s));
      });
      const html = await (await fetch(`http://127.0.0.1:${(srv.address() as AddressInfo).port}/ui`)).text();
      await new Promise<void>((r) => srv.close(() => r()));
      expect(html).not.toContain('a secret prompt');
      expect(html).toContain('not stored (#');
      expect(html).not.toMatch(/<script|(src|href)="https?:/);
    } finally {
      svc.stop();
      await s2.close();
      rmSync(d2, { recursive: true, force: true });
    }
  });
});
