import { listArtifacts, readArtifact, resolveArtifactDir, verifyArtifact } from '../../src/artifacts/artifact.js';
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
}
