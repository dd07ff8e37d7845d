import { spawn, type ChildProcess } from 'node:child_process';

export interface ServerProcess {
  proc: ChildProcess;
  url: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Start `llmr serve …` as a real process and wait for "llmr serving on <url>". */
export async function startServerProcess(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<ServerProcess> {
  const proc = spawn('node', ['training/llmr.js', 'serve', '--port', '0', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${err}`)), timeoutMs);
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /llmr serving on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`server exited with ${code} before serving:\n${err}`));
    });
  });
  return {
    proc,
    url,
    stderr: () => err,
    kill: (signal = 'SIGKILL') =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill(signal);
      }),
  };
}

export async function postJson(url: string, body: unknown, timeoutMs = 15_000): Promise<{ status: number; json: Record<string, any>; headers: Headers }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
  return { status: r.status, json: (await r.json()) as Record<string, any>, headers: r.headers };
}
