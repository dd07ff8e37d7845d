import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../serve/auth.js';
import { MemoryBuckets, redisBuckets } from '../../serve/rateLimit.js';
import { type RunningServer, startServer } from '../../serve/server.js';
import { initBackend } from '../../src/backend/backend.js';
import { saveTinyRouter } from '../helpers/tinyArtifacts.js';

const URL_ = process.env.LLMR_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `llmr-test:${randomUUID()}:`;
let reachable = false;

beforeAll(async () => {
  try {
    const b = await redisBuckets(URL_, { ratePerS: 1, burst: 1 }, prefix);
    await b.close();
    reachable = true;
  } catch (e) {
    if (process.env.CI === 'true') throw new Error(`Redis at ${URL_} unreachable under CI=true: ${(e as Error).message}`);
    console.warn(`[skip] Redis rate-limit tests: ${URL_} unreachable (${(e as Error).message})`);
  }
});

afterAll(async () => {
  if (!reachable) return;
  const { Redis } = await import('ioredis');
  const r = new Redis(URL_);
  const keys = await r.keys(`${prefix}*`);
  if (keys.length) await r.del(...keys);
  await r.quit();
});

describe('token buckets', () => {
  it('memory: refills at the rate, capped at the burst', async () => {
    let t = 0;
    const b = new MemoryBuckets({ ratePerS: 2, burst: 2 }, 100, () => t);
    expect((await b.take('k', 1)).ok).toBe(true);
    expect((await b.take('k', 1)).ok).toBe(true);
    const no = await b.take('k', 1);
    expect(no.ok).toBe(false);
    expect(no.retryAfterMs).toBeCloseTo(500);
    t = 500;
    expect((await b.take('k', 1)).ok).toBe(true);
    t = 100_000;
    expect((await b.take('k', 1)).ok).toBe(true);
    expect((await b.take('k', 1)).ok).toBe(true);
    expect((await b.take('k', 1)).ok).toBe(false);
    expect((await b.take('other', 1)).ok).toBe(true);
  });

  it('Redis: two server replicas enforce one shared limit per key', async (t) => {
    if (!reachable) return t.skip();
    await initBackend();
    const models = join(mkdtempSync(join(tmpdir(), 'llmr-redis-')), 'models');
    await saveTinyRouter(models, 'v1');
    const KEY = 'shared-key-dddddddddddddddddddd';
    const opts = {
      router: 'tiny',
      modelsDir: models,
      port: 0,
      apiKeys: ApiKeys.from({ keys: KEY }),
      rateLimit: { ratePerS: 0.1, burst: 4 },
      redisUrl: URL_,
      redisPrefix: prefix,
    };
    const servers: RunningServer[] = [await startServer(opts), await startServer(opts)];
    try {
      const codes: number[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await fetch(servers[i % 2]!.url + '/route', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': KEY },
          body: '{"prompt":"x"}',
        });
        codes.push(r.status);
        if (r.status === 429) expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
      expect(codes).toEqual([200, 200, 200, 200, 429, 429]);
    } finally {
      for (const s of servers) await s.close();
    }
  }, 120_000);
});
