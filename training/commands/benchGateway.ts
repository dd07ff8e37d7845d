import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend/backend.js';
import { readRecords } from '../../src/data/readRecords.js';
import { LlmrError } from '../../src/errors.js';
import { quantile } from '../../src/eval/numeric.js';
import { trainRouter } from '../../src/routers/trainRouter.js';
import type { CliContext } from '../cliContext.js';
import { loadPrices } from './train.js';

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** Start `node training/llmr.js <args>` and wait for the line that names its URL. */
function startChild(args: string[], pattern: RegExp, env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['training/llmr.js', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start in 60 s: ${err}`)), 60_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = pattern.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]! });
      }
    });
    child.on('exit', (code) => reject(new Error(`${args[0]} exited with ${code}: ${err}`)));
  });
}

interface Timing {
  totalMs: number;
  firstByteMs: number;
  status: number;
}

/** The first few error bodies, printed on stderr to say why requests failed. */
const sampleErrors: string[] = [];

/** One POST over a keep-alive agent: total time and time to the first body byte. */
function post(agent: http.Agent, url: URL, body: string): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let first = 0;
        let errBody = '';
        res.on('data', (d: Buffer) => {
          if (!first) first = performance.now() - t0;
          if (res.statusCode !== 200 && errBody.length < 2_000) errBody += d.toString();
        });
        res.on('end', () => {
          if (errBody && sampleErrors.length < 3) sampleErrors.push(errBody.slice(0, 600));
          resolve({ totalMs: performance.now() - t0, firstByteMs: first, status: res.statusCode ?? 0 });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sequential requests, the series interleaved (one request of each in turn), so that every series sees the
 * same moments of a shared machine's load; returns the timings per series.
 */
async function interleaved(series: { url: URL; bodies: string[] }[], n: number, warm: number): Promise<Timing[][]> {
  const agents = series.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const out: Timing[][] = series.map(() => []);
  for (let i = 0; i < warm + n; i++)
    for (const [k, s] of series.entries()) {
      const t = await post(agents[k]!, s.url, s.bodies[i % s.bodies.length]!);
      if (t.status !== 200) throw new Error(`${s.url} answered ${t.status}`);
      if (i >= warm) out[k]!.push(t);
    }
  for (const a of agents) a.destroy();
  return out;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); null elsewhere. */
function cpuSeconds(pid: number | undefined): number | null {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

async function throughput(
  url: URL,
  bodies: string[],
  connections: number,
  seconds: number,
): Promise<{ rps: number; p50: number; p99: number; errors: number; errorKinds: Record<string, number> }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const end = performance.now() + seconds * 1000;
  const lat: number[] = [];
  let errors = 0;
  const errorKinds: Record<string, number> = {};
  let i = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const t = await post(agent, url, bodies[i++ % bodies.length]!).catch((e: NodeJS.ErrnoException) => ({
          totalMs: 0,
          firstByteMs: 0,
          status: 0,
          code: e.code ?? e.message,
        }));
        if (t.status === 200) lat.push(t.totalMs);
        else {
          errors++;
          const k = t.status ? `HTTP ${t.status}` : String((t as { code?: string }).code);
          errorKinds[k] = (errorKinds[k] ?? 0) + 1;
        }
      }
    }),
  );
  agent.destroy();
  return { rps: lat.length / seconds, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), errors, errorKinds };
}

const p = (xs: number[], q: number) => quantile(xs, q);
const f = (x: number) => x.toFixed(2);

/**
 * `llmr bench gateway`: what the gateway adds over calling the upstream directly. The mock upstream and the
 * gateway (`llmr serve --gateway`, kNN router with the hashing featurizer on the bundled sample) run as
 * separate processes; this process is the client.
 */
export function registerBenchGatewayCommands(ctx: CliContext): void {
  ctx
    .group('bench', 'benchmarks that print tables')
    .command('gateway')
    .description('gateway overhead over calling the OpenAI-compatible stand-in directly (p50/p99, streaming first byte) and throughput at 64 connections')
    .option('--requests <n>', 'sequential requests per series', '500')
    .option('--connections <n>', 'concurrent connections for the throughput series', '64')
    .option('--seconds <s>', 'duration of each throughput series', '10')
    .option('--data <file>', 'score table to train the router on', 'data/sample/llmrouter-train.jsonl.gz')
    .option('--out <dir>', 'write results here', 'out/bench')
    .action(async (o: { requests: string; connections: string; seconds: string; data: string; out: string }) => {
      const log = (s: string) => process.stderr.write(s + '\n');
      const n = Number(o.requests);
      const conns = Number(o.connections);
      const secs = Number(o.seconds);
      if (!(n > 0 && conns > 0 && secs > 0)) throw new LlmrError('--requests, --connections and --seconds must be positive numbers', { field: '--requests' });
      const backend = await initBackend(ctx.config.backend);
      const tmp = mkdtempSync(join(tmpdir(), 'llmr-bench-gw-'));
      const children: ChildProcess[] = [];
      try {
        const records = await readRecords(o.data, 'scores');
        const router = await trainRouter(records, { kind: 'knn', name: 'bench-gw', version: 'v1', prices: loadPrices(undefined, o.data) });
        const dir = join(tmp, 'models', 'bench-gw', 'v1');
        await router.save(dir);
        const prompts = records.slice(0, 200).map((r) => r.prompt);
        // In-process routing cost, the floor of what the gateway adds for model "router".
        for (const q of prompts.slice(0, 50)) await router.route({ prompt: q });
        const routeMs: number[] = [];
        for (let i = 0; i < n; i++) {
          const t = performance.now();
          await router.route({ prompt: prompts[i % prompts.length]! });
          routeMs.push(performance.now() - t);
        }
        log(
          `router: kNN over ${records.length} prompts, hashing featurizer, ${router.models.length} candidates; in-process route p50 ${f(p(routeMs, 0.5))} ms`,
        );

        const mock = await startChild(['mock-upstream', '--port', '0', '--reply', 'The answer is forty two, as computed above.'], /on (http:\/\/\S+\/v1)/);
        children.push(mock.child);
        const config = {
          upstreams: { mock: { baseUrl: mock.url, maxConcurrency: 512 } },
          models: Object.fromEntries(router.models.map((m) => [m, { upstream: 'mock', inputPerMTok: 1, outputPerMTok: 2 }])),
        };
        writeFileSync(join(tmp, 'gateway.json'), JSON.stringify(config));
        const gw = await startChild(['serve', '--router', dir, '--gateway', join(tmp, 'gateway.json'), '--port', '0'], /serving on (http:\/\/\S+)/);
        children.push(gw.child);

        const direct = new URL(`${mock.url}/chat/completions`);
        const via = new URL(`${gw.url}/v1/chat/completions`);
        const concrete = router.models[0]!;
        const body = (model: string, prompt: string, stream = false) =>
          JSON.stringify({ model, messages: [{ role: 'user', content: prompt }], ...(stream ? { stream: true } : {}) });
        const series: { name: string; url: URL; bodies: string[] }[] = [
          { name: 'stand-in directly', url: direct, bodies: prompts.map((q) => body(concrete, q)) },
          { name: 'gateway, model "router" (routing + proxy)', url: via, bodies: prompts.map((q) => body('router', q)) },
          { name: `gateway, model "${concrete}" (proxy only)`, url: via, bodies: prompts.map((q) => body(concrete, q)) },
          { name: 'stand-in directly, stream', url: direct, bodies: prompts.map((q) => body(concrete, q, true)) },
          { name: 'gateway, model "router", stream', url: via, bodies: prompts.map((q) => body('router', q, true)) },
        ];
        const rows: { name: string; p50: number; p99: number; ttfb50: number; ttfb99: number; load: string }[] = [];
        const cpu0 = [cpuSeconds(mock.child.pid), cpuSeconds(gw.child.pid)];
        const timings = await interleaved(series, n, 100);
        const cpu1 = [cpuSeconds(mock.child.pid), cpuSeconds(gw.child.pid)];
        const load = loadavg();
        for (const [k, s] of series.entries()) {
          const tot = timings[k]!.map((x) => x.totalMs);
          const fb = timings[k]!.map((x) => x.firstByteMs);
          rows.push({ name: s.name, p50: p(tot, 0.5), p99: p(tot, 0.99), ttfb50: p(fb, 0.5), ttfb99: p(fb, 0.99), load });
          log(`  ${s.name}: p50 ${f(p(tot, 0.5))} ms, first byte p50 ${f(p(fb, 0.5))} ms`);
        }
        // Gateway CPU per request: every gateway request in the run (3 of the 5 series) over the gateway process's CPU time.
        const gwCpuMs = cpu0[1] !== null && cpu1[1] !== null ? ((cpu1[1]! - cpu0[1]!) * 1000) / (3 * (n + 100)) : null;
        const mockCpuMs = cpu0[0] !== null && cpu1[0] !== null ? ((cpu1[0]! - cpu0[0]!) * 1000) / (5 * (n + 100)) : null;
        log(`  gateway process CPU per request ${gwCpuMs?.toFixed(2) ?? '?'} ms, stand-in ${mockCpuMs?.toFixed(2) ?? '?'} ms (load ${load})`);
        const tput: { name: string; rps: number; p50: number; p99: number; errors: number; errorKinds: Record<string, number>; load: string }[] = [];
        for (const s of [series[0]!, series[1]!]) {
          const r = await throughput(s.url, s.bodies, conns, secs);
          tput.push({ name: s.name, ...r, load: loadavg() });
          log(
            `  ${conns} connections, ${s.name}: ${r.rps.toFixed(0)} req/s, p50 ${f(r.p50)} ms, errors ${r.errors} ${JSON.stringify(r.errorKinds)} (load ${loadavg()})`,
          );
        }
        for (const e of sampleErrors) log(`  error body: ${e}`);
        const [d, r, c, ds, rs] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
        const md = [
          `Gateway overhead: ${n} sequential requests per series after 100 warm-up, loopback, keep-alive; kNN router over ${records.length} prompts, hashing featurizer, backend ${backend.name}; the stand-in and the gateway in their own processes.`,
          `The five series run interleaved (one request of each in turn) so they share the machine's moments of load; the machine is shared with other agents (${cpus().length} CPUs, load average per row).`,
          `In-process RouterPipeline.route: p50 ${f(p(routeMs, 0.5))} ms, p99 ${f(p(routeMs, 0.99))} ms. CPU per request (from /proc): gateway process ${gwCpuMs?.toFixed(2) ?? '?'} ms (mean over its "router" and proxy-only requests), stand-in ${mockCpuMs?.toFixed(2) ?? '?'} ms.`,
          '',
          '| series | p50 ms | p99 ms | first byte p50 ms | first byte p99 ms | added p50 ms | added p99 ms | loadavg |',
          '|---|---|---|---|---|---|---|---|',
          `| ${d.name} | ${f(d.p50)} | ${f(d.p99)} | ${f(d.ttfb50)} | ${f(d.ttfb99)} | — | — | ${d.load} |`,
          `| ${r.name} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.ttfb50)} | ${f(r.ttfb99)} | **${f(r.p50 - d.p50)}** | ${f(r.p99 - d.p99)} | ${r.load} |`,
          `| ${c.name} | ${f(c.p50)} | ${f(c.p99)} | ${f(c.ttfb50)} | ${f(c.ttfb99)} | ${f(c.p50 - d.p50)} | ${f(c.p99 - d.p99)} | ${c.load} |`,
          `| ${ds.name} | ${f(ds.p50)} | ${f(ds.p99)} | ${f(ds.ttfb50)} | ${f(ds.ttfb99)} | — | — | ${ds.load} |`,
          `| ${rs.name} | ${f(rs.p50)} | ${f(rs.p99)} | ${f(rs.ttfb50)} | ${f(rs.ttfb99)} | first byte **${f(rs.ttfb50 - ds.ttfb50)}** | first byte ${f(rs.ttfb99 - ds.ttfb99)} | ${rs.load} |`,
          '',
          `Throughput, ${conns} connections, ${secs} s each (non-streaming):`,
          '',
          '| target | req/s | p50 ms | p99 ms | errors | loadavg |',
          '|---|---|---|---|---|---|',
          ...tput.map(
            (t) =>
              `| ${t.name} | ${t.rps.toFixed(0)} | ${f(t.p50)} | ${f(t.p99)} | ${t.errors}${
                t.errors
                  ? ` (${Object.entries(t.errorKinds)
                      .map(([k, v]) => `${k}: ${v}`)
                      .join(', ')})`
                  : ''
              } | ${t.load} |`,
          ),
        ].join('\n');
        process.stdout.write(md + '\n');
        mkdirSync(o.out, { recursive: true });
        writeFileSync(join(o.out, 'bench-gateway.md'), md + '\n');
        writeFileSync(
          join(o.out, 'bench-gateway.json'),
          JSON.stringify(
            {
              backend: backend.name,
              requests: n,
              gatewayCpuMsPerRequest: gwCpuMs,
              mockCpuMsPerRequest: mockCpuMs,
              routeInProcess: { p50: p(routeMs, 0.5), p99: p(routeMs, 0.99) },
              rows,
              throughput: tput,
            },
            null,
            2,
          ),
        );
      } finally {
        for (const c of children) c.kill('SIGTERM');
        rmSync(tmp, { recursive: true, force: true });
      }
    });
}
