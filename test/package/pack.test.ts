import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';

/**
 * The package as a user gets it: `npm pack` (its `prepare` builds dist/), the tarball unpacked into a fresh
 * project's node_modules (offline: its dependencies are linked from this checkout's node_modules instead of
 * downloaded), then plain Node — no tsx, no sources — imports it, trains a tiny router, routes, and the
 * `llmr` bin runs.
 */
const repo = resolve(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'llmr-pack-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('npm pack → install into a temp project → import, train, route; the llmr bin runs', { timeout: 600_000 }, () => {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const { filename, files } = (JSON.parse(out) as { filename: string; files: { path: string }[] }[])[0]!;
  const paths = files.map((f) => f.path);
  expect(paths).toContain('dist/src/index.js');
  expect(paths).toContain('dist/src/index.d.ts');
  expect(paths).toContain('dist/training/cli.js');
  expect(paths.some((p) => p.startsWith('src/') || p.startsWith('test/'))).toBe(false);

  const project = join(tmp, 'project');
  const pkgDir = join(project, 'node_modules', 'llm-router-tfjs');
  mkdirSync(pkgDir, { recursive: true });
  execFileSync('tar', ['-xzf', join(tmp, filename), '-C', pkgDir, '--strip-components=1']);
  for (const dep of readdirSync(join(repo, 'node_modules')))
    if (dep !== '.bin' && dep !== 'llm-router-tfjs') symlinkSync(join(repo, 'node_modules', dep), join(project, 'node_modules', dep));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
  writeFileSync(
    join(project, 'use.mjs'),
    `import { initBackend, buildTrainingSet, fitRouter, HashingFeaturizer, PriceTable, RouterPipeline, routers, libraryVersion } from 'llm-router-tfjs';
await initBackend('cpu');
const records = Array.from({ length: 40 }, (_, i) => ({ id: 'r' + i, prompt: (i % 2 ? 'integral of x squared ' : 'write a poem about the sea ') + i, scores: { math: i % 2 ? 1 : 0, poet: i % 2 ? 0 : 1 } }));
const f = await new HashingFeaturizer({ dim: 256, charNgrams: null }).fit(records.map((r) => r.prompt));
const data = buildTrainingSet(records, await f.transform(records.map((r) => r.prompt)));
const router = await fitRouter('knn', { k: 5 }, data, { seed: 1 });
const p = new RouterPipeline(f, router, new PriceTable({ math: { perCall: 0.002 }, poet: { perCall: 0.001 } }), { name: 'tiny', version: 'v1' });
const d = await p.route({ prompt: 'integral of x cubed', policy: { kind: 'max-quality' } });
console.log(JSON.stringify({ model: d.model, kinds: routers.kinds, version: libraryVersion() }));
`,
  );
  const used = JSON.parse(execFileSync('node', ['use.mjs'], { cwd: project, encoding: 'utf8' }).trim().split('\n').pop()!) as {
    model: string;
    kinds: string[];
    version: string;
  };
  const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
  expect(used).toEqual({ model: 'math', kinds: ['knn', 'mlp', 'mf', 'contrastive', 'elo'], version });

  const bin = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { bin: { llmr: string } }).bin.llmr;
  expect(execFileSync('node', [join(pkgDir, bin), '--version'], { cwd: project, encoding: 'utf8' }).trim()).toBe(version);
  expect(execFileSync('node', [join(pkgDir, bin), 'train', 'router', '--help'], { cwd: project, encoding: 'utf8' })).toMatch(
    /knn \| mlp \| mf \| contrastive \| elo/,
  );
});
