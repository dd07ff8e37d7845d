/**
 * Weighted Bradley–Terry ratings: P(a beats b) = σ(r_a − r_b), ties count half a win each way. Fitted from
 * sufficient statistics (per unordered pair: total weight and weighted wins of the lower index) by Newton's
 * method on the log-likelihood with a Gaussian prior r ~ N(prior, 1/ridge), which also pins the free offset.
 * Ratings are natural log-odds; Elo points = r · 400 / ln 10.
 */
export class PairStats {
  /** weight[a·n + b] and wins[a·n + b] for a < b: total weight, weighted wins of a (ties = ½). */
  readonly weight: Float64Array;
  readonly wins: Float64Array;
  constructor(readonly n: number) {
    this.weight = new Float64Array(n * n);
    this.wins = new Float64Array(n * n);
  }
  /** One observation: y = 1 when a won, 0 when b won, 0.5 tie. */
  add(a: number, b: number, y: number, w = 1): void {
    if (a === b) return;
    const [lo, hi, ylo] = a < b ? [a, b, y] : [b, a, 1 - y];
    const i = lo * this.n + hi;
    this.weight[i]! += w;
    this.wins[i]! += w * ylo;
  }
  addAll(other: PairStats, scale = 1): void {
    for (let i = 0; i < this.weight.length; i++) {
      this.weight[i]! += scale * other.weight[i]!;
      this.wins[i]! += scale * other.wins[i]!;
    }
  }
  clear(): void {
    this.weight.fill(0);
    this.wins.fill(0);
  }
  get total(): number {
    let s = 0;
    for (const w of this.weight) s += w;
    return s;
  }
}

export const ELO_PER_LOGIT = 400 / Math.LN10;

/** Solve A x = b (A symmetric positive definite, n small) by Cholesky; returns null when not PD. */
function solveSpd(a: Float64Array, b: Float64Array, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) return null;
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j]!;
    }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
    y[i] = s / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

export function fitBradleyTerry(stats: PairStats, opts: { ridge: number; prior?: Float64Array; iterations?: number; start?: Float64Array }): Float64Array {
  const n = stats.n;
  const ridge = Math.max(opts.ridge, 1e-9);
  const prior = opts.prior ?? new Float64Array(n);
  const r = Float64Array.from(opts.start ?? prior);
  const iters = opts.iterations ?? 30;
  const g = new Float64Array(n);
  const h = new Float64Array(n * n);
  for (let it = 0; it < iters; it++) {
    g.fill(0);
    h.fill(0);
    for (let i = 0; i < n; i++) {
      g[i] = -ridge * (r[i]! - prior[i]!);
      h[i * n + i] = ridge;
    }
    for (let a = 0; a < n; a++)
      for (let b = a + 1; b < n; b++) {
        const w = stats.weight[a * n + b]!;
        if (w === 0) continue;
        const p = 1 / (1 + Math.exp(-(r[a]! - r[b]!)));
        const d = stats.wins[a * n + b]! - w * p;
        g[a]! += d;
        g[b]! -= d;
        const c = w * p * (1 - p);
        h[a * n + a]! += c;
        h[b * n + b]! += c;
        h[a * n + b]! -= c;
        h[b * n + a]! -= c;
      }
    const step = solveSpd(h, g, n);
    if (!step) break;
    let moved = 0;
    for (let i = 0; i < n; i++) {
      r[i]! += step[i]!;
      moved += Math.abs(step[i]!);
    }
    if (moved < 1e-9) break;
  }
  return r;
}

/** Mean probability of beating each other model: comparable across models, in [0, 1]. */
export function winVsField(r: ArrayLike<number>, j: number): number {
  const n = r.length;
  if (n < 2) return 0.5;
  let s = 0;
  for (let k = 0; k < n; k++) if (k !== j) s += 1 / (1 + Math.exp(-(r[j]! - r[k]!)));
  return s / (n - 1);
}
