import { LlmrError } from '../errors.js';
import { Rng } from '../util/rng.js';

export type ProjectionMethod = 'pca' | 'random';

/**
 * A linear map from `inDim` to `outDim` dimensions with orthonormal rows, fitted once and saved with the
 * artifact; projected vectors are re-normalised so cosine search keeps working. `pca`: the top right-singular
 * vectors of the (uncentred) training rows, i.e. the subspace that keeps inner products best; `random`: a
 * seeded orthonormalised Gaussian matrix (Johnson–Lindenstrauss), nothing to fit.
 */
export class Projection {
  constructor(
    readonly method: ProjectionMethod,
    readonly inDim: number,
    readonly outDim: number,
    /** outDim × inDim, row-major. */
    readonly matrix: Float32Array,
  ) {}

  static random(inDim: number, outDim: number, seed = 42): Projection {
    checkDims(inDim, outDim);
    const rng = new Rng(seed);
    const rows = Array.from({ length: outDim }, () => Float64Array.from({ length: inDim }, () => rng.normal()));
    return new Projection('random', inDim, outDim, orthonormal(rows, inDim));
  }

  /** PCA on at most `sample` rows (a seeded sample): covariance XᵀX, then its eigenvectors (Householder + QL). */
  static pca(vectors: readonly Float32Array[], outDim: number, opts: { sample?: number; seed?: number } = {}): Projection {
    const inDim = vectors[0]?.length ?? 0;
    checkDims(inDim, outDim);
    const sample = opts.sample ?? 10000;
    const rows =
      vectors.length <= sample
        ? vectors
        : new Rng(opts.seed ?? 42)
            .permutation(vectors.length)
            .slice(0, sample)
            .map((i) => vectors[i]!);
    const d = inDim;
    const c = new Float64Array(d * d);
    for (const r of rows) {
      for (let i = 0; i < d; i++) {
        const ri = r[i]!;
        if (ri === 0) continue;
        const o = i * d;
        for (let j = i; j < d; j++) c[o + j]! += ri * r[j]!;
      }
    }
    for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) c[i * d + j] = c[j * d + i]!;
    const { values, vectors: ev } = symmetricEigen(c, d);
    const order = [...values.keys()].sort((a, b) => values[b]! - values[a]! || a - b).slice(0, outDim);
    const m = new Float32Array(outDim * d);
    order.forEach((col, r) => {
      // fixed sign: largest component positive (deterministic output)
      let big = 0;
      for (let i = 0; i < d; i++) if (Math.abs(ev[i * d + col]!) > Math.abs(ev[big * d + col]!)) big = i;
      const s = ev[big * d + col]! < 0 ? -1 : 1;
      for (let i = 0; i < d; i++) m[r * d + i] = s * ev[i * d + col]!;
    });
    return new Projection('pca', d, outDim, m);
  }

  /** M·v, L2-normalised. */
  apply(v: Float32Array): Float32Array {
    if (v.length !== this.inDim)
      throw new LlmrError(`vector has ${v.length} dims, the projection takes ${this.inDim}`, {
        field: 'features',
        fix: 'use the featurizer stored with the artifact',
      });
    const out = new Float32Array(this.outDim);
    const m = this.matrix;
    let norm = 0;
    for (let r = 0, o = 0; r < this.outDim; r++, o += this.inDim) {
      let s = 0;
      for (let i = 0; i < this.inDim; i++) s += m[o + i]! * v[i]!;
      out[r] = s;
      norm += s * s;
    }
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let r = 0; r < this.outDim; r++) out[r]! *= inv;
    }
    return out;
  }

  serialize(): Uint8Array {
    const out = new Uint8Array(12 + this.matrix.byteLength);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, this.method === 'pca' ? 1 : 2, true);
    dv.setUint32(4, this.inDim, true);
    dv.setUint32(8, this.outDim, true);
    out.set(new Uint8Array(this.matrix.buffer, this.matrix.byteOffset, this.matrix.byteLength), 12);
    return out;
  }

  static deserialize(bytes: Uint8Array): Projection {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const bad = (w: string) => new LlmrError(`projection file is malformed: ${w}`, { field: 'projection', fix: 're-train or re-save the artifact' });
    if (bytes.byteLength < 12) throw bad('too short');
    const kind = dv.getUint32(0, true);
    const inDim = dv.getUint32(4, true);
    const outDim = dv.getUint32(8, true);
    if (kind !== 1 && kind !== 2) throw bad(`method ${kind}`);
    if (bytes.byteLength !== 12 + 4 * inDim * outDim) throw bad(`${bytes.byteLength} bytes for ${outDim} × ${inDim}`);
    const m = new Float32Array(inDim * outDim);
    new Uint8Array(m.buffer).set(bytes.subarray(12));
    return new Projection(kind === 1 ? 'pca' : 'random', inDim, outDim, m);
  }
}

function checkDims(inDim: number, outDim: number): void {
  if (!(Number.isInteger(outDim) && outDim >= 1 && outDim <= inDim))
    throw new LlmrError(`projection to ${outDim} dims from ${inDim}`, { field: 'projection.dims', fix: `an integer in [1, ${inDim}]` });
}

/** Gram–Schmidt (twice, for stability) of the rows, as float32 row-major. */
function orthonormal(rows: Float64Array[], d: number): Float32Array {
  for (let r = 0; r < rows.length; r++) {
    const v = rows[r]!;
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < r; p++) {
        const u = rows[p]!;
        let dot = 0;
        for (let i = 0; i < d; i++) dot += v[i]! * u[i]!;
        for (let i = 0; i < d; i++) v[i]! -= dot * u[i]!;
      }
    }
    let n = 0;
    for (let i = 0; i < d; i++) n += v[i]! * v[i]!;
    n = Math.sqrt(n) || 1;
    for (let i = 0; i < d; i++) v[i]! /= n;
  }
  const m = new Float32Array(rows.length * d);
  rows.forEach((v, r) => m.set(v, r * d));
  return m;
}

/**
 * Eigen-decomposition of a symmetric d × d matrix (row-major): Householder tridiagonalisation then implicit
 * QL (JAMA's tred2 / tql2, public domain), O(d³). Eigenvectors are the columns of `vectors`.
 */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const V = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const at = (i: number, j: number) => i * n + j;
  for (let j = 0; j < n; j++) d[j] = V[at(n - 1, j)]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = V[at(i - 1, j)]!;
        V[at(i, j)] = 0;
        V[at(j, i)] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k]! /= scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        V[at(j, i)] = f;
        g = e[j]! + V[at(j, j)]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[at(k, j)]! * d[k]!;
          e[k]! += V[at(k, j)]! * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j]! /= h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        for (let k = j; k <= i - 1; k++) V[at(k, j)]! -= f * e[k]! + g * d[k]!;
        d[j] = V[at(i - 1, j)]!;
        V[at(i, j)] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    V[at(n - 1, i)] = V[at(i, i)]!;
    V[at(i, i)] = 1;
    const h = d[i + 1]!;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[at(k, i + 1)]! / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[at(k, i + 1)]! * V[at(k, j)]!;
        for (let k = 0; k <= i; k++) V[at(k, j)]! -= g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) V[at(k, i + 1)] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[at(n - 1, j)]!;
    V[at(n - 1, j)] = 0;
  }
  V[at(n - 1, n - 1)] = 1;
  e[0] = 0;
  // tql2
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]!) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 100) break;
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          for (let k = 0; k < n; k++) {
            h = V[at(k, i + 1)]!;
            V[at(k, i + 1)] = s * V[at(k, i)]! + c * h;
            V[at(k, i)] = c * V[at(k, i)]! - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
  return { values: d, vectors: V };
}
