import type { CliContext } from '../cliContext.js';
import { backendLabel } from '../../src/backend/backend.js';
import { defaultWasmThreads } from '../../src/backend/wasmThreads.js';
import { doctorReport } from '../../src/doctor.js';

export function registerCoreCommands(ctx: CliContext): void {
  ctx.program
    .command('doctor')
    .description('print the TF.js backend, featurizers available, versions, and why anything is unavailable')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const r = await doctorReport(ctx.config);
      if (o.json) return void process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      const lines = [`llm-router-tfjs ${r.version} on node ${r.node} (${r.platform})`, '', `TF.js backend in use: ${backendLabel(r.backend)}`];
      if (r.backend.name === 'wasm')
        lines.push(
          `  wasm threads: ${r.backend.threads} (LLMR_WASM_THREADS=${process.env.LLMR_WASM_THREADS || 'auto'}; auto = every core up to 8 = ${defaultWasmThreads()} here)`,
        );
      for (const a of r.backend.attempts) lines.push(`  ${a.ok ? '✓' : '✗'} ${a.name}${a.reason ? `: ${a.reason}` : ''}`);
      const w = r.webgpuAdapter;
      lines.push(
        'reason' in w
          ? `WebGPU adapter: none (${w.reason})`
          : `WebGPU adapter: vendor ${w.vendor || '?'}, architecture ${w.architecture || '?'}, "${w.description || w.device}"${w.software ? ' (software: a CPU implementation of Vulkan, slower than wasm; used only with LLMR_BACKEND=webgpu)' : ' (hardware)'}`,
      );
      const group = (status: string, title: string, mark: string) => {
        const fs = r.featurizers.filter((f) => f.status === status);
        if (fs.length) lines.push(`  ${title}:`, ...fs.map((f) => `    ${mark} ${f.kind}${f.reason ? `: ${f.reason}` : ''}`));
      };
      lines.push('', 'featurizers:');
      group('ready', 'ready now (offline)', '✓');
      group('needs-download', 'needs a download first', '↓');
      group('unavailable', 'unavailable', '✗');
      for (const [name, p] of Object.entries(r.featurizerPresets)) lines.push(`  preset ${name} = ${p.kind} ${JSON.stringify(p.config ?? {})}`);
      lines.push('', 'packages:');
      for (const [k, v] of Object.entries(r.packages)) lines.push(`  ${k}: ${v}`);
      lines.push('', `models dir: ${r.modelsDir} (${r.artifacts} artifacts)`, `embedding cache: ${r.cacheDir}`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}
