import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CliResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Run `node training/llmr.js …` in a private temp models/cache dir; never throws (exit code in `code`). */
export function cliSandbox(prefix: string): { tmp: string; env: NodeJS.ProcessEnv; llmr: (...args: string[]) => Promise<CliResult> } {
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  const env = { ...process.env, LLMR_MODELS_DIR: join(tmp, 'models'), LLMR_CACHE_DIR: join(tmp, 'cache') };
  const llmr = async (...args: string[]): Promise<CliResult> => {
    try {
      const r = await run('node', ['training/llmr.js', ...args], { env, maxBuffer: 1 << 24 });
      return { ...r, code: 0 };
    } catch (e) {
      const x = e as { stdout: string; stderr: string; code: number };
      return { stdout: x.stdout, stderr: x.stderr, code: x.code };
    }
  };
  return { tmp, env, llmr };
}
