#!/usr/bin/env node
// The `llmr` command (the package's bin, compiled to dist/training/cli.js; from sources: node training/llmr.js).
import { LlmrError } from '../src/errors.js';
import { createContext, type CliContext } from './cliContext.js';

type Register = (ctx: CliContext) => void;

/**
 * Command modules, loaded lazily: only the modules that define the invoked top-level command are imported,
 * so `llmr route` does not pay for the evaluation or training code. Help (or an unknown command) loads all.
 * Order sets the help listing.
 */
const MODULES: Record<string, () => Promise<Register>> = {
  core: () => import('./commands/core.js').then((m) => m.registerCoreCommands),
  data: () => import('./commands/data.js').then((m) => m.registerDataCommands),
  train: () => import('./commands/train.js').then((m) => m.registerTrainCommands),
  featurize: () => import('./commands/featurize.js').then((m) => m.registerFeaturizeCommands),
  route: () => import('./commands/route.js').then((m) => m.registerRouteCommands),
  serve: () => import('./commands/serve.js').then((m) => m.registerServeCommands),
  models: () => import('./commands/models.js').then((m) => m.registerModelsCommands),
  benchRoute: () => import('./commands/benchRoute.js').then((m) => m.registerBenchRouteCommands),
  benchTrain: () => import('./commands/benchTrain.js').then((m) => m.registerBenchTrainCommands),
  benchIndex: () => import('./commands/benchIndex.js').then((m) => m.registerBenchIndexCommands),
  benchService: () => import('./commands/benchService.js').then((m) => m.registerBenchServiceCommands),
  eval: () => import('./commands/eval.js').then((m) => m.registerEvalCommands),
  rank: () => import('./commands/rank.js').then((m) => m.registerRankCommands),
  demo: () => import('./commands/demo.js').then((m) => m.registerDemoCommands),
  gateway: () => import('./commands/gateway.js').then((m) => m.registerGatewayCommands),
  benchGateway: () => import('./commands/benchGateway.js').then((m) => m.registerBenchGatewayCommands),
};

/** Top-level command → the modules that add commands under it. */
const COMMANDS: Record<string, string[]> = {
  doctor: ['core'],
  data: ['data'],
  train: ['train', 'rank'],
  featurize: ['featurize'],
  route: ['route'],
  serve: ['serve'],
  models: ['models'],
  bench: ['benchRoute', 'benchTrain', 'benchIndex', 'benchGateway', 'benchService'],
  eval: ['eval', 'rank'],
  calibrate: ['eval'],
  rank: ['rank'],
  demo: ['demo'],
  'mock-upstream': ['gateway'],
};

async function main(): Promise<void> {
  // `llmr models list | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const ctx = createContext();
  const top = process.argv.slice(2).find((a) => !a.startsWith('-'));
  const wanted = (top && COMMANDS[top]) || Object.keys(MODULES);
  for (const name of Object.keys(MODULES)) if (wanted.includes(name)) (await MODULES[name]!())(ctx);
  await ctx.program.parseAsync(process.argv);
}

main().catch((e: unknown) => {
  if (e instanceof LlmrError) {
    process.stderr.write(`error: ${e.describe()}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`error: ${e instanceof Error ? (process.env.LLMR_DEBUG ? e.stack : e.message) : String(e)}\n`);
    process.exitCode = 1;
  }
});
