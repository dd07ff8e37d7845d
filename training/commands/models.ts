import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { listArtifacts, readArtifact, removeStaleTemps, resolveArtifactDir, sealArtifact, verifyArtifact } from '../../src/artifacts/artifact.js';
import { LlmrError } from '../../src/errors.js';
import type { CliContext } from '../cliContext.js';

export function registerModelsCommands(ctx: CliContext): void {
  const models = ctx.group('models', 'list, inspect and verify trained artifacts');
  models
    .command('list')
    .description(`artifacts under the models dir (${ctx.config.modelsDir})`)
    .option('--json', 'machine-readable output')
    .action((o: { json?: boolean }) => {
      const all = listArtifacts(ctx.config.modelsDir);
      if (o.json) return void process.stdout.write(JSON.stringify(all, null, 2) + '\n');
      if (!all.length) return void process.stdout.write(`no artifacts under ${ctx.config.modelsDir} (train one: npm run demo)\n`);
      for (const a of all) process.stdout.write(`${a.name}/${a.version}  ${a.artifact}:${a.kind}  ${a.createdAt}  ${a.dir}\n`);
    });
  models
    .command('inspect')
    .argument('<artifact>', 'artifact folder, or <name>[/<version>] under the models dir')
    .description('print the manifest (verified)')
    .action((ref: string) => {
      const { manifest } = readArtifact(resolveArtifactDir(ref, ctx.config.modelsDir));
      process.stdout.write(JSON.stringify(manifest, null, 2) + '\n');
    });
  models
    .command('verify')
    .argument('[artifacts...]', 'artifacts to verify (default: all)')
    .description('check every file against the sha256 in its manifest')
    .action((refs: string[]) => {
      const dirs = refs.length ? refs.map((r) => resolveArtifactDir(r, ctx.config.modelsDir)) : listArtifacts(ctx.config.modelsDir).map((a) => a.dir);
      let bad = 0;
      for (const d of dirs) {
        const problems = verifyArtifact(d);
        process.stdout.write(`${problems.length ? 'FAIL' : 'ok  '} ${d}\n`);
        for (const p of problems) process.stdout.write(`  ${p.replace(/\n/g, '\n  ')}\n`);
        bad += problems.length ? 1 : 0;
      }
      if (bad) process.exitCode = 3;
    });
  models
    .command('gc')
    .description('remove temporary folders (.tmp-*) left by interrupted artifact writes')
    .option('--max-age <hours>', 'also remove temp folders of still-running writers older than this', '6')
    .option('--dry-run', 'list what would be removed')
    .action((o: { maxAge: string; dryRun?: boolean }) => {
      const hours = Number(o.maxAge);
      if (!Number.isFinite(hours) || hours < 0)
        throw new LlmrError(`--max-age must be a number of hours ≥ 0, got "${o.maxAge}"`, { field: '--max-age', fix: 'e.g. --max-age 6' });
      const root = ctx.config.modelsDir;
      const parents = existsSync(root)
        ? [
            root,
            ...readdirSync(root)
              .filter((n) => !n.startsWith('.'))
              .map((n) => join(root, n))
              .filter((p) => statSync(p).isDirectory()),
          ]
        : [];
      let n = 0;
      let bytes = 0;
      for (const p of parents) {
        // dry run: an age of "infinite" keeps everything; list instead
        const removed = o.dryRun ? [] : removeStaleTemps(p, hours * 3600_000);
        if (o.dryRun) for (const f of readdirSync(p).filter((x) => x.startsWith('.tmp-'))) process.stdout.write(`would check ${join(p, f)}\n`);
        for (const r of removed) process.stdout.write(`removed ${r.path} (${(r.bytes / 1e6).toFixed(1)} MB)\n`);
        n += removed.length;
        bytes += removed.reduce((a, r) => a + r.bytes, 0);
      }
      process.stdout.write(`${n} temporary folder${n === 1 ? '' : 's'} removed (${(bytes / 1e6).toFixed(1)} MB) under ${root}\n`);
    });
  models
    .command('seal')
    .argument('<artifact>', 'artifact folder, or <name>/<version> under the models dir')
    .description('record the sha256 of manifest.json (artifacts written before manifest digests, or after a deliberate edit)')
    .action((ref: string) => {
      const d = resolveArtifactDir(ref, ctx.config.modelsDir);
      process.stdout.write(`sealed ${d}: manifest.json sha256 ${sealArtifact(d)}\n`);
    });
}
