import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { configFromEnv } from '../config.js';
import { LlmrError } from '../errors.js';
import { sha256Hex } from '../util/hash.js';
import { parseFeaturizerConfig, type Featurizer, type FeaturizerAvailability, type FeaturizerSpec, type FeaturizerState } from './Featurizer.js';

export const DEFAULT_TRANSFORMER_MODEL = 'Xenova/all-MiniLM-L6-v2';

export const TransformersConfigSchema = z
  .object({
    /** Hub id or folder name under localModelPath, e.g. 'Xenova/all-MiniLM-L6-v2'. */
    model: z.string().min(1).default(DEFAULT_TRANSFORMER_MODEL),
    /** Load onnx/model_quantized.onnx (true) or onnx/model.onnx (false). */
    quantized: z.boolean().default(true),
    /** Hub revision (branch, tag or commit) when downloading. */
    revision: z.string().min(1).default('main'),
    /** Prompts per forward pass (padding to the longest prompt of the batch). */
    batchSize: z.number().int().min(1).max(4096).default(32),
  })
  .strict();
export type TransformersConfig = z.infer<typeof TransformersConfigSchema>;

/** Where this process finds models; environment, not model: never saved. Defaults come from configFromEnv(). */
const RuntimeSchema = z
  .object({
    localModelPath: z.string().min(1).optional(),
    allowRemoteModels: z.boolean().optional(),
    cacheDir: z.string().min(1).optional(),
  })
  .strict();
type Runtime = Required<z.infer<typeof RuntimeSchema>>;
const RUNTIME_KEYS = ['localModelPath', 'allowRemoteModels', 'cacheDir'] as const;

function parseConfig(raw: Record<string, unknown>): { config: TransformersConfig; runtime: Runtime } {
  const rt: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) ((RUNTIME_KEYS as readonly string[]).includes(k) ? rt : rest)[k] = v;
  const fix = 'options: model, quantized, revision, batchSize, localModelPath, allowRemoteModels, cacheDir';
  const r = parseFeaturizerConfig('transformers', RuntimeSchema, rt, fix);
  const config = parseFeaturizerConfig('transformers', TransformersConfigSchema, rest, fix);
  const env = configFromEnv();
  return {
    config,
    runtime: {
      localModelPath: resolve(r.localModelPath ?? env.localModelPath),
      allowRemoteModels: r.allowRemoteModels ?? env.allowRemoteModels,
      cacheDir: r.cacheDir ?? env.cacheDir,
    },
  };
}

/** Files transformers.js reads for a feature-extraction model. */
function requiredFiles(config: TransformersConfig): string[] {
  return ['config.json', 'tokenizer.json', 'tokenizer_config.json', `onnx/model${config.quantized ? '_quantized' : ''}.onnx`];
}

interface LocalCheck {
  dir: string;
  missing: string[];
}

function checkLocal(config: TransformersConfig, runtime: Runtime): LocalCheck {
  const dir = join(runtime.localModelPath, config.model);
  return { dir, missing: requiredFiles(config).filter((f) => !existsSync(join(dir, f))) };
}

function missingModelError(config: TransformersConfig, runtime: Runtime, check: LocalCheck, cause?: unknown): LlmrError {
  const looked = `looked in ${check.dir} (missing: ${check.missing.join(', ')})`;
  const remote = runtime.allowRemoteModels
    ? `remote download was allowed but failed${cause ? `: ${(cause as Error).message ?? String(cause)}` : ''}`
    : 'remote download is disabled (allowRemoteModels=false, LLMR_ALLOW_REMOTE_MODELS=false)';
  return new LlmrError(`transformer model "${config.model}" not found: ${looked}; ${remote}`, {
    field: 'featurizer.model',
    where: check.dir,
    fix:
      `download the model folder from https://huggingface.co/${config.model} (${requiredFiles(config).join(', ')}) into ${check.dir} ` +
      `(or set LLMR_LOCAL_MODEL_PATH to the folder holding ${config.model}/), ` +
      (runtime.allowRemoteModels
        ? 'or check network access to huggingface.co and the model id'
        : 'or set LLMR_ALLOW_REMOTE_MODELS=true on a machine with network access'),
    code: 'featurizer_unavailable',
    cause,
  });
}

type Extractor = (texts: string[], opts: { pooling: 'mean'; normalize: boolean }) => Promise<{ data: Float32Array; dims: number[] }>;
interface LoadedModel {
  extract: Extractor;
  dim: number;
}

const pipelines = new Map<string, Promise<LoadedModel>>();
/** transformers.js keeps its settings in one global `env`: loads are serialised so settings do not interleave. */
let loadChain: Promise<unknown> = Promise.resolve();

async function loadPipeline(config: TransformersConfig, runtime: Runtime): Promise<LoadedModel> {
  const check = checkLocal(config, runtime);
  if (check.missing.length > 0 && !runtime.allowRemoteModels) throw missingModelError(config, runtime, check);
  const { pipeline, env } = await import('@xenova/transformers');
  env.localModelPath = runtime.localModelPath.endsWith('/') ? runtime.localModelPath : `${runtime.localModelPath}/`;
  env.allowLocalModels = true;
  env.allowRemoteModels = runtime.allowRemoteModels;
  env.cacheDir = join(runtime.cacheDir, 'transformers');
  let pipe: unknown;
  try {
    pipe = await pipeline('feature-extraction', config.model, {
      quantized: config.quantized,
      revision: config.revision,
      local_files_only: !runtime.allowRemoteModels,
    });
  } catch (e) {
    if (check.missing.length > 0) throw missingModelError(config, runtime, check, e);
    throw new LlmrError(`cannot load transformer model "${config.model}" from ${check.dir}: ${(e as Error).message}`, {
      field: 'featurizer.model',
      where: check.dir,
      fix: 'the model folder is incomplete or not a transformers.js export: download it again (config.json, tokenizer files, onnx/)',
      code: 'featurizer_unavailable',
      cause: e,
    });
  }
  const modelConfig = (pipe as { model?: { config?: { hidden_size?: number; d_model?: number } } }).model?.config;
  return { extract: pipe as Extractor, dim: modelConfig?.hidden_size ?? modelConfig?.d_model ?? 0 };
}

function sharedPipeline(config: TransformersConfig, runtime: Runtime): Promise<LoadedModel> {
  const key = JSON.stringify([config.model, config.quantized, config.revision, runtime]);
  let p = pipelines.get(key);
  if (!p) {
    p = loadChain.then(() => loadPipeline(config, runtime));
    loadChain = p.catch(() => undefined);
    pipelines.set(key, p);
    p.catch(() => pipelines.delete(key));
  }
  return p;
}

/**
 * Sentence embeddings from a transformers.js feature-extraction model (ONNX, default all-MiniLM-L6-v2):
 * mean pooling over the attention mask, L2-normalised, in batches. Nothing to fit; saved state is the
 * config only (the model is resolved from localModelPath or the hub again on load).
 */
export class TransformersFeaturizer implements Featurizer {
  readonly kind = 'transformers';
  readonly config: TransformersConfig;
  private readonly runtime: Runtime;
  private loaded: LoadedModel | null = null;
  private idMemo: string | null = null;

  constructor(config: Record<string, unknown> = {}) {
    const { config: c, runtime } = parseConfig(config);
    this.config = c;
    this.runtime = runtime;
  }

  /** Hidden size; 0 until the model is loaded (fit(), ready() or the first transform). */
  get dim(): number {
    return this.loaded?.dim ?? 0;
  }

  /** Folder the model is read from when present locally. */
  get modelDir(): string {
    return join(this.runtime.localModelPath, this.config.model);
  }

  id(): string {
    if (this.idMemo) return this.idMemo;
    // A local model folder is fingerprinted by its weights file, so a replaced model never reuses cached vectors.
    const file = join(this.modelDir, requiredFiles(this.config).at(-1)!);
    const fp = existsSync(file) ? sha256Hex(`${statSync(file).size}:${statSync(file).mtimeMs}`).slice(0, 12) : 'hub';
    return (this.idMemo = `transformers:${this.config.model}@${this.config.revision}:${this.config.quantized ? 'quantized' : 'fp32'}:mean-l2:${fp}`);
  }

  async ready(): Promise<this> {
    if (!this.loaded) this.loaded = await sharedPipeline(this.config, this.runtime);
    return this;
  }

  /** Loads the model; there is no corpus state to learn. */
  async fit(_texts: readonly string[]): Promise<this> {
    return this.ready();
  }

  async transform(texts: readonly string[]): Promise<Float32Array[]> {
    await this.ready();
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.config.batchSize) {
      const batch = texts.slice(start, start + this.config.batchSize);
      const res = await this.loaded!.extract(batch, { pooling: 'mean', normalize: true });
      const dim = res.dims.at(-1)!;
      if (this.loaded!.dim === 0) this.loaded!.dim = dim;
      for (let i = 0; i < batch.length; i++) out.push(Float32Array.from(res.data.subarray(i * dim, (i + 1) * dim)));
    }
    return out;
  }

  async save(): Promise<FeaturizerState> {
    return { kind: this.kind, config: { ...this.config }, files: {} };
  }

  /** Rebuild and load the model, so a missing model fails at artifact load rather than at the first request. */
  static async load(state: FeaturizerState, runtime: Partial<Runtime> = {}): Promise<TransformersFeaturizer> {
    return new TransformersFeaturizer({ ...state.config, ...runtime }).ready();
  }
}

export async function transformersAvailable(config: Record<string, unknown> = {}): Promise<FeaturizerAvailability> {
  try {
    createRequire(import.meta.url).resolve('@xenova/transformers');
  } catch {
    return { ok: false, reason: '@xenova/transformers is not installed; fix: npm install @xenova/transformers@2.17.2' };
  }
  const { config: c, runtime } = parseConfig(config);
  const check = checkLocal(c, runtime);
  if (check.missing.length === 0) return { ok: true };
  if (runtime.allowRemoteModels)
    return { ok: true, needsDownload: true, reason: `${c.model} is not in ${check.dir}; it will be downloaded from the hub on first use (needs network)` };
  const e = missingModelError(c, runtime, check);
  return { ok: false, reason: `${e.message}; fix: ${e.fix}` };
}

export const transformersSpec: FeaturizerSpec = {
  kind: 'transformers',
  modelBacked: true,
  description: `transformers.js sentence embeddings (default ${DEFAULT_TRANSFORMER_MODEL}), mean pooling, L2-normalised`,
  create: (config) => new TransformersFeaturizer(config),
  load: (state) => TransformersFeaturizer.load(state),
  available: () => transformersAvailable(),
};
