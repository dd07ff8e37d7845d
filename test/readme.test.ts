import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Every command of the README's `sh` blocks, as printed, in order, in a scratch folder that holds the bundled
 * sample (data/sample) and nothing else of the repository: a stranger's first touch. `llmr` is the package's
 * bin (here `node <repo>/training/llmr.js`), `npm run X` its script. Commands that start a server are started,
 * probed (GET /healthz, GET /ui) and stopped; the port they print is replaced by a free one. Skipped, each with
 * its reason printed: installing modules, the whole test suite, long benchmarks (their owners re-measure
 * them), and commands that read ../shared/data when it is absent.
 */

const REPO = resolve(__dirname, '..');
const SHARED = resolve(process.env.LLMR_SHARED_DATA ?? join(REPO, '..', 'shared', 'data'));
const LLMR = `node ${join(REPO, 'training', 'llmr.js')}`;

export interface ReadmeCommand {
  line: number;
  command: string;
}

/**
 * The sections a stranger runs top to bottom on the bundled data. The later sections' examples (the production
 * service's curl calls, the gateway, the feedback loop) talk to a server started by hand with keys and a store;
 * their own suites (test/serve, test/gateway, test/feedback) run the same requests against real servers.
 */
export const FIRST_TOUCH_SECTIONS = ['Quick start', 'Using your own data'];

/** Commands of the README's ```sh blocks in the first-touch sections (comments after two spaces and '#' removed). */
export function readmeCommands(text: string, sections: readonly string[] = FIRST_TOUCH_SECTIONS): ReadmeCommand[] {
  const out: ReadmeCommand[] = [];
  let inSh = false;
  let inSection = false;
  text.split('\n').forEach((raw, i) => {
    const h = /^## (.+?)\s*$/.exec(raw);
    if (h && !inSh) inSection = sections.includes(h[1]!);
    if (!inSection) return;
    if (/^```/.test(raw)) {
      inSh = !inSh && /^```(sh|bash|shell)\s*$/.test(raw);
      return;
    }
    if (!inSh) return;
    const command = raw
      .replace(/\s{2,}#.*$/, '')
      .replace(/^\s*#.*$/, '')
      .trim();
    // a chain runs part by part, so `npm ci && npm run demo` skips the install and still runs the demo
    for (const part of command.split(/\s+&&\s+/)) if (part) out.push({ line: i + 1, command: part });
  });
  return out;
}

/** Why a command is not run here, or null. */
function skipReason(c: string): string | null {
  if (/^npm (ci|install)\b/.test(c)) return 'installs node_modules (shared by every worktree here)';
  if (/^npm test\b/.test(c)) return 'the whole test suite (this test is part of it)';
  if (/^npm run (bench|eval:)/.test(c)) return 'long benchmark / evaluation (minutes; re-measured by its owner)';
  if (c.includes('../shared/data') && !existsSync(SHARED)) return `${SHARED} is absent`;
  return null;
}

const startsServer = (c: string) => /^llmr serve\b/.test(c) || /^npm run demo\b(?!.*--no-serve)/.test(c);

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

const SCRIPTS = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/**
 * The command as the shell runs it here: `npm run X args` → the script's own command line plus args (so a
 * server is our child, not npm's), `llmr` and `node training/llmr.js` → the repository's entry point.
 */
function shellCommand(c: string, port?: number): string {
  let cmd = c;
  const npm = /^npm run ([\w:.-]+)\s*(?:--\s*)?(.*)$/.exec(cmd);
  if (npm) {
    const body = SCRIPTS[npm[1]!];
    if (!body) throw new Error(`README names npm script "${npm[1]}", which package.json does not define`);
    cmd = `${body}${npm[2] ? ` ${npm[2]}` : ''}`;
  }
  cmd = cmd.replace(/(^|&&\s*|\|\s*)(llmr|node training\/llmr\.js)\b/g, `$1${LLMR}`).replace(/\.\.\/shared\/data/g, SHARED);
  if (port !== undefined) cmd = /--port \d+/.test(cmd) ? cmd.replace(/--port \d+/, `--port ${port}`) : `${cmd} --port ${port}`;
  return cmd;
}

describe('README commands run as printed on the bundled data', () => {
  const commands = readmeCommands(readFileSync(join(REPO, 'README.md'), 'utf8'));
  const work = mkdtempSync(join(tmpdir(), 'llmr-readme-'));
  mkdirSync(join(work, 'data'));
  symlinkSync(join(REPO, 'data', 'sample'), join(work, 'data', 'sample'));
  const env = {
    ...process.env,
    LLMR_MODELS_DIR: join(work, 'models'),
    LLMR_STORE_URL: `duckdb:${join(work, 'store', 'llmr.duckdb')}`,
    LLMR_SHARED_DATA: SHARED,
    NO_COLOR: '1',
  };
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('the README has commands to run', () => {
    expect(commands.length).toBeGreaterThan(10);
    expect(commands.map((c) => c.command)).toContain('llmr train router mlp --data splits/train.jsonl --featurizer hashing+stats --name my-mlp');
  });

  it('each runs and exits 0 (servers: start, answer /healthz and /ui, stop)', { timeout: 1_500_000 }, async () => {
    const failures: string[] = [];
    for (const { line, command } of commands) {
      const why = skipReason(command);
      if (why) {
        console.warn(`[skip] README:${line} ${command} — ${why}`);
        continue;
      }
      const cwd = work;
      const t0 = Date.now();
      if (startsServer(command)) {
        const port = await freePort();
        const child = spawn('bash', ['-c', `exec ${shellCommand(command, port)}`], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: false });
        let output = '';
        child.stdout.on('data', (b) => (output += b));
        child.stderr.on('data', (b) => (output += b));
        const up = await new Promise<boolean>((res) => {
          const deadline = Date.now() + 240_000;
          const tick = setInterval(async () => {
            if (child.exitCode !== null || Date.now() > deadline) {
              clearInterval(tick);
              return res(false);
            }
            try {
              const r = await fetch(`http://127.0.0.1:${port}/healthz`);
              if (r.ok) {
                clearInterval(tick);
                res(true);
              }
            } catch {
              /* not yet */
            }
          }, 500);
        });
        let ui = 0;
        if (up) ui = (await fetch(`http://127.0.0.1:${port}/ui`)).status;
        child.kill('SIGTERM');
        const code = await new Promise<number | null>((res) => (child.exitCode !== null ? res(child.exitCode) : child.once('exit', (c) => res(c))));
        if (!up || ui !== 200 || code !== 0) failures.push(`README:${line} ${command}: up=${up} /ui=${ui} exit=${code}\n${output.slice(-1500)}`);
        else console.log(`[ok] README:${line} ${command} (server on ${port}, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
        continue;
      }
      const r = spawnSync('bash', ['-c', shellCommand(command)], { cwd, env, encoding: 'utf8', timeout: 600_000 });
      if (r.status !== 0) failures.push(`README:${line} ${command}: exit ${r.status}\n${(r.stderr || r.stdout).slice(-1500)}`);
      else console.log(`[ok] README:${line} ${command} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
    expect(failures, failures.join('\n\n')).toEqual([]);
  });
});
