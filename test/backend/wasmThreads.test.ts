import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LlmrError } from '../../src/errors.js';
import { MAX_WASM_THREADS, parseWasmThreads } from '../../src/backend/wasmThreads.js';

const ROOT = join(import.meta.dirname, '..', '..');

interface Probe {
  label: string;
  threads: number;
  product: number[];
  predictions: number[][];
}

function probe(threads: string): Probe {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'backend', 'wasmProbe.ts')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, LLMR_WASM_THREADS: threads },
  });
  // A pool that kept the process alive would hit the timeout (status null, signal SIGTERM).
  expect(r.signal, `probe with ${threads} threads did not exit: ${r.stderr}`).toBeNull();
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Probe;
}

describe('wasm threads under Node', () => {
  it('starts the threaded build with the requested pool, gives the same numbers as one thread, and exits', () => {
    const one = probe('1');
    const two = probe('2');
    expect(one.threads).toBe(1);
    expect(one.label).toBe('wasm (1 thread)');
    // 2 threads even on a 2-core machine, where tfjs' own rule (cores / 2) would give 1.
    expect(two.threads).toBe(2);
    expect(two.label).toBe('wasm (2 threads)');
    // XNNPACK splits the output, not the reductions, so the pool size changes no number: same seed, same weights.
    expect(two.product).toEqual(one.product);
    expect(two.predictions).toEqual(one.predictions);
  }, 240_000);

  it('parses LLMR_WASM_THREADS and rejects bad values with the field and the fix', () => {
    expect(parseWasmThreads('3')).toBe(3);
    expect(parseWasmThreads('auto')).toBeGreaterThanOrEqual(1);
    expect(parseWasmThreads(undefined)).toBeLessThanOrEqual(MAX_WASM_THREADS);
    for (const bad of ['0', '9', '1.5', 'many']) {
      let err: unknown;
      try {
        parseWasmThreads(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LlmrError);
      expect((err as LlmrError).field).toBe('LLMR_WASM_THREADS');
      expect((err as LlmrError).message).toContain(bad);
    }
  });
});
