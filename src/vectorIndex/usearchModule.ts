import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type usearchType from 'usearch';

export type Usearch = typeof usearchType;

let cached: { mod: Usearch | null; error: string | null } | null = null;

/**
 * The `usearch` native module (prebuilt, SIMD), loaded on first use so that a platform without a prebuild
 * still loads the library: callers fall back to the pure-JS indexes and say why (`usearchUnavailable()`).
 */
export function usearchModule(): Usearch | null {
  if (!cached) {
    try {
      cached = { mod: createRequire(import.meta.url)('usearch') as Usearch, error: null };
    } catch (e) {
      cached = { mod: null, error: (e as Error).message };
    }
  }
  return cached.mod;
}

/** Why usearch could not load, or null when it did. */
export function usearchUnavailable(): string | null {
  usearchModule();
  return cached!.error;
}

/** Threads for a native build or batch: every core unless told otherwise. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

/** A typed array whose data starts at offset 0 of its buffer (usearch's exactSearch reads from the buffer start). */
export function ownBuffer<T extends Float32Array | Int8Array>(a: T): T {
  return a.byteOffset === 0 ? a : (a.slice() as T);
}
