import { LlmrError } from '../src/errors.js';
import { createContext } from './cliContext.js';
import { registerBenchRouteCommands } from './commands/benchRoute.js';
import { registerBenchTrainCommands } from './commands/benchTrain.js';
import { registerCoreCommands } from './commands/core.js';
import { registerDataCommands } from './commands/data.js';
import { registerDemoCommands } from './commands/demo.js';
import { registerFeaturizeCommands } from './commands/featurize.js';
import { registerEvalCommands } from './commands/eval.js';
import { registerModelsCommands } from './commands/models.js';
import { registerRankCommands } from './commands/rank.js';
import { registerRouteCommands } from './commands/route.js';
import { registerTrainCommands } from './commands/train.js';

/** Command modules: each adds its commands to the context. Order sets the help listing. */
const MODULES: ((ctx: ReturnType<typeof createContext>) => void)[] = [registerCoreCommands, registerDataCommands, registerTrainCommands, registerFeaturizeCommands, registerRouteCommands, registerModelsCommands, registerBenchRouteCommands, registerBenchTrainCommands, registerEvalCommands, registerRankCommands, registerDemoCommands];

async function main(): Promise<void> {
  const ctx = createContext();
  for (const register of MODULES) register(ctx);
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
