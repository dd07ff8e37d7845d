import { LlmrError } from '../../src/errors.js';
import { startMockUpstream, type MockBehaviour } from '../../src/gateway/mockUpstream.js';
import type { CliContext } from '../cliContext.js';
import { numberFlag } from '../cliContext.js';

interface MockFlags {
  port: number;
  host: string;
  reply?: string;
  latency?: number;
  firstByteDelay?: number;
  chunkDelay?: number;
  wordsPerChunk?: number;
  status?: number;
  errorRate?: number;
  rateLimitRate?: number;
  usage: boolean;
  model?: string[];
  seed: number;
}

const rate = (flag: string) => (v: string) => {
  const n = numberFlag(flag)(v);
  if (n < 0 || n > 1) throw new LlmrError(`${flag} must be between 0 and 1, got ${v}`, { field: flag });
  return n;
};

/** `llmr mock-upstream`: the OpenAI-compatible local stand-in for trying the gateway offline. */
export function registerGatewayCommands(ctx: CliContext): void {
  ctx.program
    .command('mock-upstream')
    .description(
      'start a local OpenAI-compatible stand-in (POST /v1/chat/completions with real SSE, GET /v1/models): echo or canned answers, latency, errors, 429s',
    )
    .option('--port <n>', 'port (0 = any free one)', numberFlag('--port'), 9000)
    .option('--host <h>', 'interface', '127.0.0.1')
    .option('--reply <text>', 'canned answer (default: echo the last user message)')
    .option('--latency <ms>', 'delay before the response headers', numberFlag('--latency'))
    .option('--first-byte-delay <ms>', 'streams: delay before the first event', numberFlag('--first-byte-delay'))
    .option('--chunk-delay <ms>', 'streams: delay between events', numberFlag('--chunk-delay'))
    .option('--words-per-chunk <n>', 'streams: words per content event', numberFlag('--words-per-chunk'))
    .option('--status <code>', 'answer every request with this HTTP status (e.g. 429, 500)', numberFlag('--status'))
    .option('--error-rate <p>', 'share of requests answered 500 at random', rate('--error-rate'))
    .option('--rate-limit-rate <p>', 'share of requests answered 429 at random', rate('--rate-limit-rate'))
    .option('--no-usage', 'report no usage (the gateway then estimates tokens)')
    .option('--model <id=status>', 'per-model status, repeatable (e.g. --model gpt-4o=500)', (v: string, acc: string[] = []) => [...acc, v])
    .option('--seed <n>', 'seed of the random errors', numberFlag('--seed'), 7)
    .action(async (o: MockFlags) => {
      const defaults: MockBehaviour = {
        reply: o.reply,
        latencyMs: o.latency,
        firstByteDelayMs: o.firstByteDelay,
        chunkDelayMs: o.chunkDelay,
        wordsPerChunk: o.wordsPerChunk,
        status: o.status,
        usage: o.usage,
      };
      const models: Record<string, MockBehaviour> = {};
      for (const m of o.model ?? []) {
        const [id, status] = m.split('=');
        if (!id || !status || !Number.isInteger(Number(status)))
          throw new LlmrError(`--model must be <id>=<status>, got "${m}"`, { field: '--model', fix: 'e.g. --model gpt-4o=500' });
        models[id] = { status: Number(status) };
      }
      const mock = await startMockUpstream({
        port: o.port,
        host: o.host,
        defaults,
        models,
        errorRate: o.errorRate,
        rateLimitRate: o.rateLimitRate,
        seed: o.seed,
      });
      process.stderr.write(`mock upstream (OpenAI-compatible) on ${mock.url}  — baseUrl for a gateway config: "${mock.url}"\n`);
      const stop = () => mock.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await new Promise(() => {});
    });
}
