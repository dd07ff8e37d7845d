import { LlmrError } from '../errors.js';
import { ExactIndex } from './ExactIndex.js';
import { FlatIndex } from './FlatIndex.js';
import { HnswIndex } from './HnswIndex.js';
import { Projection, type ProjectionMethod } from './Projection.js';
import { ProjectedIndex } from './ProjectedIndex.js';
import { SparseIndex, type SparseValueType } from './SparseIndex.js';
import { density } from './topK.js';
import { UsearchIndex, type Quantization } from './UsearchIndex.js';
import { defaultThreads } from './usearchModule.js';
import type { IndexDescriptor, VectorIndex } from './VectorIndex.js';

/**
 * Per-operation costs in nanoseconds, measured on the project's 2-vCPU machine with `npm run bench:index`
 * (experiment "no cliff"). Only their ratios matter for the choice; `measureCostModel()` re-measures them.
 */
export interface CostModel {
  /** Exact sparse search: one posting visited (scatter-add). */
  sparsePosting: number;
  /** Exact dense search: one multiply-add of the SIMD scan. */
  flatMac: number;
  /** Any exact search: per row (top-k selection, buffer). */
  perRow: number;
  /** HNSW: one distance evaluation costs distMac · dim + distFixed. */
  distMac: number;
  distFixed: number;
}

export const DEFAULT_COST_MODEL: CostModel = { sparsePosting: 1.5, flatMac: 0.12, perRow: 1.2, distMac: 0.15, distFixed: 60 };

export interface BuildIndexOptions {
  /** 'auto' (default): the cheapest by the cost model below; 'exact' / 'approximate' force a family. */
  search?: 'auto' | 'exact' | 'approximate';
  /** Queries the index is expected to answer over its life: what a build cost is amortised over. */
  expectedQueries?: number;
  /** Vectors with a lower share of non-zeros than this are stored sparse (exact search). */
  sparseBelow?: number;
  /** Approximate candidates whose stored bytes per row exceed this are not considered (auto only). */
  maxBytesPerRow?: number;
  sparseValues?: SparseValueType;
  m?: number;
  efConstruction?: number;
  ef?: number;
  quantization?: Quantization;
  threads?: number;
  /** Dimension reduction before the approximate index: PCA (fitted on the rows) or a seeded random projection. */
  projection?: { method: ProjectionMethod; dims: number; seed?: number } | null;
  costModel?: Partial<CostModel>;
  onProgress?: (done: number, total: number, message: string) => void;
}

export interface IndexPlan {
  family: 'exact' | 'approximate';
  kind: 'sparse' | 'flat' | 'usearch';
  /** Estimated seconds: build, one query, and build + expectedQueries × query; for both families. */
  estimates: Record<'exact' | 'approximate', { buildS: number; queryMs: number; totalS: number; bytesPerRow: number; allowed: boolean }>;
  density: number;
  reason: string;
}

const DEFAULTS = {
  expectedQueries: 100_000,
  sparseBelow: 0.25,
  maxBytesPerRow: 4096,
  m: 16,
  efConstruction: 200,
  ef: 100,
  quantization: 'f16' as Quantization,
};

/**
 * The rule (no fixed row threshold): estimate, for the data at hand, the cost of an exact index and of an
 * HNSW index as build + expectedQueries × query, and take the cheaper one.
 * - exact sparse (density < sparseBelow): query = postings visited (dim · density² · n) · sparsePosting + n · perRow;
 * - exact dense: query = n · dim · flatMac + n · perRow; build ≈ a copy (0);
 * - HNSW: build = n · efConstruction · m · dist / threads, query = ef · m · (1 + log2 n) · dist / 4,
 *   with dist = distMac · dim' + distFixed (dim' after any projection).
 * Both totals are continuous in n and cross where an HNSW build has paid for itself in saved query time, so
 * neither training time nor latency jumps: at the crossover the build costs what expectedQueries exact
 * queries would have cost beyond HNSW ones (≈1 s on the defaults), and latency is already equal to within
 * build/expectedQueries. Approximate indexes over more than maxBytesPerRow per row are ruled out (4,096-d
 * hashing features would need ≥ 4 KB per row in a graph; their sparse exact index needs ~1.7 KB).
 */
export function planIndex(n: number, dim: number, dens: number, opts: BuildIndexOptions = {}): IndexPlan {
  const o = { ...DEFAULTS, ...stripUndefined(opts) };
  const c = { ...DEFAULT_COST_MODEL, ...stripUndefined(opts.costModel ?? {}) };
  const threads = o.threads ?? defaultThreads();
  const sparse = dens < o.sparseBelow;
  const qExactNs = sparse ? dim * dens * dens * n * c.sparsePosting + n * c.perRow : n * dim * c.flatMac + n * c.perRow;
  const exactBytes = sparse ? dim * dens * (o.sparseValues === 'f32' ? 5 : 3) + (4 * dim) / 256 : 4 * dim;
  const annDim = o.projection ? o.projection.dims : dim;
  const dist = c.distMac * annDim + c.distFixed;
  const logn = Math.log2(Math.max(2, n));
  const buildNs = (n * o.efConstruction * o.m * dist) / Math.max(1, threads);
  const qAnnNs = (o.ef * o.m * (1 + logn) * dist) / 4;
  const qb = o.quantization === 'f32' ? 4 : o.quantization === 'f16' ? 2 : 1;
  const annBytes = annDim * qb + 8 + 2 + 4 + 4 * 2 * o.m;
  const Q = o.expectedQueries;
  const exact = { buildS: 0, queryMs: qExactNs / 1e6, totalS: (Q * qExactNs) / 1e9, bytesPerRow: exactBytes, allowed: true };
  const approximate = {
    buildS: buildNs / 1e9,
    queryMs: qAnnNs / 1e6,
    totalS: (buildNs + Q * qAnnNs) / 1e9,
    bytesPerRow: annBytes,
    allowed: UsearchIndex.available() && (o.search === 'approximate' || annBytes <= o.maxBytesPerRow),
  };
  const exactKind = sparse ? 'sparse' : 'flat';
  let family: 'exact' | 'approximate';
  let reason: string;
  if (o.search === 'exact') [family, reason] = ['exact', 'search: "exact" requested'];
  else if (o.search === 'approximate') {
    if (!approximate.allowed)
      throw new LlmrError('approximate search needs the usearch native module, which did not load', { field: 'search', fix: 'use search: "exact" or "auto"' });
    [family, reason] = ['approximate', 'search: "approximate" requested'];
  } else if (!approximate.allowed)
    [family, reason] = [
      'exact',
      UsearchIndex.available() ? `an HNSW graph would store ${annBytes.toFixed(0)} B/row > maxBytesPerRow ${o.maxBytesPerRow}` : 'usearch unavailable',
    ];
  else if (approximate.totalS < exact.totalS)
    [family, reason] = [
      'approximate',
      `HNSW build ${approximate.buildS.toFixed(2)} s + ${Q} × ${approximate.queryMs.toFixed(3)} ms < ${Q} × exact ${exact.queryMs.toFixed(3)} ms`,
    ];
  else
    [family, reason] = [
      'exact',
      `${Q} × exact ${exact.queryMs.toFixed(3)} ms ≤ HNSW build ${approximate.buildS.toFixed(2)} s + ${Q} × ${approximate.queryMs.toFixed(3)} ms`,
    ];
  return { family, kind: family === 'exact' ? exactKind : 'usearch', estimates: { exact, approximate }, density: dens, reason };
}

/** Build the index `planIndex` picks for these vectors (L2-normalised rows of one dimension). */
export function buildIndex(vectors: readonly Float32Array[], opts: BuildIndexOptions = {}): { index: VectorIndex; plan: IndexPlan } {
  if (vectors.length === 0) throw new LlmrError('cannot build an index over zero vectors', { field: 'vectors', fix: 'pass at least one row' });
  const dim = vectors[0]!.length;
  const dens = density(vectors.length > 2000 ? vectors.filter((_, i) => i % Math.ceil(vectors.length / 2000) === 0) : vectors);
  const plan = planIndex(vectors.length, dim, dens, opts);
  const o = { ...DEFAULTS, ...stripUndefined(opts) };
  if (plan.kind === 'sparse') return { index: SparseIndex.build(vectors, dim, { values: o.sparseValues ?? 'f32' }), plan };
  if (plan.kind === 'flat') return { index: FlatIndex.build(vectors, dim), plan };
  const p = { m: o.m, efConstruction: o.efConstruction, ef: o.ef, quantization: o.quantization, threads: o.threads };
  const progress = opts.onProgress ? (d: number) => opts.onProgress!(d, vectors.length, 'building HNSW index') : undefined;
  if (!o.projection) return { index: UsearchIndex.build(vectors, dim, p, progress), plan };
  const proj =
    o.projection.method === 'pca'
      ? Projection.pca(vectors, o.projection.dims, { seed: o.projection.seed })
      : Projection.random(dim, o.projection.dims, o.projection.seed);
  const inner = UsearchIndex.build(
    vectors.map((v) => proj.apply(v)),
    proj.outDim,
    p,
    progress,
  );
  return { index: new ProjectedIndex(proj, inner), plan };
}

/** The file name an index of this kind is stored under in an artifact. */
export function indexFileName(kind: IndexDescriptor['kind']): string {
  return { exact: 'index.f32', hnsw: 'index.hnsw', sparse: 'index.sparse', flat: 'index.flat', usearch: 'index.usearch', projected: 'index.projected' }[kind];
}

/**
 * Load an index from its descriptor and bytes; with `path` (the artifact's own file), usearch and hnswlib
 * indexes are read from it directly (usearch can also memory-map it: `view`). Descriptors of the legacy
 * kinds (`exact`, `hnsw`) load the formats written before this module existed.
 */
export function loadIndex(d: IndexDescriptor, bytes: Uint8Array | null, opts: { path?: string; ef?: number; view?: boolean } = {}): VectorIndex {
  const need = (): Uint8Array => {
    if (!bytes) throw new LlmrError(`index file ${indexFileName(d.kind)} is missing`, { field: 'index', fix: 're-train or restore the artifact' });
    return bytes;
  };
  switch (d.kind) {
    case 'exact':
      return ExactIndex.deserialize(need(), d.dim);
    case 'hnsw': {
      const ef = opts.ef ?? (typeof d.ef === 'number' ? d.ef : 100);
      return opts.path ? HnswIndex.loadFile(opts.path, d.dim, d.rows, ef) : HnswIndex.deserialize(need(), d.dim, d.rows, ef);
    }
    case 'sparse':
      return SparseIndex.deserialize(need());
    case 'flat':
      return FlatIndex.deserialize(need(), d.dim);
    case 'usearch':
      return opts.path ? UsearchIndex.loadFile(opts.path, d, { ef: opts.ef, view: opts.view }) : UsearchIndex.deserialize(need(), d, opts.ef);
    case 'projected': {
      const { projection, inner } = ProjectedIndex.split(need());
      return new ProjectedIndex(projection, loadIndex(d.inner as IndexDescriptor, inner, { ef: opts.ef }));
    }
    default:
      throw new LlmrError(`unknown index kind ${String((d as { kind: unknown }).kind)}`, {
        field: 'index.kind',
        fix: 'upgrade llm-router-tfjs or re-train the artifact',
      });
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
