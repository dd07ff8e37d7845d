import { type ChildProcess, spawn } from 'node:child_process';
import { type Agent, request } from 'node:http';

export interface ServerProcess {
  proc: ChildProcess;
  url: string;
  port: number;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** Start `llmr serve …` as a child process; resolves once it prints its URL. */
export function spawnServe(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<ServerProcess> {
  const proc = spawn(process.execPath, ['training/llmr.js', 'serve', '--port', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((r) =>
    proc.on('exit', (code, signal) => r({ code, signal, at: Date.now() })),
  );
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not start in ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    proc.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /serving on (http:\/\/\S+)/.exec(err);
      if (m && t) {
        clearTimeout(t);
        resolve({ proc, url: m[1]!, port: Number(new URL(m[1]!).port), stderr: () => err, exited });
      }
    });
    void exited.then((e) => {
      clearTimeout(t);
      reject(new Error(`server exited (${e.code}) before starting: ${err}`));
    });
  });
}

export interface Outcome {
  /** When the request's bytes were all written (ms epoch), or null if never. */
  sentAt: number | null;
  status: number;
  error?: string;
  version?: string;
  bodyVersion?: string;
}

/** One POST with node:http (so the write time is known); never rejects. */
export function postTimed(url: string, path: string, body: string, o: { agent?: Agent; headers?: Record<string, string> } = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const out: Outcome = { sentAt: null, status: 0 };
    const u = new URL(url);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path,
        method: 'POST',
        agent: o.agent ?? false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...o.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          out.status = res.statusCode ?? 0;
          out.version = String(res.headers['x-llmr-version'] ?? '');
          try {
            out.bodyVersion = (JSON.parse(Buffer.concat(chunks).toString()) as { router?: { version?: string } }).router?.version;
          } catch {
            out.error = 'non-JSON body';
          }
          resolve(out);
        });
        res.on('error', (e) => resolve({ ...out, error: e.message }));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ ...out, error: e.code ?? e.message }));
    req.end(body, () => {
      out.sentAt = Date.now();
    });
  });
}

/** `n` client loops posting until `until()` is true or a request fails after `stopOnErrorAfter`; all outcomes. */
export async function loadLoop(n: number, send: () => Promise<Outcome>, until: () => boolean, maxPerLoop = 2000): Promise<Outcome[]> {
  const all: Outcome[] = [];
  await Promise.all(
    Array.from({ length: n }, async () => {
      for (let i = 0; i < maxPerLoop && !until(); i++) {
        const o = await send();
        all.push(o);
        if (o.error && (o.error === 'ECONNREFUSED' || o.error === 'ECONNRESET')) await new Promise((r) => setTimeout(r, 5));
      }
    }),
  );
  return all;
}

export interface KillableServer {
  proc: ChildProcess;
  url: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Start `llmr serve …` as a real process and wait for "llmr serving on <url>". */
export async function startServerProcess(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<KillableServer> {
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
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: r.status, json: (await r.json()) as Record<string, any>, headers: r.headers };
}
