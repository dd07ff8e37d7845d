import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliSandbox } from '../helpers/cli.js';
import { syntheticRecords } from '../helpers/tinyRouter.js';

const { tmp, llmr } = cliSandbox('llmr-cli-');

describe('llmr CLI (smoke)', () => {
  it('doctor reports the backend and why others are unavailable', async () => {
    const r = await llmr('doctor', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as {
      backend: { name: string; attempts: { name: string; ok: boolean; reason?: string }[] };
      featurizers: { kind: string }[];
      featurizerPresets: Record<string, { kind: string }>;
    };
    expect(['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu']).toContain(j.backend.name);
    for (const a of j.backend.attempts.filter((x) => !x.ok)) expect(a.reason).toBeTruthy();
    expect(j.featurizers.map((f) => f.kind)).toContain('hashing');
    expect(j.featurizerPresets['hashing+stats']?.kind).toBe('concat');
  });

  it('train router --featurizer hashing+stats records the concat featurizer it stands for; a preset with a config is refused', async () => {
    const data = join(tmp, 'train-stats.jsonl');
    writeFileSync(
      data,
      syntheticRecords(60)
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n',
    );
    const t = await llmr('train', 'router', 'knn', '--data', data, '--params', '{"k":5}', '--featurizer', 'hashing+stats', '--name', 'cli-stats');
    expect(t.code, t.stderr).toBe(0);
    const i = await llmr('models', 'inspect', 'cli-stats');
    expect(i.code, i.stderr).toBe(0);
    const m = JSON.parse(i.stdout) as { featurizer: { kind: string; config: { parts: { kind: string }[] } } };
    expect(m.featurizer.kind).toBe('concat');
    expect(m.featurizer.config.parts.map((p) => p.kind)).toEqual(['hashing', 'textstats']);
    const bad = await llmr('train', 'router', 'knn', '--data', data, '--featurizer', 'hashing+stats', '--featurizer-config', '{"dim":8}');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('featurizer.config');
  });

  it('train router knn → route → models list/inspect/verify; tampering is detected', async () => {
    const data = join(tmp, 'train.jsonl');
    writeFileSync(
      data,
      syntheticRecords(60)
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n',
    );
    const t = await llmr('train', 'router', 'knn', '--data', data, '--params', '{"k":5}', '--featurizer-config', '{"dim":512}', '--name', 'cli-knn');
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/saved knn router cli-knn\//);
    const r = await llmr('route', 'solve the equation and compute the integral', '--router', 'cli-knn', '--wtp', '1', '--json');
    expect(r.code, r.stderr).toBe(0);
    const decision = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(decision.model).toBe('strong');
    // the body POST /route returns: same field names (alternatives, not ranked; guard: the Zero-router guard is on by default)
    expect(Object.keys(decision)).toEqual(['model', 'reason', 'policy', 'scores', 'alternatives', 'explanation', 'guard', 'router']);
    expect((decision.alternatives as { model: string }[]).map((a) => a.model).sort()).toEqual(['strong', 'weak']);
    expect((await llmr('--version')).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect((await llmr('models', 'list')).stdout).toMatch(/cli-knn\/\S+\s+router:knn/);
    const inspect = JSON.parse((await llmr('models', 'inspect', 'cli-knn')).stdout) as { files: Record<string, string>; candidates: string[] };
    expect(inspect.candidates).toEqual(['strong', 'weak']);
    expect((await llmr('models', 'verify')).code).toBe(0);
    const dir = join(tmp, 'models', 'cli-knn');
    const version = (await llmr('models', 'list', '--json')).stdout;
    const v = (JSON.parse(version) as { version: string }[])[0]!.version;
    const f = join(dir, v, Object.keys(inspect.files)[0]!);
    const bytes = readFileSync(f);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    writeFileSync(f, bytes);
    const bad = await llmr('models', 'verify');
    expect(bad.code).toBe(3);
    expect(bad.stdout).toMatch(/corrupted/);
  });

  it('bad input gives a clear error naming the field, exit 2, no stack trace', async () => {
    const bad = join(tmp, 'bad.jsonl');
    writeFileSync(bad, '{"id":"a","prompt":"p","scores":{"m":1}}\n{"id":"b","prompt":"q","scores":{"m":"high"}}\n');
    const r = await llmr('train', 'router', 'knn', '--data', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/line 2/);
    expect(r.stderr).toMatch(/scores/);
    expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
    const u = await llmr('train', 'router', 'nope', '--data', bad);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/valid: knn/);
    const p = await llmr('route', 'x', '--router', 'missing-router');
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/no artifact/);
  });

  it('demo trains on the bundled sample, prints the held-out table and saves the artifact (offline)', async () => {
    const r = await llmr('demo', '--no-serve');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| oracle/);
    expect(r.stdout).toMatch(/kNN router, max quality\*\* \| 0\.\d{3}/);
    expect(r.stdout).toMatch(/saved the router artifact/);
  });
});
