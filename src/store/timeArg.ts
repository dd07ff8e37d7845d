import { LlmrError } from '../errors.js';

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A time bound from the CLI: an ISO date/time, or an age like `30d`, `12h`, `2w`, `90m` (that long before `now`). */
export function parseTimeArg(v: string, flag: string, now = Date.now()): Date {
  const age = /^(\d+(?:\.\d+)?)([mhdw])$/.exec(v.trim());
  if (age) return new Date(now - Number(age[1]) * UNIT_MS[age[2]!]!);
  const t = Date.parse(v);
  if (Number.isNaN(t))
    throw new LlmrError(`${flag} must be an ISO date or an age like 30d / 12h / 2w, got "${v}"`, { field: flag, fix: `e.g. ${flag} 2026-11-01 or ${flag} 7d` });
  return new Date(t);
}
