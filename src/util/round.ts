/** `x` to `digits` significant digits, for numbers printed for people (0.0000012000000000000002 → 0.0000012). */
export function roundSig(x: number, digits = 4): number {
  return Number.isFinite(x) && x !== 0 ? Number(x.toPrecision(digits)) : x;
}

/** A copy of a JSON-like value with every number rounded by roundSig (for display only). */
export function roundDeep<T>(value: T, digits = 4): T {
  if (typeof value === 'number') return roundSig(value, digits) as T;
  if (Array.isArray(value)) return value.map((v) => roundDeep(v, digits)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundDeep(v, digits)])) as T;
  return value;
}
