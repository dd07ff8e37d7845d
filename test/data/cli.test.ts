import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recordsDigest } from '../../src/data/digest.js';
import { writeJsonl } from '../../src/data/files.js';
import { readRecords } from '../../src/data/readRecords.js';
import { describeShared, sharedPath } from '../helpers/shared.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'llmr-cli-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function llmr(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'training', 'llmr.js'), 'data', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const records = Array.from({ length: 300 }, (_, k) => ({
  id: `r${k}`,
  prompt: `question ${k}`,
  task: k % 2 ? 'a' : 'b',
  scores: { big: 1, small: k % 3 ? 1 : 0 },
  cost: { big: 0.01, small: 0.001 },
}));

describe('llmr data (CLI)', () => {
  it('validate: exit 0 on a good file; exit 2 listing file, line and field on a bad one', () => {
    const good = join(dir, 'good.jsonl.gz');
    writeJsonl(good, records);
    const ok = llmr('validate', good);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/300 scores records, 300 valid, 0 invalid/);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, [JSON.stringify(records[0]), '{"id":"x","prompt":"p","scores":{"big":"high"}}', '{"id":"y","prompt":"p","scores":{}}'].join('\n'));
    const r = llmr('validate', bad, '--kind', 'scores');
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/2 invalid/);
    expect(r.stdout).toMatch(/bad\.jsonl line 2: scores\.big: expected number/);
    expect(r.stdout).toMatch(/bad\.jsonl line 3: scores: scores is empty/);
    // a misspelt key is an error, not silently dropped (it used to validate 300/300)
    const costs = join(dir, 'costs.jsonl');
    writeJsonl(
      costs,
      records.map(({ cost, ...r }) => ({ ...r, costs: cost })),
    );
    const c = llmr('validate', costs);
    expect(c.code).toBe(2);
    expect(c.stdout).toMatch(/300 scores records, 0 valid, 300 invalid/);
    expect(c.stdout).toMatch(/costs\.jsonl line 1: unknown key "costs" \(did you mean "cost"\?\)/);
  });
  it('split writes train/validation/test by prompt hash, reproducibly; stats --json summarises', () => {
    const src = join(dir, 'all.jsonl');
    writeJsonl(src, records);
    const s = llmr('split', src, '--out', join(dir, 'split'), '--fractions', '0.6,0.2,0.2', '--salt', 'abc');
    expect(s.code, s.stderr).toBe(0);
    const meta = JSON.parse(readFileSync(join(dir, 'split', 'split.json'), 'utf8')) as { splits: Record<string, { rows: number; digest: string }> };
    expect(Object.values(meta.splits).reduce((a, x) => a + x.rows, 0)).toBe(300);
    expect(meta.splits.train!.rows).toBeGreaterThan(150);
    // a plain sha256 of the prompt reproduces another tool's split (Python: int(sha256(p).hexdigest(), 16) / 2**256 < 0.5)
    const h = llmr('split', src, '--out', join(dir, 'plain'), '--fractions', '0.5,0.5', '--hash', 'sha256');
    expect(h.code, h.stderr).toBe(0);
    const plain = JSON.parse(readFileSync(join(dir, 'plain', 'split.json'), 'utf8')) as { hash: string; method: string };
    expect(plain.hash).toBe('sha256');
    expect(plain.method).toMatch(/int\(sha256\(salt \+ prompt\)\.hexdigest\(\), 16\) \/ 2\^256/);
    const train = readFileSync(join(dir, 'plain', 'train.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { prompt: string }).prompt);
    expect(train.slice(0, 3)).toEqual(['question 0', 'question 1', 'question 4']);
    const st = llmr('stats', join(dir, 'split', 'train.jsonl'), '--json');
    expect(st.code, st.stderr).toBe(0);
    const stats = JSON.parse(st.stdout) as { rows: number; digest: string; models: { model: string; meanScore: number; meanCost: number }[] };
    expect(stats.rows).toBe(meta.splits.train!.rows);
    expect(stats.digest).toBe(meta.splits.train!.digest);
    const big = stats.models.find((m) => m.model === 'big')!;
    expect(big.meanScore).toBe(1);
    expect(big.meanCost).toBeCloseTo(0.01, 12);
  });
  it('errors are one readable line, no stack trace (unknown format, bad fractions)', () => {
    const r = llmr('import', '--format', 'nope', '--input', dir, '--out', join(dir, 'x'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown import format "nope"; valid: routerbench, llmrouter, routellm, pandalm, hh-rlhf/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});

describeShared('llmr data import (CLI, real data)', () => {
  it('pandalm → all.jsonl + import.json with counts, notes and digest', async () => {
    const outDir = join(dir, 'pandalm');
    const r = llmr('import', '--format', 'pandalm', '--input', sharedPath('pandalm-human-pairwise'), '--out', outDir);
    expect(r.code, r.stderr).toBe(0);
    const imp = JSON.parse(readFileSync(join(outDir, 'import.json'), 'utf8')) as {
      kind: string;
      splits: { all: { rows: number; digest: string } };
      notes: string[];
    };
    expect(imp.kind).toBe('pairwise');
    expect(imp.splits.all.rows).toBe(999);
    const back = await readRecords(join(outDir, 'all.jsonl'), 'pairwise');
    expect(recordsDigest(back)).toBe(imp.splits.all.digest);
    expect(imp.notes.join('\n')).toMatch(/tie 105/);
    expect(existsSync(join(outDir, 'prices.json'))).toBe(false);
  });
}, ['pandalm-human-pairwise']);
