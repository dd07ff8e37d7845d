import { LlmrError } from '../errors.js';
import { trapz } from './numeric.js';

/** A (cost, quality) point: cost = mean USD per query, quality = mean score. */
export type CostQuality = readonly [cost: number, quality: number];

/**
 * RouterBench's non-decreasing convex hull (evaluation/AIQ.py `get_non_descreasing_convex_hull_of`):
 * 1. sort by cost; several points at one cost count as the best of them;
 * 2. the upper concave envelope of the points (a point below the chord of two others is lifted onto it,
 *    i.e. dropped as a vertex — mixing two routers' settings at random reaches the chord);
 * 3. drop the decreasing tail: every vertex whose quality is below the previous one (paying more for less
 *    is never chosen).
 * Returns the hull's vertices, cost ascending, quality non-decreasing. RouterBench's own code also keeps
 * the lifted interior points (collinear with the vertices), which changes neither the curve nor its area.
 */
export function nonDecreasingHull(points: readonly CostQuality[]): CostQuality[] {
  const pts = points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (pts.length === 0) throw new LlmrError('hull of no finite (cost, quality) points', { field: 'points', fix: 'evaluate at least one operating point' });
  const byX = new Map<number, number>();
  for (const [x, y] of pts) byX.set(x, Math.max(byX.get(x) ?? -Infinity, y));
  const sorted = [...byX.entries()].sort((a, b) => a[0] - b[0]);
  const upper: [number, number][] = [];
  for (const p of sorted) {
    while (upper.length >= 2) {
      const [x1, y1] = upper[upper.length - 2]!;
      const [x2, y2] = upper[upper.length - 1]!;
      // remove the middle point when it lies on or below the chord from (x1, y1) to p
      if ((x2 - x1) * (p[1] - y1) - (y2 - y1) * (p[0] - x1) >= 0) upper.pop();
      else break;
    }
    upper.push(p);
  }
  const out: CostQuality[] = [upper[0]!];
  for (let i = 1; i < upper.length; i++) {
    if (upper[i]![1] < upper[i - 1]![1]) break;
    out.push(upper[i]!);
  }
  return out;
}

/**
 * RouterBench's AIQ (evaluation/AIQ.py `calc_AIQ`) for several hulls compared together: each hull is
 * extended flat from its last vertex to the largest cost reached by any of the hulls, the area under it is
 * taken by the trapezoid rule from its own cheapest vertex, and divided by that largest cost. (The area
 * starts at the hull's first cost, the division is by the maximum cost, not by the cost range: that is
 * RouterBench's rule.) Quality in [0, 1] gives AIQ in [0, 1].
 */
export function aiq(hull: readonly CostQuality[], maxCost: number): number {
  if (hull.length === 0) throw new LlmrError('AIQ of an empty hull', { field: 'hull' });
  if (!(maxCost > 0))
    throw new LlmrError(`AIQ needs a positive maximum cost, got ${maxCost}`, { field: 'maxCost', fix: 'the models must have positive costs' });
  const last = hull[hull.length - 1]!;
  if (last[0] > maxCost * (1 + 1e-12)) throw new LlmrError(`hull reaches cost ${last[0]} beyond the maximum ${maxCost}`, { field: 'maxCost' });
  const ext = [...hull, [maxCost, last[1]] as const];
  return (
    trapz(
      ext.map((p) => p[1]),
      ext.map((p) => p[0]),
    ) / maxCost
  );
}

/**
 * A hull cut at `maxCost`, for a series compared against a common right end it does not set (a cascade
 * that pays several calls can cost more than the costliest model alone): the vertices up to maxCost, and
 * where a hull segment crosses it, the point on that segment at maxCost (mixing the two settings at random
 * reaches it). Empty when the hull starts beyond maxCost.
 */
export function clipHull(hull: readonly CostQuality[], maxCost: number): CostQuality[] {
  const out = hull.filter((p) => p[0] <= maxCost);
  if (out.length > 0 && out.length < hull.length && out[out.length - 1]![0] < maxCost) out.push([maxCost, hullQualityAt(hull, maxCost)]);
  return out;
}

/**
 * The AIQ of a hull over the cost range fixed by the data (`maxCost` = the costliest single model's mean
 * cost on the rows evaluated), so a router's AIQ never depends on which other routers it is compared with:
 * the hull is cut at maxCost (clipHull) and integrated by RouterBench's rule (aiq). NaN when the hull starts
 * beyond maxCost. When there is no cost axis — every model costs the same (`degenerate`), or nothing costs
 * anything — the area would be 0 for everyone, so the quality the hull reaches at maxCost is returned
 * instead (the caller warns).
 */
export function dataAiq(hull: readonly CostQuality[], maxCost: number, degenerate = false): number {
  const c = clipHull(hull, maxCost);
  if (c.length === 0) return Number.NaN;
  if (degenerate || !(maxCost > 0)) return c[c.length - 1]![1];
  return aiq(c, maxCost);
}

/** The cost range of an evaluation, fixed by the single models' mean costs: its right end, and whether it has no width. */
export function dataCostRange(singleCosts: readonly number[]): { maxCost: number; degenerate: boolean } {
  const maxCost = Math.max(...singleCosts);
  const minCost = Math.min(...singleCosts);
  return { maxCost, degenerate: !(maxCost > 0) || maxCost - minCost <= 1e-9 * maxCost };
}

/** The largest cost reached by any hull: RouterBench's common right end for a set of compared routers. */
export function maxHullCost(hulls: readonly (readonly CostQuality[])[]): number {
  let m = -Infinity;
  for (const h of hulls) for (const [x] of h) m = Math.max(m, x);
  return m;
}

/** Quality of a hull at a cost (linear between vertices, flat beyond the last, NaN before the first). */
export function hullQualityAt(hull: readonly CostQuality[], cost: number): number {
  if (hull.length === 0 || cost < hull[0]![0]) return Number.NaN;
  for (let i = 1; i < hull.length; i++) {
    const [x0, y0] = hull[i - 1]!;
    const [x1, y1] = hull[i]!;
    if (cost <= x1) return x1 === x0 ? y1 : y0 + ((y1 - y0) * (cost - x0)) / (x1 - x0);
  }
  return hull[hull.length - 1]![1];
}
