import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe } from 'vitest';

/** Root of the real shared data sets (../shared/data from the repo root, or LLMR_SHARED_DATA). */
export const SHARED_DATA = resolve(process.env.LLMR_SHARED_DATA ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'data'));

export function sharedPath(...parts: string[]): string {
  return join(SHARED_DATA, ...parts);
}

/**
 * describe() for tests that read the shared real data. Where the folder is absent they are skipped with a
 * printed reason, except under CI=true, where absence is a failure (never a silent skip).
 */
export function describeShared(name: string, fn: () => void, ...requiredParts: string[][]): void {
  const missing = [SHARED_DATA, ...requiredParts.map((p) => sharedPath(...p))].filter((p) => !existsSync(p));
  if (missing.length === 0) {
    describe(name, fn);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      throw new Error(`shared data missing under CI=true: ${missing.join(', ')} (CI must have ../shared/data beside the clone)`);
    });
    return;
  }
  console.warn(`[skip] ${name}: shared data not found at ${missing[0]} (set LLMR_SHARED_DATA to run it)`);
  describe.skip(name, fn);
}
