import * as tf from '@tensorflow/tfjs';
import { UnknownOptionError } from '../errors.js';
import { parseWasmThreads, startWasm } from './wasmThreads.js';
import { adapterLabel, probeWebGpuAdapter, type AdapterInfo } from './webgpuAdapter.js';

/** TF.js backends in order of preference: native GPU → native CPU → WebGPU → wasm → pure JS. */
export const BACKEND_ORDER = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];

export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  /** Why it is unavailable (missing package, no adapter, ...), when ok is false. */
  reason?: string;
}

export interface BackendInfo {
  /** The backend now running (tf.getBackend() name plus our label). */
  name: BackendName;
  tfName: string;
  attempts: BackendAttempt[];
  /** XNNPACK threads of the wasm backend (1 = single-threaded build); absent for other backends. */
  threads?: number;
  /** The WebGPU adapter Dawn returned (webgpu backend only). */
  adapter?: AdapterInfo;
}

export interface BackendOptions {
  /** Threads for the wasm backend, 1..8 (default: LLMR_WASM_THREADS, else every core up to 8). */
  wasmThreads?: number;
}

let current: BackendInfo | null = null;

function message(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0]!.slice(0, 500);
}

/** Import an optional package; when absent, say so and why it may be absent. */
async function importOptional(pkg: string, why: string): Promise<void> {
  try {
    await import(pkg);
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') throw new Error(`${pkg} is not installed (optional dependency; ${why})`);
    throw e;
  }
}

async function tryBackend(name: BackendName, wasmThreads: number, forced: boolean): Promise<{ tfName: string; threads?: number; adapter?: AdapterInfo }> {
  switch (name) {
    case 'tensorflow-gpu': {
      // Registers the 'tensorflow' backend bound to libtensorflow with CUDA.
      await importOptional('@tensorflow/tfjs-node-gpu', 'its install script downloads libtensorflow with CUDA: needs internet, an NVIDIA GPU and CUDA/cuDNN');
      if (!(await tf.setBackend('tensorflow'))) throw new Error('tfjs-node-gpu loaded but the tensorflow backend did not initialise');
      return { tfName: 'tensorflow' };
    }
    case 'tensorflow': {
      await importOptional('@tensorflow/tfjs-node', 'its install script downloads libtensorflow: needs internet at install time');
      if (!(await tf.setBackend('tensorflow'))) throw new Error('tfjs-node loaded but the tensorflow backend did not initialise');
      return { tfName: 'tensorflow' };
    }
    case 'webgpu': {
      const probe = await probeWebGpuAdapter();
      if (!probe.ok) throw new Error(probe.reason);
      // A software adapter (SwiftShader: Vulkan on the CPU) is correct but slower than wasm: only when asked for.
      if (probe.info.software && !forced)
        throw new Error(`only a software adapter: ${adapterLabel(probe.info)}, slower than wasm; LLMR_BACKEND=webgpu uses it`);
      const g = globalThis as { navigator?: { gpu?: unknown } };
      Object.assign(globalThis, probe.globals);
      Object.defineProperty(globalThis, 'navigator', { value: { ...(g.navigator ?? {}), gpu: probe.gpu }, configurable: true, writable: true });
      await import('@tensorflow/tfjs-backend-webgpu');
      if (!(await tf.setBackend('webgpu'))) throw new Error(`webgpu backend registered but did not initialise on ${adapterLabel(probe.info)}`);
      return { tfName: 'webgpu', adapter: probe.info };
    }
    case 'wasm': {
      const threads = await startWasm(wasmThreads);
      return { tfName: 'wasm', threads };
    }
    case 'cpu': {
      if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend did not initialise');
      return { tfName: 'cpu' };
    }
  }
}

/**
 * Choose and initialise the TF.js backend once per process. `prefer` (or LLMR_BACKEND) forces one; otherwise
 * the first that works in BACKEND_ORDER. Every attempt and its failure reason is reported.
 */
export async function initBackend(prefer: string = process.env.LLMR_BACKEND ?? '', options: BackendOptions = {}): Promise<BackendInfo> {
  if (current && (!prefer || prefer === current.name)) return current;
  if (prefer && !(BACKEND_ORDER as readonly string[]).includes(prefer)) throw new UnknownOptionError('backend', prefer, BACKEND_ORDER, 'LLMR_BACKEND');
  // A bad thread count is a configuration error, not a reason to fall back to another backend.
  const wasmThreads = options.wasmThreads ?? parseWasmThreads(process.env.LLMR_WASM_THREADS);
  const order: BackendName[] = prefer ? [prefer as BackendName] : [...BACKEND_ORDER];
  const attempts: BackendAttempt[] = [];
  for (const name of order) {
    try {
      const { tfName, threads, adapter } = await tryBackend(name, wasmThreads, Boolean(prefer));
      await tf.ready();
      attempts.push({ name, ok: true });
      current = { name, tfName, attempts, ...(threads !== undefined ? { threads } : {}), ...(adapter ? { adapter } : {}) };
      return current;
    } catch (e) {
      attempts.push({ name, ok: false, reason: message(e) });
    }
  }
  const why = attempts.map((a) => `${a.name}: ${a.reason}`).join('; ');
  throw new Error(`no TF.js backend could start (${why})`);
}

/** How to name the running backend to a person: "wasm (2 threads)", "webgpu on google swiftshader (…, software)", ... */
export function backendLabel(info: BackendInfo): string {
  if (info.adapter) return `${info.name} on ${adapterLabel(info.adapter)}`;
  return info.threads === undefined ? info.name : `${info.name} (${info.threads} thread${info.threads === 1 ? '' : 's'})`;
}

/** The backend in use, or null before initBackend(). */
export function currentBackend(): BackendInfo | null {
  return current;
}

/** Probe every backend without switching the running one (for `llmr doctor`). */
export async function probeBackends(): Promise<BackendAttempt[]> {
  const out: BackendAttempt[] = [];
  const probes: Record<BackendName, string> = {
    'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
    tensorflow: '@tensorflow/tfjs-node',
    webgpu: 'webgpu',
    wasm: '@tensorflow/tfjs-backend-wasm',
    cpu: '@tensorflow/tfjs-backend-cpu',
  };
  for (const name of BACKEND_ORDER) {
    try {
      await import(probes[name] as string);
      out.push({ name, ok: true });
    } catch (e) {
      out.push({ name, ok: false, reason: `${probes[name]} not loadable: ${message(e)}` });
    }
  }
  return out;
}
