import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend/backend.js';
import { readRecords } from '../../src/data/readRecords.js';
import { quantile } from '../../src/eval/numeric.js';
import { trainRouter } from '../../src/routers/trainRouter.js';
import type { CliContext } from '../cliContext.js';
import { loadPrices } from './train.js';

const KEY = 'bench-key-0123456789abcdef0123';
const ADMIN = 'bench-admin-0123456789abcdef01';

function startChild(args: string[], env: NodeJS.ProcessEnv, re: RegExp): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  return new Promise((resolve, reject) => {
    proc.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      const m = re.exec(err);
      if (m) resolve({ proc, url: m[1]! });
    });
    proc.on('exit', (code) => reject(new Error(`child exited ${code}: ${err}`)));
  });
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

function send(
  url: string,
  path: string,
  method: string,
  body: string | null,
  agent: Agent,
  headers: Record<string, string> = {},
): Promise<{ status: number; ms: number }> {
  const u = new URL(url);
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path,
        method,
        agent,
        headers: {
          ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
          authorization: `Bearer ${KEY}`,
          ...headers,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
      },
    );
    req.on('error', () => resolve({ status: 0, ms: performance.now() - t0 }));
    req.end(body ?? undefined);
  });
}

/** `conns` loops for `seconds`; returns every (status, ms). */
async function load(conns: number, seconds: number, one: (agent: Agent) => Promise<{ status: number; ms: number }>): Promise<{ status: number; ms: number }[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: conns });
  const end = performance.now() + seconds * 1000;
  const out: { status: number; ms: number }[] = [];
  await Promise.all(
    Array.from({ length: conns }, async () => {
      while (performance.now() < end) out.push(await one(agent));
    }),
  );
  agent.destroy();
  return out;
}

const stats = (xs: { status: number; ms: number }[], seconds: number) => {
  const ok = xs.filter((x) => x.status === 200).map((x) => x.ms);
  return {
    n: xs.length,
    ok: ok.length,
    failed: xs.length - ok.length,
    rps: ok.length / seconds,
    p50: ok.length ? quantile(ok, 0.5) : NaN,
    p99: ok.length ? quantile(ok, 0.99) : NaN,
  };
};

export function registerBenchServiceCommands(ctx: CliContext): void {
  const bench = ctx.group('bench', 'benchmarks');
  bench
    .command('service')
    .description(
      'the HTTP service under load: /route at 64 connections vs a bare express endpoint, /healthz while the heavy lane is saturated, failures across a reload, RSS',
    )
    .option('--data <file>', 'score table to train the router on', 'data/sample/llmrouter-train.jsonl.gz')
    .option('--seconds <n>', 'seconds per measurement', '5')
    .option('--connections <n>', 'concurrent connections', '64')
    .action(async (o: { data: string; seconds: string; connections: string }) => {
      const S = Number(o.seconds);
      const C = Number(o.connections);
      const log = (s: string) => process.stderr.write(s + '\n');
      await initBackend(ctx.config.backend);
      const tmp = mkdtempSync(join(tmpdir(), 'llmr-bench-service-'));
      const models = join(tmp, 'models');
      const records = await readRecords(o.data, 'scores');
      const prompts = records.slice(0, 200).map((r) => r.prompt);
      for (const v of ['v1', 'v2'])
        await (await trainRouter(records, { kind: 'knn', name: 'bench', version: v, prices: loadPrices(undefined, o.data) })).save(join(tmp, 'staging', v));
      cpSync(join(tmp, 'staging', 'v1'), join(models, 'bench', 'v1'), { recursive: true });
      log(`trained kNN on ${records.length} rows; starting llmr serve and a bare express server`);
      const srv = await startChild(
        [process.argv[1]!, 'serve', '--router', 'bench', '--port', '0'],
        { LLMR_MODELS_DIR: models, LLMR_API_KEYS: KEY, LLMR_ADMIN_API_KEYS: ADMIN, LLMR_RATE_LIMIT: '1000000' },
        /serving on (http:\/\/\S+)/,
      );
      const bare = await startChild(
        [
          '--input-type=module',
          '-e',
          "import express from 'express'; const a = express(); a.use(express.json()); a.post('/x', (q, r) => r.json({ model: 'm', ok: true })); const s = a.listen(0, '127.0.0.1', () => process.stderr.write('bare on http://127.0.0.1:' + s.address().port + '\\n'));",
        ],
        {},
        /bare on (http:\/\/\S+)/,
      );
      try {
        let i = 0;
        const body = () => JSON.stringify({ prompt: prompts[i++ % prompts.length], policy: { kind: 'willingness-to-pay', wtp: 100 } });
        await load(8, 1, (a) => send(srv.url, '/route', 'POST', body(), a)); // warm-up
        const rssBefore = rssMb(srv.proc.pid!);
        const loadBefore = readFileSync('/proc/loadavg', 'utf8').trim();
        log('measuring /route …');
        const route = stats(await load(C, S, (a) => send(srv.url, '/route', 'POST', body(), a)), S);
        log('measuring bare express …');
        const bareS = stats(await load(C, S, (a) => send(bare.url, '/x', 'POST', body(), a)), S);
        log('saturating the heavy lane …');
        const batch = JSON.stringify({ requests: prompts.slice(0, 64).map((prompt) => ({ prompt })) });
        const [heavy, health] = await Promise.all([
          load(16, S, (a) => send(srv.url, '/route/batch', 'POST', batch, a)),
          load(1, S, async (a) => {
            const r = await send(srv.url, '/healthz', 'GET', null, a);
            await new Promise((res) => setTimeout(res, 20));
            return r;
          }),
        ]);
        const h = stats(health, S);
        const heavyOk = heavy.filter((x) => x.status === 200).length;
        const heavy503 = heavy.filter((x) => x.status === 503).length;
        log('reload and rollback under load …');
        const reloadLoad = load(32, S, (a) => send(srv.url, '/route', 'POST', body(), a));
        await new Promise((r) => setTimeout(r, (S * 1000) / 4));
        cpSync(join(tmp, 'staging', 'v2'), join(models, 'bench', '.tmp-v2-0-0'), { recursive: true });
        renameSync(join(models, 'bench', '.tmp-v2-0-0'), join(models, 'bench', 'v2'));
        const agent = new Agent();
        const re = await send(srv.url, '/admin/reload', 'POST', '{}', agent, { authorization: `Bearer ${ADMIN}` });
        await new Promise((r) => setTimeout(r, (S * 1000) / 4));
        const rb = await send(srv.url, '/admin/rollback', 'POST', '{}', agent, { authorization: `Bearer ${ADMIN}` });
        const rl = stats(await reloadLoad, S);
        const rssAfter = rssMb(srv.proc.pid!);
        const loadAfter = readFileSync('/proc/loadavg', 'utf8').trim();
        const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');
        const rows = [
          ['measurement', 'value'],
          [`/route, ${C} connections, ${S} s: req/s`, f(route.rps, 0)],
          ['/route p50 / p99 ms', `${f(route.p50)} / ${f(route.p99)}`],
          [`bare express endpoint, same run: req/s`, f(bareS.rps, 0)],
          ['bare express p50 / p99 ms', `${f(bareS.p50)} / ${f(bareS.p99)}`],
          ['/route ÷ bare express throughput', f(route.rps / bareS.rps, 2)],
          ['/route failed requests', String(route.failed)],
          [`/healthz p50 / p99 ms while 16 clients saturate the heavy lane (/route/batch × 64)`, `${f(h.p50)} / ${f(h.p99)}`],
          ['  /healthz answered (statuses)', `${health.length} (${[...new Set(health.map((x) => x.status))].join(', ')})`],
          ['  heavy lane: batches answered / 503 (queue full or timeout)', `${heavyOk} / ${heavy503}`],
          [`requests failed during a reload + rollback (32 connections, ${rl.n} requests)`, `${rl.failed}  (reload ${re.status}, rollback ${rb.status})`],
          ['server RSS before / after, MB', `${f(rssBefore, 0)} / ${f(rssAfter, 0)}`],
          ['loadavg before / after (shared machine)', `${loadBefore.split(' ').slice(0, 3).join(' ')} / ${loadAfter.split(' ').slice(0, 3).join(' ')}`],
        ];
        const w = Math.max(...rows.map((r) => r[0]!.length));
        process.stdout.write(`\n| ${'measurement'.padEnd(w)} | value |\n|${'-'.repeat(w + 2)}|-------|\n`);
        for (const r of rows.slice(1)) process.stdout.write(`| ${r[0]!.padEnd(w)} | ${r[1]} |\n`);
        process.stdout.write(`\nmachine shared with other jobs; cat /proc/loadavg: ${loadAfter}\n`);
      } finally {
        srv.proc.kill('SIGTERM');
        bare.proc.kill('SIGTERM');
      }
    });
}
