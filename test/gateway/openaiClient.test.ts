import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouterPipeline } from '../../src/routers/RouterPipeline.js';
import { MATH, POEM, startHarness, threeModelRouter, until, type Harness } from './harness.js';

let router: RouterPipeline;
let h: Harness;
let client: OpenAI;

beforeAll(async () => {
  router = await threeModelRouter();
  h = await startHarness(router, { defaults: { wordsPerChunk: 1 } });
  client = new OpenAI({ baseURL: `${h.base}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(() => h.close());

describe('gateway through the real openai SDK (v6)', () => {
  it('non-streaming: routes a maths prompt to the strong model, bills from usage, names what answered', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'router', messages: [{ role: 'user', content: MATH }] }).withResponse();
    expect(data.model).toBe('up-strong');
    expect(data.choices[0]!.message.content).toBe(`echo: ${MATH}`);
    expect(response.headers.get('x-llmr-model')).toBe('strong');
    expect(response.headers.get('x-llmr-router-version')).toBe('tiny3/v1');
    const routeId = response.headers.get('x-llmr-route-id');
    expect(routeId).toMatch(/^[0-9a-f-]{36}$/);
    const usage = data.usage!;
    const expected = (usage.prompt_tokens * 10 + usage.completion_tokens * 30) / 1e6;
    expect(Number(response.headers.get('x-llmr-cost-usd'))).toBeCloseTo(expected, 12);
    expect(response.headers.get('x-llmr-tokens-estimated')).toBe('false');
    await until(() => h.sink.records.some((r) => r.routeId === routeId));
    const rec = h.sink.records.find((r) => r.routeId === routeId)!;
    expect(rec).toMatchObject({
      source: 'gateway',
      chosenModel: 'strong',
      answeredModel: 'strong',
      status: 'ok',
      tokensEstimated: false,
      inputTokens: usage.prompt_tokens,
      outputTokens: usage.completion_tokens,
      routerName: 'tiny3',
      routerVersion: 'v1',
      prompt: null,
    });
    expect(rec.costUsd).toBeCloseTo(expected, 12);
    expect(rec.attempts).toEqual([expect.objectContaining({ model: 'strong', upstream: 'a', status: 200 })]);
    expect(rec.promptHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('streaming: chunks pass through, the usage the gateway asked for is billed but not forwarded', async () => {
    const before = h.sink.records.length;
    const stream = await client.chat.completions.create({ model: 'router', messages: [{ role: 'user', content: POEM }], stream: true });
    const parts: string[] = [];
    let sawUsage = false;
    const models = new Set<string>();
    for await (const chunk of stream) {
      models.add(chunk.model);
      if (chunk.usage) sawUsage = true;
      parts.push(chunk.choices[0]?.delta?.content ?? '');
    }
    expect(parts.join('')).toBe(`echo: ${POEM}`);
    expect(models).toEqual(new Set(['up-weak']));
    expect(sawUsage).toBe(false);
    const upstreamReq = h.mock.requests.at(-1)!;
    expect(upstreamReq.body.stream_options).toEqual({ include_usage: true });
    await until(() => h.sink.records.length > before);
    const rec = h.sink.records.at(-1)!;
    expect(rec).toMatchObject({ answeredModel: 'weak', status: 'ok', tokensEstimated: false, outputTokens: POEM.split(' ').length + 1 });
    expect(rec.costUsd).toBeCloseTo((rec.inputTokens! * 0.5 + rec.outputTokens! * 1.5) / 1e6, 12);
  });

  it('streaming with include_usage asked by the client: the usage chunk reaches it', async () => {
    const stream = await client.chat.completions.create({
      model: 'router',
      messages: [{ role: 'user', content: MATH }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    expect(usage?.completion_tokens).toBe(MATH.split(' ').length + 1);
  });

  it('GET /v1/models lists the router ids and every configured model', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(['router', 'router:tiny3', 'strong', 'mid', 'weak']);
  });

  it('a concrete model id is a plain proxy; an unknown one is a 404 the SDK raises with the list', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'mid', messages: [{ role: 'user', content: MATH }] }).withResponse();
    expect(data.model).toBe('up-mid');
    expect(response.headers.get('x-llmr-model')).toBe('mid');
    expect(response.headers.get('x-llmr-router-version')).toBeNull();
    const err = await client.chat.completions.create({ model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as Error).message).toContain('strong, mid, weak');
  });

  it('mid-stream failure: the SDK raises, and the gateway did not retry', async () => {
    h.mock.behave('up-strong', { failAfterChunks: 2, chunkDelayMs: 30 });
    const n0 = h.mock.requests.length;
    const before = h.sink.records.length;
    try {
      const stream = await client.chat.completions.create({ model: 'router', messages: [{ role: 'user', content: MATH }], stream: true });
      const got: string[] = [];
      const err = await (async () => {
        for await (const c of stream) got.push(c.choices[0]?.delta?.content ?? '');
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect((err as Error).message).toContain('upstream stream failed');
      expect(got.join('')).toBe('echo: solve ');
      expect(h.mock.requests.length - n0).toBe(1);
      await until(() => h.sink.records.length > before);
      const rec = h.sink.records.at(-1)!;
      expect(rec.status).toBe('upstream_stream_error');
      expect(rec.attempts.length).toBe(1);
      expect(rec.tokensEstimated).toBe(true);
    } finally {
      h.mock.behave('up-strong', null);
    }
  });
});
