import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { LlmrError } from '../errors.js';
import { recordsDigest } from './digest.js';
import { readTextFile, writeFileAtomic, writeJson, writeJsonl } from './files.js';
import { importDataset } from './importers/registry.js';
import type { PairwiseRecord, ScoreRecord } from './schemas.js';
import { promptUnit } from './split.js';

/** What the bundled sample holds (data/sample/MANIFEST.json); the sample test checks the files against it. */
export const SampleManifestSchema = z.object({
  description: z.string(),
  generatedBy: z.string(),
  files: z.record(
    z.string(),
    z.object({
      kind: z.enum(['scores', 'pairwise', 'prices']),
      rows: z.number().int().nonnegative(),
      /** recordsDigest of the parsed records (prices: of [the price object]). */
      digest: z.string().regex(/^[0-9a-f]{64}$/),
      source: z.string(),
      license: z.string(),
      note: z.string().optional(),
    }),
  ),
});
export type SampleManifest = z.infer<typeof SampleManifestSchema>;

export const SAMPLE_TRAIN_ROWS = 2500;
const SAMPLE_SALT = 'llmr-sample-v1';

/**
 * Up to `n` records, stratified by task: each task gets its proportional share (largest remainder), and
 * within a task the records with the smallest salted prompt hash are taken. Output keeps input order.
 */
export function stratifiedSample<T extends { prompt: string; task?: string }>(records: readonly T[], n: number, salt = SAMPLE_SALT): T[] {
  if (records.length <= n) return [...records];
  const byTask = new Map<string, number[]>();
  records.forEach((r, i) => {
    const t = r.task ?? '';
    (byTask.get(t) ?? byTask.set(t, []).get(t)!).push(i);
  });
  const tasks = [...byTask.keys()].sort();
  const exact = tasks.map((t) => (byTask.get(t)!.length * n) / records.length);
  const quota = exact.map(Math.floor);
  let left = n - quota.reduce((a, b) => a + b, 0);
  const order = tasks.map((_, k) => k).sort((a, b) => exact[b]! - quota[b]! - (exact[a]! - quota[a]!) || a - b);
  for (const k of order) {
    if (left <= 0) break;
    quota[k]!++;
    left--;
  }
  const keep = new Set<number>();
  tasks.forEach((t, k) => {
    const idx = byTask.get(t)!;
    const ranked = idx.map((i) => [promptUnit(records[i]!.prompt + '\u0000' + i, salt), i] as const).sort((a, b) => a[0] - b[0]);
    for (const [, i] of ranked.slice(0, quota[k])) keep.add(i);
  });
  return records.filter((_, i) => keep.has(i));
}

/**
 * Regenerate the bundled offline sample from the shared data: only MIT / Apache-2.0 sets (LLMRouter,
 * PandaLM). Writes <outDir>/sample/*.jsonl.gz, llmrouter-prices.json, MANIFEST.json and
 * <outDir>/licenses/*. Returns the manifest.
 */
export async function makeSample(sharedDir: string, outDir: string): Promise<SampleManifest> {
  const sampleDir = join(outDir, 'sample');
  mkdirSync(sampleDir, { recursive: true });
  mkdirSync(join(outDir, 'licenses'), { recursive: true });
  const llm = await importDataset('llmrouter', join(sharedDir, 'llmrouter-ulab-9model'));
  const panda = await importDataset('pandalm', join(sharedDir, 'pandalm-human-pairwise'));
  if (llm.kind !== 'scores' || panda.kind !== 'pairwise' || !llm.prices) throw new LlmrError('unexpected importer output while making the sample');
  const test = llm.splits.test!;
  // the source's train and test share 119 questions: leave them out of the train sample so the demo's
  // held-out evaluation is leak-free
  const testPrompts = new Set(test.map((r) => r.prompt));
  const trainPool = llm.splits.train!.filter((r) => !testPrompts.has(r.prompt));
  const train = stratifiedSample(trainPool, SAMPLE_TRAIN_ROWS);
  const pairs: PairwiseRecord[] = panda.splits.all!;
  const files: SampleManifest['files'] = {};
  const llmSource = 'github.com/ulab-uiuc/LLMRouter@4e7a796942ce26e9d5f2b93191c7c2585c99c2e3 data/dcrouter_preprocessed + query_data';
  const put = (name: string, records: ScoreRecord[] | PairwiseRecord[], kind: 'scores' | 'pairwise', source: string, license: string, note?: string) => {
    writeJsonl(join(sampleDir, name), records);
    files[name] = { kind, rows: records.length, digest: recordsDigest(records), source, license, ...(note ? { note } : {}) };
  };
  put(
    'llmrouter-train.jsonl.gz',
    train,
    'scores',
    llmSource,
    'MIT',
    `${train.length} of ${llm.splits.train!.length} train rows, stratified by task (salted prompt hash), after dropping the ${llm.splits.train!.length - trainPool.length} whose question is also in test`,
  );
  put('llmrouter-test.jsonl.gz', test, 'scores', llmSource, 'MIT', 'all test rows');
  writeJson(join(sampleDir, 'llmrouter-prices.json'), llm.prices);
  files['llmrouter-prices.json'] = {
    kind: 'prices',
    rows: Object.keys(llm.prices).length,
    digest: recordsDigest([llm.prices]),
    source: 'github.com/ulab-uiuc/LLMRouter@4e7a796942ce26e9d5f2b93191c7c2585c99c2e3 data/example_data/llm_candidates/default_llm.json',
    license: 'MIT',
  };
  put(
    'pandalm-pairs.jsonl.gz',
    pairs,
    'pairwise',
    'github.com/WeOpenML/PandaLM@3871806e72b4832f815ecafd24d3503c73403f48 data/testset-v1.json',
    'Apache-2.0',
    'all 999 human-labelled pairs, majority winner + 3 votes',
  );
  // byte copies of the upstream licenses (write + rename: the shared copies are read-only)
  writeFileAtomic(join(outDir, 'licenses', 'LLMRouter-LICENSE'), readFileSync(join(sharedDir, 'llmrouter-ulab-9model', 'LICENSE')));
  writeFileAtomic(join(outDir, 'licenses', 'PandaLM-LICENSE'), readFileSync(join(sharedDir, 'pandalm-human-pairwise', 'LICENSE')));
  const manifest: SampleManifest = {
    description: 'Offline demo sample: LLMRouter score tables (MIT) and PandaLM human pairwise labels (Apache-2.0). See ../ATTRIBUTION.md.',
    generatedBy: 'llmr data make-sample',
    files,
  };
  writeJson(join(sampleDir, 'MANIFEST.json'), manifest);
  return manifest;
}

/** Read and zod-check data/sample/MANIFEST.json. */
export function readSampleManifest(path: string): SampleManifest {
  const r = SampleManifestSchema.safeParse(JSON.parse(readTextFile(path)));
  if (!r.success)
    throw new LlmrError(`${path}: invalid manifest: ${r.error.issues[0]!.message}`, {
      where: path,
      field: r.error.issues[0]!.path.join('.'),
      fix: 'regenerate with llmr data make-sample',
    });
  return r.data;
}
