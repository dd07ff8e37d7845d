import { LlmrError } from '../errors.js';
import type { Featurizer } from '../featurizers/Featurizer.js';
import { loadFeaturizer } from '../featurizers/registry.js';
import { libraryVersion } from '../version.js';
import { readArtifact, writeArtifact, type Manifest } from './artifact.js';

/** Identity and provenance of a trained model (router or ranker), kept in its manifest. */
export interface ModelMeta {
  name: string;
  version: string;
  trainingData?: Manifest['trainingData'];
  metrics?: Record<string, unknown>;
  calibrations?: Record<string, unknown>;
  backend?: string;
  createdAt?: string;
}

export type ManifestExtras = Pick<Manifest, 'trainingData' | 'metrics' | 'calibrations'>;

/**
 * Save featurizer + model as one artifact: featurizer files under `featurizer/`, the model's under
 * `<artifact>/` (e.g. `router/`), everything else in the manifest. Shared by RouterPipeline and RankerPipeline.
 */
export async function saveModelArtifact(
  dir: string,
  o: {
    artifact: 'router' | 'ranker';
    kind: string;
    meta: ModelMeta;
    featurizer: Featurizer;
    model: { params: Record<string, unknown>; state: Record<string, unknown>; files: Record<string, Uint8Array> };
    candidates?: string[];
    prices?: Record<string, unknown>;
    extra?: Partial<ManifestExtras>;
  },
): Promise<Manifest> {
  const f = await o.featurizer.save();
  const files: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(f.files)) files[`featurizer/${k}`] = v;
  for (const [k, v] of Object.entries(o.model.files)) files[`${o.artifact}/${k}`] = v;
  const m = o.meta;
  return writeArtifact(
    dir,
    {
      artifact: o.artifact,
      kind: o.kind,
      name: m.name,
      version: m.version,
      createdAt: m.createdAt ?? new Date().toISOString(),
      featurizer: { kind: f.kind, config: f.config, files: Object.keys(f.files) },
      candidates: o.candidates ?? [],
      prices: o.prices,
      params: o.model.params,
      state: o.model.state,
      trainingData: o.extra?.trainingData ?? m.trainingData,
      metrics: o.extra?.metrics ?? m.metrics ?? {},
      calibrations: o.extra?.calibrations ?? m.calibrations ?? {},
      backend: m.backend,
      library: { name: 'llm-router-tfjs', version: libraryVersion() },
    },
    files,
  );
}

export interface LoadedModelArtifact {
  manifest: Manifest;
  featurizer: Featurizer;
  /** The model's files with the `<artifact>/` prefix removed. */
  files: Record<string, Uint8Array>;
  meta: ModelMeta;
}

/** Read, verify and check the kind of an artifact, and restore its featurizer. */
export async function loadModelArtifact(dir: string, artifact: 'router' | 'ranker'): Promise<LoadedModelArtifact> {
  const { manifest, files } = readArtifact(dir);
  if (manifest.artifact !== artifact)
    throw new LlmrError(`${dir} holds a ${manifest.artifact} artifact, not a ${artifact}`, {
      field: 'artifact',
      fix: `pass a ${artifact} artifact (llmr models list)`,
    });
  if (!manifest.featurizer)
    throw new LlmrError(`${artifact} artifact ${dir} has no featurizer section`, { field: 'manifest.featurizer', fix: 're-train the artifact' });
  const pick = (prefix: string) =>
    Object.fromEntries(
      Object.entries(files)
        .filter(([k]) => k.startsWith(prefix))
        .map(([k, v]) => [k.slice(prefix.length), v]),
    );
  const featurizer = await loadFeaturizer({ kind: manifest.featurizer.kind, config: manifest.featurizer.config, files: pick('featurizer/') });
  const meta: ModelMeta = {
    name: manifest.name,
    version: manifest.version,
    trainingData: manifest.trainingData,
    metrics: manifest.metrics,
    calibrations: manifest.calibrations,
    backend: manifest.backend,
    createdAt: manifest.createdAt,
  };
  return { manifest, featurizer, files: pick(`${artifact}/`), meta };
}
