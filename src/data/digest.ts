import { createHash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted (recursively), undefined members dropped, no whitespace. Two records
 * that differ only in key order or absent-vs-undefined optional fields serialise identically.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/**
 * sha256 (hex) over the canonical JSON of each record, one per line, in order. Recorded as
 * trainingData.digest in artifacts and in import.json / MANIFEST.json; order-sensitive on purpose (a
 * different row order is a different training run).
 */
export function recordsDigest(records: readonly unknown[]): string {
  const h = createHash('sha256');
  for (const r of records) h.update(canonicalJson(r)).update('\n');
  return h.digest('hex');
}
