import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { swiftShaderEnv } from '../../src/backend/webgpuAdapter.js';
import { RANKERS } from '../../src/rankers/registry.js';
import { ROUTERS } from '../../src/routers/registry.js';
import { agreement, DECISION_AGREEMENT, OUTPUT_TOLERANCE, VAL_LOSS_TOLERANCE, type ProbeResult } from './parityShared.js';

/**
 * Every router and ranker kind of the registries trains and predicts on WebGPU kernels and agrees with wasm
 * (tolerances and why: parityShared.ts). Each backend runs in its own child process (parityProbe.ts): TF.js
 * keeps one active backend per process, and the Vulkan loader reads VK_ICD_FILENAMES / LD_LIBRARY_PATH only at
 * process start. Without a hardware adapter the WebGPU side runs on chromium's SwiftShader (Vulkan on the
 * CPU); with neither, the suite prints a skip, and fails under CI=true (.ci/run installs chromium).
 */
const ROOT = join(import.meta.dirname, '..', '..');
const PROBE = join(ROOT, 'test', 'webgpu', 'parityProbe.ts');

function runProbe(env: NodeJS.ProcessEnv): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', PROBE], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 400_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`${env.LLMR_BACKEND} probe exited ${code ?? signal}: ${err.slice(-2000)}`));
      resolve(JSON.parse(line) as ProbeResult);
    });
  });
}

const kinds = [...Object.keys(ROUTERS).map((k) => `router:${k}`), ...Object.keys(RANKERS).map((k) => `ranker:${k}`)];
let wasm: ProbeResult;
let webgpu: ProbeResult;
let skip = '';

describe('WebGPU kernels agree with wasm for every registry kind', () => {
  beforeAll(async () => {
    // A hardware adapter needs no extra environment; otherwise point the Vulkan loader at SwiftShader.
    const gpuEnv = { ...(swiftShaderEnv() ?? process.env), LLMR_BACKEND: 'webgpu' };
    const base = { ...process.env, LLMR_WASM_THREADS: '1' };
    [wasm, webgpu] = await Promise.all([runProbe({ ...base, LLMR_BACKEND: 'wasm' }), runProbe({ ...base, ...gpuEnv, LLMR_WASM_THREADS: '1' })]);
    if (webgpu.unavailable) {
      skip = `no WebGPU adapter: ${webgpu.unavailable}`;
      if (process.env.CI === 'true')
        throw new Error(`${skip} (under CI=true the WebGPU suite must run: .ci/run installs chromium for its SwiftShader Vulkan driver)`);
      console.warn(`[skip] ${skip}`);
      return;
    }
    console.log(
      `[webgpu] ${webgpu.label}; ${Object.entries(webgpu.kinds)
        .map(([k, v]) => `${k} ${v.seconds.toFixed(1)} s`)
        .join(', ')}`,
    );
  }, 600_000);

  it('starts webgpu on a named adapter', () => {
    if (skip) return;
    expect(wasm.backend).toBe('wasm');
    expect(webgpu.backend).toBe('webgpu');
    expect(webgpu.adapter).toBeDefined();
    expect(webgpu.label).toContain(webgpu.adapter!.architecture || webgpu.adapter!.vendor);
    if (webgpu.adapter!.software) expect(webgpu.label).toContain('software');
  });

  for (const kind of kinds)
    it(`${kind}: trains and predicts on webgpu, round-trips, leaks nothing, and agrees with wasm`, () => {
      if (skip) return;
      const a = wasm.kinds[kind]!;
      const b = webgpu.kinds[kind]!;
      expect(b, `${kind} missing from the webgpu run`).toBeDefined();
      expect(b.outputs.length).toBe(a.outputs.length);
      expect(b.outputs.flat().every(Number.isFinite)).toBe(true);
      expect(b.roundTrip, 'save → load on webgpu gives the same outputs').toBe(true);
      expect(b.leaked, 'tensors left after fit, predict, save, load and dispose on webgpu').toBe(0);
      expect(a.leaked).toBe(0);
      const g = agreement(a, b);
      console.log(
        `[webgpu] ${kind}: val loss ${a.valLoss?.toFixed(5) ?? '—'} (wasm) vs ${b.valLoss?.toFixed(5) ?? '—'} (webgpu), decisions agree ${(100 * g.decisions).toFixed(1)} %, mean |Δ output| ${g.meanAbsDiff.toExponential(2)}`,
      );
      if (g.valLossRel !== null) expect(g.valLossRel).toBeLessThanOrEqual(VAL_LOSS_TOLERANCE);
      else expect(a.valLoss === null && b.valLoss === null).toBe(true);
      expect(g.decisions).toBeGreaterThanOrEqual(DECISION_AGREEMENT);
      expect(g.meanAbsDiff).toBeLessThanOrEqual(OUTPUT_TOLERANCE);
    });
});
