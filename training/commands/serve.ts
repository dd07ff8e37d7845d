import { LlmrError } from '../../src/errors.js';
import { loadRankService } from '../../serve/rankService.js';
import { runServer } from '../../serve/run.js';
import { SERVE_FLAG_HELP, type ServeFlags, serveOptionsFromFlags } from '../../serve/serveConfig.js';
import type { CliContext } from '../cliContext.js';

const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const BOOL = new Set(['insecure', 'watch', 'storePrompts', 'online']);

export function registerServeCommands(ctx: CliContext): void {
  const cmd = ctx.program
    .command('serve')
    .description('start the HTTP service (POST /route, /route/batch, /rank; auth, limits, drain on SIGTERM, reload on SIGHUP)');
  for (const [k, help] of Object.entries(SERVE_FLAG_HELP)) cmd.option(BOOL.has(k) ? `--${kebab(k)}` : `--${kebab(k)} <value>`, help);
  cmd.action(async (o: ServeFlags) => {
    try {
      await runServer({ ...serveOptionsFromFlags(o), modelsDir: ctx.config.modelsDir, backend: ctx.config.backend, loadRanker: loadRankService });
    } catch (e) {
      // one line: cause — fix
      if (!(e instanceof LlmrError)) throw e;
      process.stderr.write(`error: ${e.message}${e.fix ? ` — fix: ${e.fix}` : ''}\n`);
      process.exit(2);
    }
    await new Promise(() => {});
  });
}
