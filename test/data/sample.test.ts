import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recordsDigest } from '../../src/data/digest.js';
import { readRecords } from '../../src/data/readRecords.js';
import { makeSample, readSampleManifest, stratifiedSample } from '../../src/data/sample.js';
import { PriceTableSchema } from '../../src/prices/PriceTable.js';
import { describeShared, SHARED_DATA } from '../helpers/shared.js';

const DATA = join(import.meta.dirname, '..', '..', 'data');
const SAMPLE = join(DATA, 'sample');

describe('bundled sample (data/sample, no shared data needed)', () => {
  const manifest = readSampleManifest(join(SAMPLE, 'MANIFEST.json'));
  it('lists the four files, all MIT or Apache-2.0', () => {
    expect(Object.keys(manifest.files).sort()).toEqual([
      'llmrouter-prices.json',
      'llmrouter-test.jsonl.gz',
      'llmrouter-train.jsonl.gz',
      'pandalm-pairs.jsonl.gz',
    ]);
    for (const f of Object.values(manifest.files)) expect(['MIT', 'Apache-2.0']).toContain(f.license);
  });
  it('every record file parses and matches the manifest rows and digest', async () => {
    for (const [name, f] of Object.entries(manifest.files)) {
      if (f.kind === 'prices') continue;
      const recs = await readRecords(join(SAMPLE, name), f.kind);
      expect(recs.length, name).toBe(f.rows);
      expect(recordsDigest(recs), name).toBe(f.digest);
    }
  });
  it('prices parse as a price table for every scored model and match the manifest', async () => {
    const prices = PriceTableSchema.parse(JSON.parse(readFileSync(join(SAMPLE, 'llmrouter-prices.json'), 'utf8')));
    expect(recordsDigest([prices])).toBe(manifest.files['llmrouter-prices.json']!.digest);
    const train = await readRecords(join(SAMPLE, 'llmrouter-train.jsonl.gz'), 'scores');
    expect(Object.keys(train[0]!.scores).sort()).toEqual(Object.keys(prices).sort());
  });
  it('the train sample covers all 14 tasks and its test split is 10 × 50', async () => {
    const train = await readRecords(join(SAMPLE, 'llmrouter-train.jsonl.gz'), 'scores');
    expect(new Set(train.map((r) => r.task)).size).toBe(14);
    const test = await readRecords(join(SAMPLE, 'llmrouter-test.jsonl.gz'), 'scores');
    const n = new Map<string, number>();
    for (const r of test) n.set(r.task!, (n.get(r.task!) ?? 0) + 1);
    expect([...n.values()]).toEqual(Array(10).fill(50));
    // no test prompt leaks into the train sample
    const trainPrompts = new Set(train.map((r) => r.prompt));
    expect(test.filter((r) => trainPrompts.has(r.prompt))).toHaveLength(0);
  });
  it('licenses are bundled', () => {
    expect(readFileSync(join(DATA, 'licenses', 'LLMRouter-LICENSE'), 'utf8')).toMatch(/MIT License/);
    expect(readFileSync(join(DATA, 'licenses', 'PandaLM-LICENSE'), 'utf8')).toMatch(/Apache License/);
  });
});

describe('stratifiedSample', () => {
  it('allocates proportionally per task and is deterministic', () => {
    const recs = Array.from({ length: 1000 }, (_, k) => ({ prompt: `p${k}`, task: k < 700 ? 'big' : k < 990 ? 'mid' : 'tiny' }));
    const s = stratifiedSample(recs, 100);
    expect(s).toHaveLength(100);
    const count = (t: string) => s.filter((r) => r.task === t).length;
    expect([count('big'), count('mid'), count('tiny')]).toEqual([70, 29, 1]);
    expect(stratifiedSample(recs, 100)).toEqual(s);
    expect(stratifiedSample(recs.slice(0, 5), 100)).toHaveLength(5);
  });
});

describeShared(
  'make-sample regenerates the bundled sample exactly',
  () => {
    const out = mkdtempSync(join(tmpdir(), 'llmr-sample-'));
    afterAll(() => rmSync(out, { recursive: true, force: true }));
    it('same rows and digests as data/sample/MANIFEST.json', async () => {
      const m = await makeSample(SHARED_DATA, out);
      expect(m).toEqual(readSampleManifest(join(SAMPLE, 'MANIFEST.json')));
    });
  },
  ['llmrouter-ulab-9model'],
  ['pandalm-human-pairwise'],
);
