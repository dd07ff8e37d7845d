import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_ORDER, backendLabel, initBackend, type BackendInfo, type BackendName } from '../../src/backend/backend.js';
import { adapterLabel, swiftShaderEnv } from '../../src/backend/webgpuAdapter.js';
import { defaultWasmThreads, MAX_WASM_THREADS, parseWasmThreads } from '../../src/backend/wasmThreads.js';
import { importDataset } from '../../src/data/importers/registry.js';
import { LlmrError } from '../../src/errors.js';
import { l2normalize } from '../../src/featurizers/Featurizer.js';
import { createFeaturizer } from '../../src/featurizers/registry.js';
import { fitRouter } from '../../src/routers/fitRouter.js';
import { routers, routerSpec } from '../../src/routers/registry.js';
import type { TrainingSet } from '../../src/routers/Router.js';
import { buildTrainingSet } from '../../src/routers/trainingSet.js';
import { Rng } from '../../src/util/rng.js';
import type { CliContext } from '../cliContext.js';

/**
 * `llmr bench train`: training throughput of every router kind on every TF.js backend that starts here, on
 * a fixed synthetic problem and on a shared real data set, plus the same MLP in PyTorch (training/reference/
 * mlp_torch.py, Debian python3-torch) on the identical arrays for a framework ratio. Prints a Markdown table
 * and writes JSON + Markdown to --out.
 */

/** Per-kind settings: every epoch trains (no validation, no early stop) so an epoch is comparable. */
const EPOCH_PARAMS = { valFraction: 0, patience: 0 };

export interface BenchTrainRow {
  problem: string;
  rows: number;
  dim: number;
  models: number;
  router: string;
  backend: string;
  /** wasm: XNNPACK threads; absent for other backends. */
  threads?: number;
  /** webgpu: the adapter it ran on ("google swiftshader (SwiftShader driver 5.0.0, software)"). */
  adapter?: string;
  epochs: number | null;
  fitS: number;
  /** Mean seconds per epoch after the first (warm-up) one; null for routers without epochs. */
  epochS: number | null;
  /** Training rows per second (per epoch for gradient routers, over the whole fit otherwise). */
  samplesPerS: number;
  predictRowsPerS: number;
  /** samplesPerS ÷ the PyTorch reference's samples/s on the same problem (MLP only). */
  vsTorch1?: number;
  vsTorchAll?: number;
}

export interface TorchRow {
  problem: string;
  framework: string;
  threads: number;
  epochS: number;
  samplesPerS: number;
}

/** Synthetic routing problem: clustered unit vectors, per-cluster model success rates, 0/1 scores, 5 % missing. */
export function syntheticProblem(rows: number, dim: number, models: number, seed: number): TrainingSet {
  const rng = new Rng(seed);
  const clusters = 16;
  const centres = Array.from({ length: clusters }, () => l2normalize(Float32Array.from({ length: dim }, () => rng.normal())));
  const rates = Array.from({ length: clusters }, () => Array.from({ length: models }, () => rng.next()));
  const features: Float32Array[] = [];
  const scores: Float64Array[] = [];
  for (let i = 0; i < rows; i++) {
    const c = rng.int(clusters);
    features.push(l2normalize(Float32Array.from(centres[c]!, (v) => v + rng.normal() / Math.sqrt(dim))));
    scores.push(Float64Array.from(rates[c]!, (p) => (rng.next() < 0.05 ? Number.NaN : rng.next() < p ? 1 : 0)));
  }
  return { ids: features.map((_, i) => `s${i}`), features, models: Array.from({ length: models }, (_, j) => `m${j}`), scores, tasks: undefined };
}

async function benchRouter(kind: string, data: TrainingSet, epochs: number, backend: BackendInfo, problem: string): Promise<BenchTrainRow> {
  const gradient = routerSpec(kind).capabilities.gradient;
  const t0 = performance.now();
  const router = await fitRouter(kind, gradient ? { ...EPOCH_PARAMS, epochs } : {}, data, { seed: 1 });
  const fitS = (performance.now() - t0) / 1000;
  let epochS: number | null = null;
  if (router.lastTrain) {
    const h = router.lastTrain.history.map((e) => e.seconds);
    const steady = h.length > 1 ? h.slice(1) : h;
    epochS = steady.reduce((a, b) => a + b, 0) / steady.length;
  }
  const n = data.features.length;
  const p0 = performance.now();
  await router.predict(data.features);
  const predictS = (performance.now() - p0) / 1000;
  router.dispose?.();
  return {
    problem,
    rows: n,
    dim: data.features[0]!.length,
    models: data.models.length,
    router: kind,
    backend: backend.name,
    ...(backend.threads !== undefined ? { threads: backend.threads } : {}),
    ...(backend.adapter ? { adapter: adapterLabel(backend.adapter) } : {}),
    epochs: epochS === null ? null : epochs,
    fitS,
    epochS,
    samplesPerS: n / (epochS ?? fitS),
    predictRowsPerS: n / predictS,
  };
}

/** The MLP reference in PyTorch on the same arrays; null with the reason when it cannot run. */
function torchReference(script: string, data: TrainingSet, epochs: number, threads: number, problem: string): { row: TorchRow } | { reason: string } {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return { reason: `${python} not found` };
  const probe = spawnSync(python, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0)
    return { reason: `PyTorch is not installed for ${python} (apt-get install -y python3-torch): ${(probe.stderr || '').trim().split('\n').pop()}` };
  const dir = mkdtempSync(join(tmpdir(), 'llmr-bench-torch-'));
  try {
    const n = data.features.length;
    const dim = data.features[0]!.length;
    const nm = data.models.length;
    const x = new Float32Array(n * dim);
    data.features.forEach((f, i) => x.set(f, i * dim));
    const t = new Float32Array(n * nm);
    data.scores.forEach((r, i) => r.forEach((v, j) => (t[i * nm + j] = v)));
    writeFileSync(join(dir, 'x.f32'), new Uint8Array(x.buffer));
    writeFileSync(join(dir, 't.f32'), new Uint8Array(t.buffer));
    const args = [
      script,
      '--features',
      join(dir, 'x.f32'),
      '--targets',
      join(dir, 't.f32'),
      '--rows',
      String(n),
      '--dim',
      String(dim),
      '--models',
      String(nm),
      '--epochs',
      String(epochs),
      '--threads',
      String(threads),
    ];
    const r = spawnSync(python, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) return { reason: `reference script failed: ${(r.stderr || '').trim().split('\n').slice(-2).join(' ')}` };
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { framework: string; threads: number; secondsPerEpoch: number; samplesPerSec: number };
    return { row: { problem, framework: out.framework, threads: out.threads, epochS: out.secondsPerEpoch, samplesPerS: out.samplesPerSec } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sharedProblem(dataRoot: string, log: (s: string) => void): Promise<TrainingSet | string> {
  const dir = join(dataRoot, 'routerbench-subset-via-routerdc');
  if (!existsSync(dir)) return `shared data not found at ${dir} (set LLMR_SHARED_DATA or place ../shared/data beside the repo)`;
  const r = await importDataset('routerbench', dir);
  if (r.kind !== 'scores') return 'routerbench importer returned pairwise records';
  const train = r.splits.train!;
  log(`shared: featurizing ${train.length} RouterBench training prompts (hashing featurizer, default config)`);
  const f = createFeaturizer('hashing');
  await f.fit(train.map((x) => x.prompt));
  return buildTrainingSet(train, await f.transform(train.map((x) => x.prompt)));
}

type BenchOptions = { rows: string; dim: string; models: string; epochs: string; routers: string; cpuRows: string; webgpuRows: string; shared: boolean };

/**
 * Run this benchmark for one backend in a child process: wasm with another thread count (a process starts wasm
 * once, with one pool size), or webgpu with an environment that only takes effect at process start (the
 * SwiftShader Vulkan driver and its loader: swiftShaderEnv).
 */
function benchChild(backend: 'wasm' | 'webgpu', threads: number, o: BenchOptions, env: NodeJS.ProcessEnv = process.env): BenchTrainRow[] {
  const dir = mkdtempSync(join(tmpdir(), `llmr-bench-${backend}-`));
  try {
    const args = [
      ...process.execArgv,
      process.argv[1]!,
      'bench',
      'train',
      '--backends',
      backend,
      '--wasm-threads',
      String(threads),
      '--rows',
      o.rows,
      '--dim',
      o.dim,
      '--models',
      o.models,
      '--epochs',
      o.epochs,
      '--routers',
      o.routers,
      '--cpu-rows',
      o.cpuRows,
      '--webgpu-rows',
      o.webgpuRows,
      '--no-torch',
      '--out',
      dir,
      ...(o.shared ? [] : ['--no-shared']),
    ];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
    if (r.status !== 0)
      throw new LlmrError(`the ${backend} benchmark${backend === 'wasm' ? ` with ${threads} threads` : ''} failed (exit ${r.status ?? r.signal})`, {
        field: '--backends',
        fix: `run it alone (--backends ${backend}) to see the error`,
      });
    return (JSON.parse(readFileSync(join(dir, 'bench-train.json'), 'utf8')) as { results: BenchTrainRow[] }).results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fmt(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v >= 1000 ? v.toFixed(0) : v.toFixed(digits);
}

export function registerBenchTrainCommands(ctx: CliContext): void {
  ctx
    .group('bench', 'benchmarks that print tables')
    .command('train')
    .description('training throughput per router and TF.js backend (synthetic + shared data), and the MLP against a PyTorch reference')
    .option('--rows <n>', 'synthetic problem rows', '2048')
    .option('--dim <d>', 'synthetic feature dimension (the hashing featurizer default)', '4096')
    .option('--models <n>', 'synthetic candidate models', '11')
    .option('--epochs <n>', 'epochs per gradient-trained router (the first is reported as warm-up)', '3')
    .option('--routers <kinds>', 'comma-separated router kinds', routers.kinds.join(','))
    .option('--backends <names>', `comma-separated backends to try (${BACKEND_ORDER.join(', ')})`, BACKEND_ORDER.join(','))
    .option(
      '--wasm-threads <list>',
      `comma-separated wasm thread counts (1..${MAX_WASM_THREADS}); the first runs in this process, the others in child processes`,
      [...new Set([1, defaultWasmThreads()])].join(','),
    )
    .option('--cpu-rows <n>', 'rows for the pure-JS cpu backend (it is ~10-50× slower)', '256')
    .option('--webgpu-rows <n>', 'rows for WebGPU on a software adapter (SwiftShader runs GPU kernels at CPU speed)', '256')
    .option('--no-shared', 'skip the shared real data set')
    .option('--no-torch', 'skip the PyTorch reference')
    .option('--out <dir>', 'write bench-train.json / .md here', 'out/bench')
    .action(
      async (o: {
        rows: string;
        dim: string;
        models: string;
        epochs: string;
        routers: string;
        backends: string;
        wasmThreads: string;
        cpuRows: string;
        webgpuRows: string;
        shared: boolean;
        torch: boolean;
        out: string;
      }) => {
        const log = (s: string) => process.stderr.write(s + '\n');
        const num = (flag: string, v: string) => {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 1) throw new LlmrError(`${flag} must be a positive integer, got "${v}"`, { field: flag });
          return n;
        };
        const rows = num('--rows', o.rows);
        const dim = num('--dim', o.dim);
        const nModels = num('--models', o.models);
        const epochs = num('--epochs', o.epochs);
        const cpuRows = num('--cpu-rows', o.cpuRows);
        const webgpuRows = num('--webgpu-rows', o.webgpuRows);
        const kinds = o.routers
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        kinds.forEach((k) => routerSpec(k));
        const wanted = o.backends
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const threadCounts = [...new Set(o.wasmThreads.split(',').map((v) => parseWasmThreads(v.trim(), '--wasm-threads')))];
        const synthetic = syntheticProblem(rows, dim, nModels, 7);
        const shared = o.shared ? await sharedProblem(resolve(ctx.config.sharedDataDir), log) : 'skipped (--no-shared)';
        const problems: { name: string; data: TrainingSet }[] = [{ name: `synthetic ${rows}×${dim}, ${nModels} models`, data: synthetic }];
        if (typeof shared !== 'string')
          problems.push({ name: `RouterBench train (${shared.features.length}×${shared.features[0]!.length}, ${shared.models.length} models)`, data: shared });
        else log(`shared data set: ${shared}`);

        const backends: { name: string; ok: boolean; reason?: string }[] = [];
        const results: BenchTrainRow[] = [];
        for (const b of wanted) {
          if (!(BACKEND_ORDER as readonly string[]).includes(b))
            throw new LlmrError(`unknown backend "${b}"`, { field: '--backends', fix: `use some of: ${BACKEND_ORDER.join(', ')}` });
          let info: Awaited<ReturnType<typeof initBackend>>;
          try {
            info = await initBackend(b as BackendName, { wasmThreads: threadCounts[0] });
          } catch (e) {
            const reason = (e as Error).message.replace(/^no TF\.js backend could start \(/, '').replace(/\)$/, '');
            // No adapter in this process, but chromium's SwiftShader driver is here: its loader needs a fresh process.
            const env = b === 'webgpu' && !process.env.LLMR_BENCH_CHILD ? swiftShaderEnv() : null;
            if (env) {
              log(`backend webgpu: no adapter in this process (${reason}); child process on the SwiftShader Vulkan driver (${env.VK_ICD_FILENAMES})`);
              const rowsOut = benchChild('webgpu', threadCounts[0]!, o, { ...env, LLMR_BENCH_CHILD: '1' });
              results.push(...rowsOut);
              backends.push({ name: b, ok: true, reason: `child process on ${rowsOut[0]?.adapter ?? 'SwiftShader'}` });
              continue;
            }
            backends.push({ name: b, ok: false, reason });
            log(`backend ${b}: unavailable — ${reason}`);
            continue;
          }
          backends.push({ name: b, ok: true, ...(info.adapter ? { reason: `on ${adapterLabel(info.adapter)}` } : {}) });
          log(`backend ${b}: running (tf ${tf.getBackend()}, ${backendLabel(info)})`);
          // The pure-JS cpu backend and a software GPU adapter train a prefix of the rows (they are 10-100× slower).
          const limit = b === 'cpu' ? cpuRows : info.adapter?.software ? webgpuRows : Number.POSITIVE_INFINITY;
          for (const p of problems) {
            const data =
              p.data.features.length > limit
                ? { ...p.data, ids: p.data.ids.slice(0, limit), features: p.data.features.slice(0, limit), scores: p.data.scores.slice(0, limit) }
                : p.data;
            for (const kind of kinds) {
              log(`  ${p.name} · ${kind} · ${b} (${data.features.length} rows)`);
              results.push(await benchRouter(kind, data, epochs, info, p.name));
            }
          }
        }
        // A process starts wasm once with one pool size: other thread counts run as child processes.
        if (backends.some((b) => b.name === 'wasm' && b.ok))
          for (const n of threadCounts.slice(1)) {
            log(`backend wasm with ${n} threads: child process`);
            results.push(...benchChild('wasm', n, o));
          }

        const torchRows: TorchRow[] = [];
        let torchNote = '';
        if (o.torch && kinds.includes('mlp')) {
          const script = resolve(import.meta.dirname, '..', 'reference', 'mlp_torch.py');
          for (const p of problems)
            for (const threads of [...new Set([1, availableParallelism()])]) {
              const r = torchReference(script, p.data, epochs, threads, p.name);
              if ('reason' in r) {
                torchNote = r.reason;
                break;
              }
              torchRows.push(r.row);
            }
          for (const row of results.filter((x) => x.router === 'mlp')) {
            const t1 = torchRows.find((t) => t.problem === row.problem && t.threads === 1);
            const tAll = torchRows.filter((t) => t.problem === row.problem && t.threads > 1)[0];
            const full = problems.find((p) => p.name === row.problem)!.data.features.length === row.rows;
            if (t1 && full) row.vsTorch1 = row.samplesPerS / t1.samplesPerS;
            if (tAll && full) row.vsTorchAll = row.samplesPerS / tAll.samplesPerS;
          }
        } else torchNote = o.torch ? 'mlp not among --routers' : 'skipped (--no-torch)';
        if (torchNote) log(`PyTorch reference: ${torchNote}`);

        const md = [
          `Training throughput (epochs ${epochs}; epoch s = mean after the warm-up epoch; cpu backend on the first ${cpuRows} rows, webgpu on a software adapter on the first ${webgpuRows}):`,
          '',
          '| problem | router | backend | threads | rows | epoch s | samples/s | fit s | predict rows/s | ×torch 1 thread | ×torch all cores |',
          '|---|---|---|---|---|---|---|---|---|---|---|',
          ...results.map(
            (r) =>
              `| ${r.problem} | ${r.router} | ${r.adapter ? `${r.backend} on ${r.adapter}` : r.backend} | ${r.threads ?? '—'} | ${r.rows} | ${fmt(r.epochS, 3)} | ${fmt(r.samplesPerS, 0)} | ${fmt(r.fitS)} | ${fmt(r.predictRowsPerS, 0)} | ${fmt(r.vsTorch1)} | ${fmt(r.vsTorchAll)} |`,
          ),
          '',
          torchRows.length ? 'PyTorch reference (training/reference/mlp_torch.py, same MLP, same arrays):' : `PyTorch reference: ${torchNote}`,
          ...(torchRows.length
            ? [
                '',
                '| problem | framework | threads | epoch s | samples/s |',
                '|---|---|---|---|---|',
                ...torchRows.map((t) => `| ${t.problem} | ${t.framework} | ${t.threads} | ${fmt(t.epochS, 3)} | ${fmt(t.samplesPerS, 0)} |`),
              ]
            : []),
          '',
          'Backends:',
          '',
          '| backend | status |',
          '|---|---|',
          ...backends.map((b) => `| ${b.name} | ${b.ok ? `benchmarked${b.reason ? ` (${b.reason})` : ''}` : `unavailable: ${b.reason}`} |`),
          ...(typeof shared === 'string' ? ['', `Shared data set: ${shared}`] : []),
        ].join('\n');
        process.stdout.write(md + '\n');
        if (!existsSync(o.out)) mkdirSync(o.out, { recursive: true });
        writeFileSync(
          join(o.out, 'bench-train.json'),
          JSON.stringify(
            {
              date: new Date().toISOString(),
              epochs,
              results,
              torch: torchRows,
              torchNote,
              backends,
              shared: typeof shared === 'string' ? shared : 'routerbench train',
            },
            null,
            2,
          ),
        );
        writeFileSync(join(o.out, 'bench-train.md'), md + '\n');
      },
    );
}
