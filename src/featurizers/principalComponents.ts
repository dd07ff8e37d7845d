/**
 * Top right-singular vectors of a row matrix X (uncentred, as SIF's TruncatedSVD): eigenvectors of XᵀX by
 * power iteration with deflation, in float64. Deterministic: fixed start vector, fixed sign (largest
 * component positive). Components of a rank-deficient X come back as zero vectors (nothing to remove).
 */
export function principalComponents(rows: readonly ArrayLike<number>[], dim: number, k: number, iterations = 500, tol = 1e-12): Float64Array[] {
  const c = new Float64Array(dim * dim);
  for (const r of rows) {
    for (let i = 0; i < dim; i++) {
      const ri = r[i]!;
      if (ri === 0) continue;
      for (let j = 0; j < dim; j++) c[i * dim + j]! += ri * r[j]!;
    }
  }
  let trace = 0;
  for (let i = 0; i < dim; i++) trace += c[i * dim + i]!;
  const out: Float64Array[] = [];
  for (let comp = 0; comp < k; comp++) {
    let v: Float64Array = new Float64Array(dim);
    for (let i = 0; i < dim; i++) v[i] = 1 + i / dim; // not orthogonal to any one axis
    normalize(v);
    let lambda = 0;
    for (let it = 0; it < iterations; it++) {
      const w = matVec(c, v, dim);
      const norm = Math.sqrt(dot(w, w));
      if (norm <= 1e-12 * Math.max(trace, 1e-300)) {
        lambda = 0;
        break;
      }
      for (let i = 0; i < dim; i++) w[i]! /= norm;
      let diff = 0;
      for (let i = 0; i < dim; i++) diff = Math.max(diff, Math.abs(w[i]! - v[i]!));
      v = w;
      lambda = norm;
      if (diff < tol) break;
    }
    if (lambda === 0) {
      out.push(new Float64Array(dim));
      continue;
    }
    let big = 0;
    for (let i = 0; i < dim; i++) if (Math.abs(v[i]!) > Math.abs(v[big]!)) big = i;
    if (v[big]! < 0) for (let i = 0; i < dim; i++) v[i] = -v[i]!;
    out.push(v);
    for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) c[i * dim + j]! -= lambda * v[i]! * v[j]!;
  }
  return out;
}

/** v ← v − Σ (v·u) u over the components (each unit length or zero). */
export function removeComponents(v: Float64Array, components: readonly ArrayLike<number>[]): void {
  for (const u of components) {
    let p = 0;
    for (let i = 0; i < v.length; i++) p += v[i]! * u[i]!;
    if (p !== 0) for (let i = 0; i < v.length; i++) v[i]! -= p * u[i]!;
  }
}

function matVec(c: Float64Array, v: Float64Array, dim: number): Float64Array {
  const w = new Float64Array(dim);
  for (let i = 0; i < dim; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += c[i * dim + j]! * v[j]!;
    w[i] = s;
  }
  return w;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function normalize(v: Float64Array): void {
  const n = Math.sqrt(dot(v, v));
  if (n > 0) for (let i = 0; i < v.length; i++) v[i]! /= n;
}
