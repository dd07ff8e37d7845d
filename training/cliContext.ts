import { Command } from 'commander';
import { LlmrError } from '../src/errors.js';
import { configFromEnv, type LlmrConfig } from '../src/config.js';
import { libraryVersion } from '../src/version.js';

/** What every CLI command module receives: the root program, shared groups and the config. */
export interface CliContext {
  program: Command;
  /** A sub-command group such as `train`, `data`, `eval`, `models`, created once on first use. */
  group(name: string, description?: string): Command;
  config: LlmrConfig;
}

export function createContext(): CliContext {
  const program = new Command('llmr')
    .description('Trainable LLM router and reward-model service on TensorFlow.js')
    .version(libraryVersion(), '-V, --version', 'print the llm-router-tfjs version')
    .showHelpAfterError();
  const groups = new Map<string, Command>();
  return {
    program,
    config: configFromEnv(),
    group(name, description) {
      let g = groups.get(name);
      if (!g) {
        g = program.command(name);
        if (description) g.description(description);
        groups.set(name, g);
      }
      return g;
    },
  };
}

/** Parse a number flag with an error naming the flag. */
export function numberFlag(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new LlmrError(`${flag} must be a number, got "${v}"`, { field: flag });
    return n;
  };
}

/** Parse a JSON flag (e.g. --params '{"k":20}') with an error naming the flag. */
export function jsonFlag(flag: string) {
  return (v: string): Record<string, unknown> => {
    try {
      const o = JSON.parse(v) as unknown;
      if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new Error('not a JSON object');
      return o as Record<string, unknown>;
    } catch (e) {
      throw new LlmrError(`${flag} must be a JSON object: ${(e as Error).message}`, { field: flag, fix: `e.g. ${flag} '{"k": 20}'` });
    }
  };
}
