import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../serve/app.js';
import { loadRankService } from '../../serve/rankService.js';
import { RankerPipeline } from '../../src/rankers/RankerPipeline.js';
import { initBackend } from '../../src/backend/backend.js';
import { syntheticPairs } from '../rankers/synthetic.js';

let server: Server;
let base: string;

beforeAll(async () => {
  await initBackend();
  const p = await RankerPipeline.train(syntheticPairs(300, 1), {
    kind: 'pairwise',
    params: { epochs: 15 },
    featurizer: { kind: 'hashing', config: { dim: 512 } },
    meta: { name: 'rank-test', version: 'v1' },
  });
  const dir = join(mkdtempSync(join(tmpdir(), 'llmr-rank-')), 'r', 'v1');
  await p.save(dir);
  const app = createApp({ ranker: await loadRankService(dir), backend: 'test' });
  server = await new Promise<Server>((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const post = (body: unknown) => fetch(base + '/rank', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('POST /rank (artifact loaded through the service loader)', () => {
  it('ranks the good response first with a full pairwise matrix', async () => {
    const r = await post({
      prompt: 'tell me about tide pools',
      responses: [
        { text: 'it is a vague wrong answer about tide pools', model: 'm1' },
        { text: 'the precise correct answer about tide pools', model: 'm2' },
        { text: 'a vague wrong answer about tide pools and this' },
      ],
    });
    expect(r.status).toBe(200);
    const j = (await r.json()) as { ranking: { index: number; score: number }[]; matrix: (number | null)[][]; ranker: { name: string } };
    expect(j.ranking[0]!.index).toBe(1);
    expect(j.matrix[0]![1]! + j.matrix[1]![0]!).toBeCloseTo(1, 10);
    expect(j.ranker.name).toBe('rank-test');
  });

  it.each([
    [{ prompt: 'x', responses: [{ text: 'only one' }] }, 'responses'],
    [{ prompt: 'x', responses: [{ text: 'a' }, { txt: 'b' }] }, 'responses[1]'],
    [{ prompt: 'x', responses: [{ text: 'a' }, { text: 'b' }], method: 'borda' }, 'method'],
  ])('rejects %j with 400 naming %s', async (body, field) => {
    const r = await post(body);
    expect(r.status).toBe(400);
    const j = (await r.json()) as { field: string };
    expect(j.field.startsWith(field)).toBe(true);
  });

  it('accepts plain strings as responses (mixed with objects)', async () => {
    const r = await post({ prompt: 'what is 2+2?', responses: ['4', 'The answer is 4', { text: 'five', model: 'm3' }] });
    expect(r.status).toBe(200);
    const j = (await r.json()) as { ranking: { index: number }[] };
    expect(j.ranking.map((x) => x.index).sort()).toEqual([0, 1, 2]);
  });

  it.each([
    [{ prompt: '', responses: ['a', 'b'] }, 'prompt'],
    [{ prompt: '   ', responses: ['a', 'b'] }, 'prompt'],
    [{ prompt: 'x', responses: ['a', ''] }, 'responses[1]'],
    [{ prompt: 'x', responses: [{ text: '' }, 'b'] }, 'responses[0].text'],
    [{ prompt: 'x', responses: ['a', 7] }, 'responses[1]'],
  ])('rejects empty prompts and texts: %j → 400 naming %s', async (body, field) => {
    const r = await post(body);
    expect(r.status).toBe(400);
    const j = (await r.json()) as { field: string; message: string; fix: string };
    expect(j.field).toBe(field);
    expect(j.message).not.toMatch(/Invalid input$/);
    expect(j.fix).toBeTruthy();
  });
});
