import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_SEED, resolveSeed } from '../../src/estimator/seed.js';
import { LlmrError } from '../../src/errors.js';
import { createContext } from '../../training/cliContext.js';
import { readJsonFile, registerTrainCommands, trainRouterSettings, type TrainRouterFlags } from '../../training/commands/train.js';
import { z } from 'zod';

const tmp = mkdtempSync(join(tmpdir(), 'llmr-settings-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** What `llmr train router …` would train with: commander parses the real flags, the action is replaced. */
async function settingsOf(args: string[]): Promise<ReturnType<typeof trainRouterSettings>> {
  const ctx = createContext();
  registerTrainCommands(ctx);
  ctx.program.exitOverride();
  const router = ctx.program.commands.find((c) => c.name() === 'train')!.commands.find((c) => c.name() === 'router')!;
  let out: ReturnType<typeof trainRouterSettings> | undefined;
  router.action((_kind: string, o: TrainRouterFlags) => {
    const cfg = o.config ? readJsonFile(o.config as string, z.record(z.string(), z.unknown()), 'config') : {};
    out = trainRouterSettings(o, cfg);
  });
  await ctx.program.parseAsync(['node', 'llmr', 'train', 'router', 'knn', ...args]);
  return out!;
}

describe('one seed, with a documented precedence: flag > params > config file > default', () => {
  it('resolveSeed', () => {
    expect(resolveSeed({ flag: 1, params: 2, config: 3 })).toEqual({ seed: 1, source: 'flag' });
    expect(resolveSeed({ flag: '5', params: 2 })).toEqual({ seed: 5, source: 'flag' });
    expect(resolveSeed({ params: 2, config: 3 })).toEqual({ seed: 2, source: 'params' });
    expect(resolveSeed({ config: 3 })).toEqual({ seed: 3, source: 'config' });
    expect(resolveSeed({})).toEqual({ seed: DEFAULT_SEED, source: 'default' });
    expect(() => resolveSeed({ flag: 'x' })).toThrow(LlmrError);
    expect(() => resolveSeed({ params: 1.5 })).toThrow(/params\.seed must be an integer/);
  });

  it('llmr train router: commander defaults do not mask the config file (seed, featurizer)', async () => {
    const cfg = join(tmp, 'cfg.json');
    writeFileSync(cfg, JSON.stringify({ seed: 9, featurizer: 'hashing+stats', params: { k: 5 } }));
    const fromConfig = await settingsOf(['--config', cfg]);
    expect(fromConfig.seed).toBe(9);
    expect(fromConfig.featurizer.kind).toBe('hashing+stats');
    expect(fromConfig.params).toEqual({ k: 5 });
    const paramsSeed = await settingsOf(['--config', cfg, '--params', '{"seed": 4}']);
    expect(paramsSeed.seed).toBe(4);
    const flags = await settingsOf(['--config', cfg, '--params', '{"seed": 4}', '--seed', '2', '--featurizer', 'hashing']);
    expect(flags.seed).toBe(2);
    expect(flags.featurizer.kind).toBe('hashing');
    const none = await settingsOf([]);
    expect(none.seed).toBe(DEFAULT_SEED);
    expect(none.featurizer.kind).toBe('hashing');
  });
});
