import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { LlmrError } from '../errors.js';
import { PolicySchema } from '../policy/policy.js';

/**
 * The gateway's config file (JSON or YAML): where each candidate model is served, what it costs, and how the
 * gateway retries, breaks circuits, picks the routing context and keeps conversations on one model.
 * One zod schema gives the type, the validation (errors name the path of the bad field) and the docs.
 */
export const UpstreamSchema = z
  .object({
    /** OpenAI-compatible base URL, up to and including the version: `https://api.openai.com/v1`, `http://127.0.0.1:9000/v1`. */
    baseUrl: z.url({ protocol: /^https?$/, error: 'baseUrl must be an http(s) URL such as http://127.0.0.1:9000/v1' }),
    /** Name of the environment variable that holds the upstream's API key (never the key itself). */
    apiKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'apiKeyEnv is the NAME of an environment variable, e.g. OPENAI_API_KEY')
      .optional(),
    /** TCP (+TLS) connect deadline per attempt. */
    connectTimeoutMs: z.number().int().positive().default(2_000),
    /** Deadline for the first byte of the answer (non-streaming: the whole answer) per attempt. */
    timeoutMs: z.number().int().positive().default(60_000),
    /** Streams: longest silence between two chunks before the stream is cut. */
    idleTimeoutMs: z.number().int().positive().default(60_000),
    /** Requests in flight to this upstream at most; more wait up to queueTimeoutMs, then fall back. */
    maxConcurrency: z.number().int().positive().default(256),
    queueTimeoutMs: z.number().int().nonnegative().default(1_000),
    /** The upstream honours `stream_options.include_usage` (sends a final usage chunk): the gateway asks for it. */
    streamUsage: z.boolean().default(true),
    /** Extra request headers (e.g. `OpenAI-Organization`); not for keys — use apiKeyEnv. */
    headers: z.record(z.string(), z.string()).default({}),
  })
  .strict();
export type UpstreamConfig = z.infer<typeof UpstreamSchema>;

export const ModelEntrySchema = z
  .object({
    /** Name of an entry under `upstreams`. */
    upstream: z.string().min(1),
    /** The model id the upstream expects (default: the candidate's name). */
    model: z.string().min(1).optional(),
    /** USD per 1M input (prompt) tokens. */
    inputPerMTok: z.number().nonnegative(),
    /** USD per 1M output (completion) tokens. */
    outputPerMTok: z.number().nonnegative(),
  })
  .strict();
export type ModelEntry = z.infer<typeof ModelEntrySchema>;

export const CONTEXT_MODES = ['last', 'last-turn', 'full'] as const;
export type ContextMode = (typeof CONTEXT_MODES)[number];

export const GatewayConfigSchema = z
  .object({
    upstreams: z.record(z.string().min(1), UpstreamSchema).refine((u) => Object.keys(u).length > 0, 'at least one upstream is needed'),
    /** Per candidate model (the names the router knows): upstream, upstream model id, prices. */
    models: z.record(z.string().min(1), ModelEntrySchema).refine((m) => Object.keys(m).length > 0, 'at least one model is needed'),
    retry: z
      .object({
        /** Attempts per request at most, over all alternatives (1 = no retry, no fallback). */
        maxAttempts: z.number().int().min(1).max(10).default(3),
        /** Backoff before retrying an upstream already tried in this request: uniform in [0, min(maxDelayMs, baseDelayMs·2^n)]. */
        baseDelayMs: z.number().nonnegative().default(50),
        maxDelayMs: z.number().nonnegative().default(2_000),
      })
      .strict()
      .default({ maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 2_000 }),
    breaker: z
      .object({
        /** Consecutive failures (connect error, timeout, 429, 5xx) that open an upstream's circuit. */
        failureThreshold: z.number().int().min(1).default(5),
        /** How long an open circuit refuses requests before one probe is let through. */
        cooldownMs: z.number().int().nonnegative().default(10_000),
      })
      .strict()
      .default({ failureThreshold: 5, cooldownMs: 10_000 }),
    routing: z
      .object({
        /** What the router reads: the last user message, the last user+assistant turn, or every message. */
        context: z.enum(CONTEXT_MODES).default('last'),
        /** Policy when the request names none (default: the router artifact's own default policy). */
        defaultPolicy: PolicySchema.optional(),
        stickiness: z
          .object({
            enabled: z.boolean().default(true),
            /** Conversation key: `x-llmr-session` header, then the request's `user` field. */
            by: z
              .array(z.enum(['session', 'user']))
              .min(1)
              .default(['session', 'user']),
            ttlMs: z
              .number()
              .int()
              .positive()
              .default(30 * 60_000),
            maxEntries: z.number().int().positive().default(100_000),
          })
          .strict()
          .optional(),
      })
      .strict()
      .default({ context: 'last' }),
    records: z
      .object({
        /** Keep the routed prompt text in route records (else only a salted sha256). */
        storePrompt: z.boolean().default(false),
        /** Environment variable with the hash salt (default: a random salt per process). */
        saltEnv: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
          .optional(),
      })
      .strict()
      .default({ storePrompt: false }),
    /** Largest accepted request body. */
    bodyLimit: z.string().default('4mb'),
  })
  .strict()
  .superRefine((c, ctx) => {
    const ups = Object.keys(c.upstreams);
    for (const [name, m] of Object.entries(c.models))
      if (!Object.hasOwn(c.upstreams, m.upstream))
        ctx.addIssue({
          code: 'custom',
          path: ['models', name, 'upstream'],
          message: `unknown upstream "${m.upstream}"; configured upstreams: ${ups.join(', ')}`,
        });
  });
export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof GatewayConfigSchema>;

function pathOf(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
}

/** Validate a parsed config object; the first problem becomes an LlmrError naming the field's path. */
export function parseGatewayConfig(input: unknown, where = 'gateway config'): GatewayConfig {
  const r = GatewayConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  let field = pathOf(issue.path);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys: string[] }).keys;
    field = [field, keys[0]].filter(Boolean).join('.');
    message = `unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`;
  }
  throw new LlmrError(`invalid gateway config: ${field || '(root)'}: ${message}`, {
    field: field || '(root)',
    where,
    code: 'invalid_config',
    fix: 'see the gateway section of README.md for the config format',
  });
}

/** Read a gateway config from a .json, .yaml or .yml file. */
export function loadGatewayConfig(path: string): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new LlmrError(`cannot read gateway config ${path}: ${(e as Error).message}`, {
      where: path,
      field: '--gateway',
      fix: 'pass the path of a gateway.json or gateway.yaml file',
    });
  }
  let data: unknown;
  const yaml = /\.ya?ml$/i.test(extname(path));
  try {
    data = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new LlmrError(`gateway config ${path} is not valid ${yaml ? 'YAML' : 'JSON'}: ${(e as Error).message}`, {
      where: path,
      code: 'invalid_config',
      fix: yaml ? 'fix the YAML syntax' : 'fix the JSON syntax (or use a .yaml file)',
    });
  }
  return parseGatewayConfig(data, path);
}

/**
 * Refuse a router whose candidates the config does not serve: the message lists both sets. Config models the
 * router does not know are fine (they are reachable as concrete model ids).
 */
export function checkRouterCandidates(config: GatewayConfig, routerModels: readonly string[], routerName = 'the router'): void {
  const configured = Object.keys(config.models);
  const missing = routerModels.filter((m) => !Object.hasOwn(config.models, m));
  if (missing.length)
    throw new LlmrError(
      `gateway config lacks ${missing.length} of ${routerName}'s candidate models: ${missing.join(', ')}. Router candidates: ${routerModels.join(', ')}; configured models: ${configured.join(', ')}`,
      {
        field: 'models',
        code: 'invalid_config',
        fix: `add ${missing.map((m) => `models.${m}`).join(', ')} (upstream, inputPerMTok, outputPerMTok) to the gateway config`,
      },
    );
}

/** The API key of an upstream from the environment; a missing variable is an error naming it (the key is never printed). */
export function upstreamApiKey(name: string, u: UpstreamConfig, env: NodeJS.ProcessEnv = process.env): string | null {
  if (!u.apiKeyEnv) return null;
  const v = env[u.apiKeyEnv];
  if (!v)
    throw new LlmrError(`upstream "${name}" reads its API key from $${u.apiKeyEnv}, which is not set`, {
      field: `upstreams.${name}.apiKeyEnv`,
      code: 'invalid_config',
      fix: `export ${u.apiKeyEnv}=… before starting, or drop apiKeyEnv for an upstream without auth`,
    });
  return v;
}
