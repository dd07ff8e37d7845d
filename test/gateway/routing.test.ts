import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LlmrError } from '../../src/errors.js';
import { backoffDelay, retryAfterMs } from '../../src/gateway/backoff.js';
import { routingPrompt } from '../../src/gateway/conversation.js';
import { checkRouterCandidates, loadGatewayConfig, parseGatewayConfig } from '../../src/gateway/GatewayConfig.js';
import { parseModelSelector } from '../../src/gateway/modelSelector.js';
import { StickinessStore } from '../../src/gateway/StickinessStore.js';
import type { RouterPipeline } from '../../src/routers/RouterPipeline.js';
import { createGatewayRouter } from '../../serve/gateway/createGatewayRouter.js';
import { tinyKnnRouter } from '../helpers/tinyRouter.js';
import { chatBody, configFor, MATH, POEM, postChat, startHarness, threeModelRouter, until, type Harness } from './harness.js';

let router: RouterPipeline;
let h: Harness | null = null;
beforeAll(async () => {
  router = await threeModelRouter();
  router.meta.calibrations = { cheap: { policy: { kind: 'budget', maxCost: 0.001 } } };
});
afterEach(async () => {
  await h?.close();
  h = null;
});

const errorOf = async (r: Response) => ((await r.json()) as { error: { code: string; param: string | null; message: string; fix?: string } }).error;

describe('model selection and policy', () => {
  it('router:<name>:<calibration> applies the stored setting; x-llmr-policy and the llmr field override; bad ones name the field', async () => {
    h = await startHarness(router);
    expect((await postChat(h.base, chatBody(MATH))).headers.get('x-llmr-model')).toBe('strong');
    expect((await postChat(h.base, chatBody(MATH, { model: 'router:tiny3' }))).headers.get('x-llmr-model')).toBe('strong');
    expect((await postChat(h.base, chatBody(MATH, { model: 'router:tiny3:cheap' }))).headers.get('x-llmr-model')).toBe('weak');
    expect((await postChat(h.base, chatBody(MATH), { 'x-llmr-policy': '{"kind":"budget","maxCost":0.005}' })).headers.get('x-llmr-model')).toBe('mid');
    expect((await postChat(h.base, chatBody(MATH, { llmr: { candidates: ['mid', 'weak'] } }))).headers.get('x-llmr-model')).toBe('mid');
    expect((await postChat(h.base, chatBody(MATH), { 'x-llmr-candidates': 'weak' })).headers.get('x-llmr-model')).toBe('weak');
    // The extension field never reaches the upstream.
    expect(h.mock.requests.every((q) => !('llmr' in q.body))).toBe(true);
    await until(() => h!.sink.records.length >= 6);
    expect(h.sink.records[2]!.policy).toEqual({ kind: 'budget', maxCost: 0.001 });

    const cases: [Record<string, unknown>, Record<string, string>, number, string][] = [
      [chatBody(MATH, { model: 'router:other' }), {}, 404, 'model'],
      [chatBody(MATH, { model: 'router:tiny3:nope' }), {}, 404, 'model'],
      [chatBody(MATH), { 'x-llmr-policy': 'not json' }, 400, 'x-llmr-policy'],
      [chatBody(MATH), { 'x-llmr-policy': '{"kind":"willingness-to-pay"}' }, 400, 'x-llmr-policy.wtp'],
      [chatBody(MATH, { llmr: { candidates: ['gpt-9'] } }), {}, 400, 'candidates[0]'],
      [chatBody(MATH, { llmr: { polcy: {} } }), {}, 400, 'llmr.polcy'],
      [{ model: 'router', messages: [] }, {}, 400, 'messages'],
      [{ messages: [{ role: 'user', content: 'x' }] }, {}, 400, 'model'],
    ];
    for (const [body, headers, status, param] of cases) {
      const r = await postChat(h.base, body, headers);
      expect([r.status, (await errorOf(r)).param], JSON.stringify(body)).toEqual([status, param]);
    }
    const bad = await fetch(`${h.base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":' });
    expect(bad.status).toBe(400);
  });

  it('reads the router on every request: a hot-swapped router takes effect; none loaded → 503 but concrete models still work', async () => {
    let current: RouterPipeline | null = router;
    const other = await threeModelRouter('tiny3', 'v2');
    h = await startHarness(() => current);
    expect((await postChat(h.base, chatBody(MATH))).headers.get('x-llmr-router-version')).toBe('tiny3/v1');
    current = other;
    expect((await postChat(h.base, chatBody(MATH))).headers.get('x-llmr-router-version')).toBe('tiny3/v2');
    current = null;
    const r = await postChat(h.base, chatBody(MATH));
    expect(r.status).toBe(503);
    expect((await errorOf(r)).code).toBe('not_ready');
    expect((await postChat(h.base, chatBody(MATH, { model: 'weak' }))).status).toBe(200);
  });

  it('a swapped-in router with candidates the config lacks is refused with both sets', async () => {
    let current: RouterPipeline = await tinyKnnRouter();
    h = await startHarness(
      () => current,
      {},
      (u) => {
        const c = configFor(u);
        delete c.models.mid;
        return c;
      },
    );
    expect((await postChat(h.base, chatBody(MATH))).status).toBe(200);
    current = router;
    const r = await postChat(h.base, chatBody(MATH));
    expect(r.status).toBe(503);
    const e = await errorOf(r);
    expect(e.code).toBe('gateway_misconfigured');
    expect(e.message).toContain('candidate models: mid. Router candidates: strong, mid, weak; configured models: strong, weak');
  });
});

describe('conversations', () => {
  it('routes on the last user message by default; context full reads every message', async () => {
    h = await startHarness(router, {}, undefined);
    const messages = [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: MATH },
      { role: 'assistant', content: 'x = 1' },
      { role: 'user', content: [{ type: 'text', text: POEM }] },
    ];
    const r = await postChat(h.base, { model: 'router', messages, llmr: { candidates: ['strong', 'weak'] } });
    expect(r.headers.get('x-llmr-model')).toBe('weak');
    expect(routingPrompt(messages, 'last')).toBe(POEM);
    expect(routingPrompt(messages, 'last-turn')).toBe(`x = 1\n${POEM}`);
    expect(routingPrompt(messages, 'full')).toBe(`You are helpful.\n${MATH}\nx = 1\n${POEM}`);
    expect(routingPrompt([{ role: 'system', content: 'only system' }], 'last')).toBe('only system');
  });

  it('stickiness: a conversation keeps its model across turns until the TTL, per x-llmr-session or user', async () => {
    let now = 5_000_000;
    h = await startHarness(
      router,
      {},
      (url) =>
        configFor(url, {
          routing: {
            context: 'last',
            defaultPolicy: { kind: 'willingness-to-pay', wtp: 0.05 },
            stickiness: { enabled: true, by: ['session', 'user'], ttlMs: 60_000, maxEntries: 10 },
          },
        }),
      { clock: () => now },
    );
    const model = async (content: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) =>
      (await postChat(h!.base, chatBody(content, extra), headers)).headers.get('x-llmr-model');
    expect(await model(POEM)).toBe('weak');
    expect(await model(MATH, { 'x-llmr-session': 's1' })).toBe('strong');
    expect(await model(POEM, { 'x-llmr-session': 's1' })).toBe('strong');
    expect(await model(MATH, {}, { user: 'u1' })).toBe('strong');
    expect(await model(POEM, {}, { user: 'u1' })).toBe('strong');
    now += 60_001;
    expect(await model(POEM, { 'x-llmr-session': 's1' })).toBe('weak');
    await until(() => h!.sink.records.length >= 6);
    expect(h.sink.records[2]!.sessionId).toBe('s1');
    expect(h.sink.records[4]!.userId).toBe('u1');
  });

  it('StickinessStore: TTL refresh and the entry bound', () => {
    let t = 0;
    const s = new StickinessStore(100, 2, () => t);
    s.set('a', 'm1');
    s.set('b', 'm2');
    s.set('c', 'm3');
    expect(s.get('a')).toBeNull();
    expect(s.size).toBe(2);
    t = 99;
    expect(s.get('b')).toBe('m2');
    t = 100;
    expect(s.get('b')).toBeNull();
  });
});

describe('route records', () => {
  it('keep the prompt only when configured, else a salted hash stable within the salt', async () => {
    process.env.LLMR_TEST_SALT = 'pepper';
    h = await startHarness(router, {}, (url) => configFor(url, { records: { storePrompt: false, saltEnv: 'LLMR_TEST_SALT' } }));
    await postChat(h.base, chatBody(MATH));
    await postChat(h.base, chatBody(MATH));
    await until(() => h!.sink.records.length >= 2);
    const [a, b] = h.sink.records;
    expect(a!.prompt).toBeNull();
    expect(a!.promptHash).toBe(b!.promptHash);
    expect(a!.routeId).not.toBe(b!.routeId);
    await h.close();
    h = await startHarness(router, {}, (url) => configFor(url, { records: { storePrompt: true } }));
    await postChat(h.base, chatBody(MATH));
    await until(() => h!.sink.records.length >= 1);
    expect(h.sink.records[0]!.prompt).toBe(MATH);
    expect(h.sink.records[0]!.promptHash).toBeNull();
  });

  it('a failing sink never fails the request', async () => {
    const logs: Record<string, unknown>[] = [];
    h = await startHarness(router, {}, undefined, { sink: { write: async () => Promise.reject(new Error('disk full')) }, log: (o) => logs.push(o) });
    expect((await postChat(h.base, chatBody(MATH))).status).toBe(200);
    await until(() => logs.some((l) => l.msg === 'route record sink failed'));
  });
});

describe('config', () => {
  const url = 'http://127.0.0.1:9/v1';
  const field = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e instanceof LlmrError ? e.field : String(e);
    }
    return 'no error';
  };

  it('errors carry the path of the bad field', () => {
    const ok = { upstreams: { a: { baseUrl: url } }, models: { m: { upstream: 'a', inputPerMTok: 1, outputPerMTok: 2 } } };
    expect(parseGatewayConfig(ok).upstreams.a!.timeoutMs).toBe(60_000);
    expect(field(() => parseGatewayConfig({ ...ok, upstreams: { a: { baseUrl: 'ftp://x' } } }))).toBe('upstreams.a.baseUrl');
    expect(field(() => parseGatewayConfig({ ...ok, models: { m: { upstream: 'b', inputPerMTok: 1, outputPerMTok: 2 } } }))).toBe('models.m.upstream');
    expect(field(() => parseGatewayConfig({ ...ok, models: { m: { upstream: 'a', inputPerMTok: -1, outputPerMTok: 2 } } }))).toBe('models.m.inputPerMTok');
    expect(field(() => parseGatewayConfig({ ...ok, upstreams: { a: { baseUrl: url, apiKey: 'sk-123' } } }))).toBe('upstreams.a.apiKey');
    expect(field(() => parseGatewayConfig({ ...ok, routing: { context: 'all' } }))).toBe('routing.context');
    expect(field(() => parseGatewayConfig({ ...ok, retry: { maxAttempts: 0 } }))).toBe('retry.maxAttempts');
  });

  it('loads YAML and JSON files; bad syntax names the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmr-gw-'));
    writeFileSync(
      join(dir, 'g.yaml'),
      `upstreams:\n  local:\n    baseUrl: ${url}\n    streamUsage: false\nmodels:\n  m:\n    upstream: local\n    inputPerMTok: 1\n    outputPerMTok: 2\n`,
    );
    expect(loadGatewayConfig(join(dir, 'g.yaml')).upstreams.local!.streamUsage).toBe(false);
    writeFileSync(join(dir, 'g.json'), '{"upstreams": ');
    try {
      loadGatewayConfig(join(dir, 'g.json'));
      expect.unreachable();
    } catch (e) {
      expect((e as LlmrError).where).toBe(join(dir, 'g.json'));
      expect((e as LlmrError).message).toContain('not valid JSON');
    }
    writeFileSync(join(dir, 'bad.yml'), 'upstreams:\n  local:\n    baseUrl: 42\nmodels: {}\n');
    expect(field(() => loadGatewayConfig(join(dir, 'bad.yml')))).toBe('upstreams.local.baseUrl');
  });

  it('refuses at start a router whose candidates the config lacks, listing both sets; a missing key variable is named', async () => {
    const tiny = await tinyKnnRouter();
    const config = parseGatewayConfig({
      upstreams: { a: { baseUrl: url } },
      models: { strong: { upstream: 'a', inputPerMTok: 1, outputPerMTok: 2 }, other: { upstream: 'a', inputPerMTok: 1, outputPerMTok: 2 } },
    });
    expect(() => createGatewayRouter({ getRouter: () => tiny, config })).toThrow(
      /lacks 1 of router tiny\/v1's candidate models: weak\. Router candidates: strong, weak; configured models: strong, other/,
    );
    expect(() => checkRouterCandidates(config, ['strong'])).not.toThrow();
    const keyed = parseGatewayConfig({
      upstreams: { a: { baseUrl: url, apiKeyEnv: 'LLMR_TEST_NO_SUCH_KEY' } },
      models: { strong: { upstream: 'a', inputPerMTok: 1, outputPerMTok: 2 }, weak: { upstream: 'a', inputPerMTok: 1, outputPerMTok: 2 } },
    });
    expect(() => createGatewayRouter({ getRouter: () => tiny, config: keyed, env: {} })).toThrow(/\$LLMR_TEST_NO_SUCH_KEY, which is not set/);
  });

  it("sends the key from the named variable as a bearer token, never the client's", async () => {
    h = await startHarness(router, {}, (u) => configFor(u, {}, { a: { apiKeyEnv: 'UPSTREAM_A_KEY' } }), { env: { UPSTREAM_A_KEY: 'sk-upstream' } });
    await postChat(h.base, chatBody(MATH), { authorization: 'Bearer client-key' });
    expect(h.mock.requests[0]!.headers.authorization).toBe('Bearer sk-upstream');
    await postChat(h.base, chatBody(POEM), { authorization: 'Bearer client-key' });
    expect(h.mock.requests[1]!.headers.authorization).toBeUndefined();
  });
});

describe('small parts', () => {
  it('model selector, backoff bounds, Retry-After', () => {
    expect(parseModelSelector('router')).toEqual({ kind: 'router', name: null, calibration: null });
    expect(parseModelSelector('router:mf:share-30')).toEqual({ kind: 'router', name: 'mf', calibration: 'share-30' });
    expect(parseModelSelector('gpt-4o')).toEqual({ kind: 'model', model: 'gpt-4o' });
    const o = { baseDelayMs: 100, maxDelayMs: 1_000 };
    expect(backoffDelay(0, o, () => 1)).toBe(100);
    expect(backoffDelay(3, o, () => 1)).toBe(800);
    expect(backoffDelay(10, o, () => 1)).toBe(1_000);
    expect(backoffDelay(2, o, () => 0.5)).toBe(200);
    expect(retryAfterMs('2')).toBe(2_000);
    expect(retryAfterMs(null)).toBeNull();
    expect(retryAfterMs(new Date(10_000).toUTCString(), 5_000)).toBe(5_000);
  });
});
