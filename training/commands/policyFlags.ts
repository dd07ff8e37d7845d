import type { Command } from 'commander';
import { LlmrError } from '../../src/errors.js';
import { parsePolicy, type Policy } from '../../src/policy/policy.js';

export interface PolicyFlags {
  policy?: string;
  wtp?: string;
  maxCost?: string;
  target?: string;
  strong?: string;
  weak?: string;
  threshold?: string;
  calibrated?: string;
}

export function addPolicyFlags(cmd: Command): Command {
  return cmd
    .option('--policy <json>', 'policy as JSON, e.g. \'{"kind":"willingness-to-pay","wtp":100}\'')
    .option('--wtp <usd>', 'willingness to pay: argmax wtp·quality − cost')
    .option('--max-cost <usd>', 'budget per request in USD')
    .option('--target <quality>', 'cheapest model predicted at or above this quality')
    .option('--strong <model>', 'threshold policy: strong model')
    .option('--weak <model>', 'threshold policy: weak model')
    .option('--threshold <x>', 'threshold policy: route to strong when its predicted advantage ≥ x')
    .option('--calibrated <name>', 'a calibrated operating point stored in the artifact by `llmr calibrate --name`');
}

/** Turn policy flags into a validated Policy (undefined = the artifact's default). */
export function policyFromFlags(o: PolicyFlags): Policy | undefined {
  const num = (flag: string, v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new LlmrError(`${flag} must be a number, got "${v}"`, { field: flag });
    return n;
  };
  if (o.policy) {
    let raw: unknown;
    try {
      raw = JSON.parse(o.policy);
    } catch (e) {
      throw new LlmrError(`--policy is not valid JSON: ${(e as Error).message}`, { field: '--policy', fix: '--policy \'{"kind":"max-quality"}\'' });
    }
    return parsePolicy(raw, '--policy');
  }
  if (o.calibrated !== undefined) return parsePolicy({ kind: 'calibrated', name: o.calibrated }, '--calibrated');
  if (o.wtp !== undefined) return { kind: 'willingness-to-pay', wtp: num('--wtp', o.wtp) };
  if (o.maxCost !== undefined) return { kind: 'budget', maxCost: num('--max-cost', o.maxCost) };
  if (o.target !== undefined) return { kind: 'cheapest-above', target: num('--target', o.target) };
  if (o.threshold !== undefined || o.strong || o.weak) {
    if (!o.strong || !o.weak || o.threshold === undefined)
      throw new LlmrError('the threshold policy needs --strong, --weak and --threshold', { field: '--threshold' });
    return { kind: 'threshold', strong: o.strong, weak: o.weak, threshold: num('--threshold', o.threshold) };
  }
  return undefined;
}
