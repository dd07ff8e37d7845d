import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adapterLabel, describeAdapter, findSwiftShaderIcd, swiftShaderEnv } from '../../src/backend/webgpuAdapter.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('WebGPU adapter description and the SwiftShader environment', () => {
  it('names the adapter and tells software from hardware', () => {
    const sw = describeAdapter({
      info: {
        vendor: 'google',
        architecture: 'swiftshader',
        device: 'swiftshader-device-subzero-',
        description: 'SwiftShader driver 5.0.0',
        isFallbackAdapter: true,
      },
    });
    expect(sw).toEqual({
      vendor: 'google',
      architecture: 'swiftshader',
      device: 'swiftshader-device-subzero-',
      description: 'SwiftShader driver 5.0.0',
      software: true,
    });
    expect(adapterLabel(sw)).toBe('google swiftshader (SwiftShader driver 5.0.0, software)');
    const lavapipe = describeAdapter({ info: { vendor: 'mesa', architecture: '', device: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' } });
    expect(lavapipe.software).toBe(true);
    const hw = describeAdapter({ info: { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H200' } });
    expect(hw.software).toBe(false);
    expect(adapterLabel(hw)).toBe('nvidia hopper (NVIDIA H200)');
  });

  it('builds the child environment from an ICD: VK_ICD_FILENAMES, and the bundled loader only where none is installed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmr-icd-'));
    try {
      const icd = join(dir, 'vk_swiftshader_icd.json');
      writeFileSync(icd, '{}');
      writeFileSync(join(dir, 'libvulkan.so.1'), '');
      expect(findSwiftShaderIcd({ LLMR_SWIFTSHADER_ICD: icd })).toBe(icd);
      expect(findSwiftShaderIcd({ LLMR_SWIFTSHADER_ICD: join(dir, 'missing.json') })).toBeNull();
      const env = swiftShaderEnv({ LLMR_SWIFTSHADER_ICD: icd, VK_DRIVER_FILES: '/x.json' })!;
      expect(env.VK_ICD_FILENAMES).toBe(icd);
      expect(env.VK_DRIVER_FILES).toBeUndefined();
      // the folder's own libvulkan.so.1 makes it a loader folder once named in LD_LIBRARY_PATH
      const again = swiftShaderEnv({ LLMR_SWIFTSHADER_ICD: icd, LD_LIBRARY_PATH: dir })!;
      expect(again.LD_LIBRARY_PATH).toBe(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('doctor names the SwiftShader adapter as software and keeps wasm unless webgpu is asked for', () => {
    const env = swiftShaderEnv();
    if (!env) {
      if (process.env.CI === 'true') throw new Error('no SwiftShader ICD (chromium) under CI=true');
      console.warn('[skip] no SwiftShader Vulkan driver (install chromium)');
      return;
    }
    const doctor = (extra: NodeJS.ProcessEnv) => {
      const r = spawnSync(process.execPath, [join(ROOT, 'training', 'llmr.js'), 'doctor', '--json'], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...env, LLMR_WASM_THREADS: '1', ...extra },
      });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as {
        backend: { name: string; adapter?: { software: boolean }; attempts: { name: string; ok: boolean; reason?: string }[] };
        webgpuAdapter: { architecture?: string; software?: boolean; reason?: string };
      };
    };
    const auto = doctor({ LLMR_BACKEND: '' });
    expect(auto.webgpuAdapter.architecture).toBe('swiftshader');
    expect(auto.webgpuAdapter.software).toBe(true);
    expect(auto.backend.name).not.toBe('webgpu');
    expect(auto.backend.attempts.find((a) => a.name === 'webgpu')?.reason).toMatch(/software adapter.*LLMR_BACKEND=webgpu/);
    const forced = doctor({ LLMR_BACKEND: 'webgpu' });
    expect(forced.backend.name).toBe('webgpu');
    expect(forced.backend.adapter?.software).toBe(true);
  }, 240_000);
});
