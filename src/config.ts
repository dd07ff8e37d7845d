import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * One configuration object for the library (transformers.js style). Built from the environment only when
 * asked (`configFromEnv()`), never at import; entry points pass it down or override fields.
 */
export interface LlmrConfig {
  /** Root of trained artifacts: <modelsDir>/<name>/<version>/manifest.json. */
  modelsDir: string;
  /** Embedding cache folder (Arrow IPC files). */
  cacheDir: string;
  /** Force a TF.js backend: tensorflow-gpu | tensorflow | webgpu | wasm | cpu. Empty = best available. */
  backend: string;
  /** Folder with local transformer models (<localModelPath>/<org>/<model>/...). */
  localModelPath: string;
  /** Let @xenova/transformers fetch models from the hub when not found locally. */
  allowRemoteModels: boolean;
  /** Folder with the shared real data sets used by tests and benchmarks. */
  sharedDataDir: string;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): LlmrConfig {
  return {
    modelsDir: env.LLMR_MODELS_DIR ?? 'models',
    cacheDir: env.LLMR_CACHE_DIR ?? join(homedir(), '.cache', 'llmr'),
    backend: env.LLMR_BACKEND ?? '',
    localModelPath: env.LLMR_LOCAL_MODEL_PATH ?? join(homedir(), '.cache', 'llmr', 'models'),
    allowRemoteModels: (env.LLMR_ALLOW_REMOTE_MODELS ?? 'true') !== 'false',
    sharedDataDir: env.LLMR_SHARED_DATA ?? join('..', 'shared', 'data'),
  };
}
