import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { LlmrError } from '../errors.js';

/**
 * Multi-threaded TF.js wasm under Node.
 *
 * tfjs-backend-wasm ships a threaded SIMD build (XNNPACK on a pthreadpool of Emscripten workers) but never
 * uses it under Node, for three reasons, each worked around here without touching node_modules:
 *
 * 1. Its WASM_HAS_MULTITHREAD_SUPPORT flag returns false whenever IS_NODE (tfjs issue #3830). We set it.
 * 2. It hands the Emscripten worker script and the main script to the workers as `blob:` URLs, which Node's
 *    `worker_threads` cannot load. We write both scripts to files once (content-addressed, atomic rename)
 *    and, only while the backend initialises, answer `URL.createObjectURL` for the worker script with that
 *    file's path; the worker file itself resolves the main-script blob to the main-script file.
 * 3. Its C++ side caps the pool at `emscripten_num_logical_cores() / 2` (assuming 2-way SMT), so a 2-vCPU
 *    container gets 1 thread. `emscripten_num_logical_cores()` is `require("os").cpus().length` under Node,
 *    read once when the module starts; we report 2 × the requested count for the duration of the start.
 *
 * Workers are unref'd afterwards, so an idle pool never keeps the process alive.
 */

const require = createRequire(import.meta.url);

/** tfjs pre-creates 8 workers and caps the pool at 8 (PTHREAD_POOL_SIZE in its build). */
export const MAX_WASM_THREADS = 8;

/**
 * Threads when none is configured: every core the process may use, at most 8 (tfjs' pool size). tfjs' own rule
 * (half the logical cores, assuming 2-way SMT) gives 1 on a 2-vCPU VM, where 2 threads measured no worse: over 4
 * runs of bench:train, MLP epochs 1.08× and MF epochs 1.01× faster on average (single runs 0.76–1.34×, noise as
 * large as the effect), batch prediction 1.2–1.6× faster.
 */
export function defaultWasmThreads(): number {
  return Math.max(1, Math.min(MAX_WASM_THREADS, os.availableParallelism()));
}

/** Parse LLMR_WASM_THREADS-style values: '' or 'auto' → defaultWasmThreads(), else an integer 1..8. */
export function parseWasmThreads(value: string | undefined, field = 'LLMR_WASM_THREADS'): number {
  if (value === undefined || value.trim() === '' || value.trim() === 'auto') return defaultWasmThreads();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WASM_THREADS)
    throw new LlmrError(`${field} must be "auto" or an integer from 1 to ${MAX_WASM_THREADS}, got "${value}"`, {
      field,
      fix: `set ${field}=auto (every core, at most ${MAX_WASM_THREADS}) or a number of threads from 1 to ${MAX_WASM_THREADS}`,
    });
  return n;
}

interface ScriptFiles {
  main: string;
  worker: string;
}

/** Write the threaded build's main and worker scripts to a content-addressed folder (once per version). */
function scriptFiles(): ScriptFiles {
  const factory = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js') as () => unknown;
  const { wasmWorkerContents } = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as { wasmWorkerContents: string };
  // Same text tfjs would put in its blobs: the factory as a global, and the worker source with its
  // template-literal newlines re-escaped (they sit inside string literals of the minified worker).
  const mainText = `var WasmBackendModuleThreadedSimd = ${factory.toString()}`;
  const workerBody = wasmWorkerContents.replace(/\n/g, '\\n');
  const digest = createHash('sha256').update(mainText).update('\0').update(workerBody).digest('hex').slice(0, 16);
  const dir = join(os.tmpdir(), `llmr-tfjs-wasm-threads-${digest}`);
  const main = join(dir, 'main.js');
  const worker = join(dir, 'worker.cjs');
  // The worker receives the main script as a Blob and turns it into a URL before importScripts(): point that
  // at the file instead.
  const workerText = `URL.createObjectURL = () => ${JSON.stringify(main)}; URL.revokeObjectURL = () => {};\n${workerBody}`;
  if (!existsSync(main) || !existsSync(worker)) {
    mkdirSync(dir, { recursive: true });
    for (const [path, text] of [
      [main, mainText],
      [worker, workerText],
    ] as const) {
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, path);
    }
  }
  return { main, worker };
}

interface WasmModuleLike {
  PThread?: { runningWorkers?: { unref(): void }[]; unusedWorkers?: { unref(): void }[] };
}

/**
 * Start the wasm backend with `threads` XNNPACK threads (1 = the single-threaded SIMD build). Returns the
 * thread count the backend reports. Must run before the wasm backend is first initialised in this process.
 */
export async function startWasm(threads: number): Promise<number> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (threads <= 1 || typeof SharedArrayBuffer === 'undefined') {
    if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend did not initialise');
    return wasm.getThreadsCount();
  }
  let files: ScriptFiles;
  try {
    files = scriptFiles();
  } catch {
    // No writable temp folder: the single-threaded build still works.
    if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend did not initialise');
    return wasm.getThreadsCount();
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  URL.createObjectURL = (obj: Blob) => (obj instanceof Blob && obj.type === 'application/javascript' ? files.worker : createObjectURL(obj));
  os.cpus = () => {
    const one = cpus()[0]!;
    return Array.from({ length: 2 * threads }, () => one);
  };
  let started = false;
  try {
    started = await tf.setBackend('wasm');
  } catch {
    started = false;
  } finally {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
  }
  if (!started) {
    // Fall back to the single-threaded build rather than no wasm at all.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend did not initialise (threaded and single-threaded builds both failed)');
    return wasm.getThreadsCount();
  }
  const module = (tf.backend() as unknown as { wasm: WasmModuleLike }).wasm;
  for (const w of [...(module.PThread?.runningWorkers ?? []), ...(module.PThread?.unusedWorkers ?? [])]) w.unref();
  return wasm.getThreadsCount();
}
