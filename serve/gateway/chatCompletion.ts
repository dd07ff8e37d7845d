import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Request, Response } from 'express';
import { LlmrError } from '../../src/errors.js';
import { backoffDelay, retryAfterMs, sleep } from '../../src/gateway/backoff.js';
import { routingPrompt } from '../../src/gateway/conversation.js';
import type { ModelEntry } from '../../src/gateway/GatewayConfig.js';
import { parseModelSelector } from '../../src/gateway/modelSelector.js';
import { Deadline } from '../../src/gateway/Deadline.js';
import { SseRelay } from '../../src/gateway/SseRelay.js';
import { readBody, UpstreamError } from '../../src/gateway/UpstreamClient.js';
import { costFromUsage, estimateInputTokens, estimateOutputTokens, readUsage, type Usage } from '../../src/gateway/usageCost.js';
import { parsePolicy, type Policy } from '../../src/policy/policy.js';
import type { RouteAttempt, RouteRecord } from '../../src/store/RouteRecord.js';
import type { Gateway } from './Gateway.js';
import { fromLlmrError, sendError, zodError, type GatewayErrorBody } from './openaiError.js';
import { ChatCompletionRequestSchema, type ChatCompletionRequest } from './schemas.js';

/** What the routing step decided: the models to try in order and what the record needs. */
interface Plan {
  models: string[];
  chosen: string;
  routerName: string | null;
  routerVersion: string | null;
  policy: Policy | null;
  candidates: string[];
  predicted?: Record<string, number>;
  estimatedCostUsd: number | null;
  prompt: string;
  stickyKey: string | null;
}

/** How one request ended, for the record. */
interface Outcome {
  status: string;
  answered: string | null;
  usage: Usage | null;
  costUsd: number | null;
}

const FAILOVER_STATUS = (s: number) => s === 429 || s === 408 || s >= 500;

/** POST /v1/chat/completions: route, call the upstream with fallbacks, stream or not, bill, record. */
export async function chatCompletion(gw: Gateway, req: Request, res: Response): Promise<void> {
  const t0 = performance.now();
  const routeId = randomUUID();
  const time = new Date(gw.clock()).toISOString();
  const attempts: RouteAttempt[] = [];
  let plan: Plan | null = null;
  let body: ChatCompletionRequest;
  try {
    const parsed = ChatCompletionRequestSchema.safeParse(req.body);
    if (!parsed.success) throw zodError(parsed.error);
    body = parsed.data;
    plan = await makePlan(gw, req, body);
  } catch (e) {
    if (e instanceof LlmrError) {
      const [status, err] = fromLlmrError(e);
      return sendError(res, e.code === 'model_not_found' ? 404 : status, e.code === 'model_not_found' ? { ...err, type: 'not_found_error' } : err);
    }
    throw e;
  }

  const ac = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) ac.abort();
  };
  res.on('close', onClose);
  const host = gw.opts.requestSignal?.(res);
  const onHostAbort = () => ac.abort();
  if (host?.aborted) ac.abort();
  else host?.addEventListener('abort', onHostAbort, { once: true });
  res.setHeader('x-llmr-route-id', routeId);
  if (plan.routerVersion) res.setHeader('x-llmr-router-version', `${plan.routerName}/${plan.routerVersion}`);

  let outcome: Outcome;
  try {
    outcome = await runAttempts(gw, plan, body, res, attempts, ac.signal);
  } catch (e) {
    gw.log({ level: 'error', msg: 'gateway error', routeId, error: e instanceof Error ? e.stack : String(e) });
    sendError(res, 500, { message: 'internal gateway error; see the server log', type: 'server_error', code: 'internal' });
    if (!res.writableEnded) res.end();
    outcome = { status: 'internal_error', answered: null, usage: null, costUsd: null };
  } finally {
    res.off('close', onClose);
    host?.removeEventListener('abort', onHostAbort);
  }
  if (ac.signal.aborted && outcome.status === 'ok') outcome.status = 'client_aborted';

  const storePrompt = gw.config.records.storePrompt;
  const record: RouteRecord = {
    routeId,
    time,
    source: 'gateway',
    routerName: plan.routerName,
    routerVersion: plan.routerVersion,
    policy: plan.policy as Record<string, unknown> | null,
    candidates: plan.candidates,
    chosenModel: plan.chosen,
    answeredModel: outcome.answered,
    predicted: plan.predicted,
    propensity: plan.routerName ? 1 : undefined,
    attempts,
    inputTokens: outcome.usage?.inputTokens ?? null,
    outputTokens: outcome.usage?.outputTokens ?? null,
    tokensEstimated: outcome.usage?.estimated ?? false,
    estimatedCostUsd: plan.estimatedCostUsd,
    costUsd: outcome.costUsd,
    latencyMs: Number((performance.now() - t0).toFixed(3)),
    status: outcome.status,
    promptHash: storePrompt ? null : gw.promptHash(plan.prompt),
    prompt: storePrompt ? plan.prompt : null,
    userId: body.user ?? null,
    sessionId: sessionOf(req, body),
  };
  if (outcome.status === 'ok' && outcome.answered && plan.stickyKey && gw.sticky) gw.sticky.set(plan.stickyKey, outcome.answered);
  gw.record(record);
}

function sessionOf(req: Request, body: ChatCompletionRequest): string | null {
  const h = req.headers['x-llmr-session'];
  return (typeof h === 'string' && h.slice(0, 256)) || body.llmr?.session || null;
}

function stickyKeyOf(gw: Gateway, req: Request, body: ChatCompletionRequest): string | null {
  const st = gw.config.routing.stickiness;
  if (!st?.enabled) return null;
  for (const by of st.by) {
    if (by === 'session') {
      const s = sessionOf(req, body);
      if (s) return `s:${s}`;
    } else if (body.user) return `u:${body.user}`;
  }
  return null;
}

function headerPolicy(req: Request): Policy | undefined {
  const h = req.headers['x-llmr-policy'];
  if (typeof h !== 'string' || !h) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(h);
  } catch {
    throw new LlmrError('header x-llmr-policy is not JSON', { field: 'x-llmr-policy', fix: `e.g. x-llmr-policy: {"kind":"willingness-to-pay","wtp":0.01}` });
  }
  return parsePolicy(v, 'x-llmr-policy');
}

function headerCandidates(req: Request): string[] | undefined {
  const h = req.headers['x-llmr-candidates'];
  if (typeof h !== 'string' || !h.trim()) return undefined;
  return h
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The routing step: which models to try, in which order. */
async function makePlan(gw: Gateway, req: Request, body: ChatCompletionRequest): Promise<Plan> {
  const sel = parseModelSelector(body.model);
  const context = body.llmr?.context ?? gw.config.routing.context;
  const prompt = routingPrompt(body.messages, context);
  const stickyKey = stickyKeyOf(gw, req, body);
  if (sel.kind === 'model') {
    const entry = gw.config.models[sel.model];
    if (!Object.hasOwn(gw.config.models, sel.model) || !entry) {
      const known = Object.keys(gw.config.models);
      throw new LlmrError(`unknown model "${sel.model}"; this gateway serves: router, ${known.join(', ')}`, {
        field: 'model',
        code: 'model_not_found',
        fix: 'GET /v1/models lists the valid ids',
      });
    }
    return {
      models: [sel.model],
      chosen: sel.model,
      routerName: null,
      routerVersion: null,
      policy: null,
      candidates: [sel.model],
      estimatedCostUsd: null,
      prompt,
      stickyKey: null,
    };
  }
  const r = gw.currentRouter();
  if (sel.name !== null && sel.name !== r.meta.name)
    throw new LlmrError(`unknown router "${sel.name}"; this gateway serves router "${r.meta.name}" (model "router" or "router:${r.meta.name}")`, {
      field: 'model',
      code: 'model_not_found',
      fix: 'GET /v1/models lists the valid ids',
    });
  const policy: Policy | undefined =
    headerPolicy(req) ?? body.llmr?.policy ?? (sel.calibration ? { kind: 'calibrated', name: sel.calibration } : gw.config.routing.defaultPolicy);
  const candidates = headerCandidates(req) ?? body.llmr?.candidates;
  if (!prompt) throw new LlmrError('no message text to route on', { field: 'messages', fix: 'send at least one message with text content' });
  let d: Awaited<ReturnType<typeof r.route>>;
  try {
    d = await r.route({ prompt, candidates, policy });
  } catch (e) {
    if (e instanceof LlmrError && e.field === 'policy.name' && sel.calibration && !headerPolicy(req) && !body.llmr?.policy)
      throw new LlmrError(e.message, { field: 'model', code: 'model_not_found', fix: e.fix });
    throw e;
  }
  // Fallbacks walk the alternatives the policy admits, in its order; when it admits none (its own fallback
  // picked the model), the whole ranking in order.
  const ranked = d.ranked;
  const chosenEligible = ranked.find((c) => c.model === d.model)?.eligible ?? false;
  let models = (chosenEligible ? ranked.filter((c) => c.eligible) : ranked).map((c) => c.model);
  const stuck = stickyKey && gw.sticky ? gw.sticky.get(stickyKey) : null;
  if (stuck && stuck !== models[0] && models.includes(stuck)) models = [stuck, ...models.filter((m) => m !== stuck)];
  const predicted: Record<string, number> = {};
  for (const [m, s] of Object.entries(d.scores)) predicted[m] = s.quality;
  return {
    models,
    chosen: models[0]!,
    routerName: r.meta.name,
    routerVersion: r.meta.version,
    policy: d.policy,
    candidates: Object.keys(d.scores),
    predicted,
    estimatedCostUsd: d.scores[models[0]!]?.cost ?? null,
    prompt,
    stickyKey,
  };
}

/** Try the plan's models in order (bounded, with backoff and breakers) until one answers. */
async function runAttempts(
  gw: Gateway,
  plan: Plan,
  body: ChatCompletionRequest,
  res: Response,
  attempts: RouteAttempt[],
  signal: AbortSignal,
): Promise<Outcome> {
  const { retry } = gw.config;
  const stream = body.stream === true;
  const clientAskedUsage = body.stream_options?.include_usage === true;
  const triesPerUpstream = new Map<string, number>();
  const retryAfter = new Map<string, number>();
  const refused = new Set<string>();
  let used = 0;
  let last: { status: number; body: Buffer | null; code: string } | null = null;
  for (let i = 0; used < retry.maxAttempts && i < plan.models.length * retry.maxAttempts; i++) {
    if (signal.aborted) return { status: 'client_aborted', answered: null, usage: null, costUsd: null };
    const model = plan.models[i % plan.models.length]!;
    const entry = gw.config.models[model]!;
    const client = gw.upstreams.get(entry.upstream)!;
    const note = (a: Omit<RouteAttempt, 'model' | 'upstream'>) => attempts.push({ model, upstream: entry.upstream, ...a });
    if (!client.breaker.allow()) {
      // Recorded once per upstream and request; the loop goes on to the next alternative.
      if (!refused.has(entry.upstream)) note({ status: 0, error: 'circuit_open', latencyMs: 0 });
      refused.add(entry.upstream);
      last ??= { status: 0, body: null, code: 'circuit_open' };
      continue;
    }
    const prior = triesPerUpstream.get(entry.upstream) ?? 0;
    if (prior > 0) {
      const wait = Math.min(retry.maxDelayMs, Math.max(backoffDelay(prior - 1, retry, gw.random), retryAfter.get(entry.upstream) ?? 0));
      if (!(await sleep(wait, signal))) {
        client.breaker.release();
        return { status: 'client_aborted', answered: null, usage: null, costUsd: null };
      }
    }
    triesPerUpstream.set(entry.upstream, prior + 1);
    used += 1;
    const ta = performance.now();
    const ms = () => Number((performance.now() - ta).toFixed(3));
    const release = await client.semaphore.acquire(client.config.queueTimeoutMs, signal);
    if (!release) {
      client.breaker.release();
      note({ status: 0, error: 'saturated', latencyMs: ms() });
      last = { status: 0, body: null, code: 'saturated' };
      continue;
    }
    try {
      const upstreamBody = Buffer.from(JSON.stringify(upstreamRequest(body, entry, model, stream && client.config.streamUsage)));
      let up: IncomingMessage;
      try {
        up = await client.post('chat/completions', upstreamBody, signal);
      } catch (e) {
        const ue = e instanceof UpstreamError ? e : new UpstreamError('connect_error', String(e));
        if (ue.code === 'aborted' || signal.aborted) {
          client.breaker.release();
          note({ status: 0, error: 'client_aborted', latencyMs: ms() });
          return { status: 'client_aborted', answered: null, usage: null, costUsd: null };
        }
        client.breaker.failure();
        note({ status: 0, error: ue.code, latencyMs: ms() });
        last = { status: 0, body: null, code: ue.code };
        continue;
      }
      const status = up.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        const errBody = await readBody(up, client.config.timeoutMs, signal).catch(() => null);
        if (FAILOVER_STATUS(status)) {
          client.breaker.failure();
          const ra = retryAfterMs(up.headers['retry-after'] as string | undefined);
          if (ra !== null) retryAfter.set(entry.upstream, ra);
          note({ status, error: status === 429 ? 'rate_limited' : 'upstream_error', latencyMs: ms() });
          last = { status, body: errBody, code: status === 429 ? 'rate_limited' : 'upstream_error' };
          continue;
        }
        // A client error (bad tools, context too long, …): the upstream is healthy and a retry would fail the same way.
        client.breaker.success();
        note({ status, error: 'upstream_client_error', latencyMs: ms() });
        setRoutingHeaders(res, model, null, null);
        res
          .status(status)
          .type(up.headers['content-type'] ?? 'application/json')
          .send(errBody ?? '');
        return { status: 'upstream_client_error', answered: model, usage: null, costUsd: null };
      }
      if (!stream) {
        let raw: Buffer;
        try {
          raw = await readBody(up, client.config.timeoutMs, signal);
        } catch (e) {
          const ue = e as UpstreamError;
          if (signal.aborted) {
            client.breaker.release();
            note({ status, error: 'client_aborted', latencyMs: ms() });
            return { status: 'client_aborted', answered: null, usage: null, costUsd: null };
          }
          client.breaker.failure();
          note({ status: 0, error: ue.code ?? 'stream_error', latencyMs: ms() });
          last = { status: 0, body: null, code: ue.code ?? 'stream_error' };
          continue;
        }
        client.breaker.success();
        note({ status, latencyMs: ms() });
        let parsed: { usage?: unknown } | null = null;
        try {
          parsed = JSON.parse(raw.toString('utf8')) as { usage?: unknown };
        } catch {
          parsed = null;
        }
        const usage = readUsage(parsed?.usage) ?? estimated(body, answerChars(parsed));
        const cost = costFromUsage(entry, usage);
        setRoutingHeaders(res, model, cost, usage);
        res
          .status(200)
          .type(up.headers['content-type'] ?? 'application/json')
          .send(raw);
        return { status: 'ok', answered: model, usage, costUsd: cost };
      }
      const r = await relayStream(
        up,
        res,
        client.config.timeoutMs,
        client.config.idleTimeoutMs,
        entry,
        model,
        body,
        stream && client.config.streamUsage && !clientAskedUsage,
        signal,
      );
      if (r.kind === 'before_first_byte') {
        if (signal.aborted) {
          client.breaker.release();
          note({ status, error: 'client_aborted', latencyMs: ms() });
          return { status: 'client_aborted', answered: null, usage: null, costUsd: null };
        }
        client.breaker.failure();
        note({ status: 0, error: r.code, latencyMs: ms() });
        last = { status: 0, body: null, code: r.code };
        continue;
      }
      // Bytes reached the client: whatever happens now, no retry.
      if (r.kind === 'ok') client.breaker.success();
      else if (r.kind === 'client_aborted') client.breaker.release();
      else client.breaker.failure();
      note({ status, error: r.kind === 'ok' ? undefined : r.kind, latencyMs: ms() });
      return { status: r.kind === 'ok' ? 'ok' : r.kind, answered: model, usage: r.usage, costUsd: r.usage ? costFromUsage(entry, r.usage) : null };
    } finally {
      release();
    }
  }
  const failed = attempts.map((a) => `${a.model}@${a.upstream} ${a.status || a.error}`).join(', ');
  const allRateLimited = attempts.length > 0 && attempts.every((a) => a.status === 429);
  const allOpen = attempts.length > 0 && attempts.every((a) => a.error === 'circuit_open');
  const status = allRateLimited ? 429 : allOpen ? 503 : attempts.every((a) => a.error === 'timeout' || a.error === 'connect_timeout') ? 504 : 502;
  const e: GatewayErrorBody = {
    message: `no upstream answered: ${attempts.length} attempt(s) failed (${failed})`,
    type: allRateLimited ? 'rate_limit_error' : 'upstream_error',
    code: allOpen ? 'circuit_open' : allRateLimited ? 'rate_limited' : 'all_upstreams_failed',
    fix: allOpen ? `every candidate's circuit is open; retry after ${gw.config.breaker.cooldownMs} ms` : 'retry later; the route record lists every attempt',
    attempts: attempts.map((a) => ({ model: a.model, upstream: a.upstream, status: a.status, error: a.error })),
  };
  if (last?.body && last.status >= 400) e.upstreamBody = last.body.toString('utf8').slice(0, 2_000);
  setRoutingHeaders(res, null, null, null);
  sendError(res, status, e);
  return { status: allRateLimited ? 'rate_limited' : 'upstream_error', answered: null, usage: null, costUsd: null };
}

/** The request as the upstream gets it: the client's body minus the gateway's extension, with the upstream's model id. */
function upstreamRequest(body: ChatCompletionRequest, entry: ModelEntry, model: string, askUsage: boolean): Record<string, unknown> {
  const { llmr: _ext, ...rest } = body;
  const out: Record<string, unknown> = { ...rest, model: entry.model ?? model };
  if (askUsage) out.stream_options = { ...(body.stream_options ?? {}), include_usage: true };
  return out;
}

function answerChars(parsed: unknown): number {
  const choices = (parsed as { choices?: { message?: { content?: unknown } }[] } | null)?.choices;
  if (!Array.isArray(choices)) return 0;
  let n = 0;
  for (const c of choices) if (typeof c?.message?.content === 'string') n += c.message.content.length;
  return n;
}

function estimated(body: ChatCompletionRequest, outChars: number): Usage {
  return { inputTokens: estimateInputTokens(body.messages), outputTokens: estimateOutputTokens(outChars), estimated: true };
}

function setRoutingHeaders(res: Response, model: string | null, cost: number | null, usage: Usage | null): void {
  if (res.headersSent) return;
  if (model) res.setHeader('x-llmr-model', model);
  if (cost !== null) res.setHeader('x-llmr-cost-usd', String(Number(cost.toPrecision(6))));
  if (usage) res.setHeader('x-llmr-tokens-estimated', String(usage.estimated));
}

type StreamResult = { kind: 'before_first_byte'; code: string } | { kind: 'ok' | 'upstream_stream_error' | 'client_aborted'; usage: Usage | null };

/**
 * Pass the upstream's SSE through. Nothing is sent until the first event arrives (so a silent or failing
 * upstream can still be replaced); then headers go out at once and every event is written as it arrives.
 * The bill goes in a final SSE comment (`: llmr {...}`) before `[DONE]` and in HTTP trailers.
 */
function relayStream(
  up: IncomingMessage,
  res: Response,
  firstByteMs: number,
  idleMs: number,
  entry: ModelEntry,
  model: string,
  body: ChatCompletionRequest,
  dropUsage: boolean,
  signal: AbortSignal,
): Promise<StreamResult> {
  const relay = new SseRelay(dropUsage);
  return new Promise((resolve) => {
    let started = false;
    let finished = false;
    const timer = new Deadline();
    timer.arm(firstByteMs, () => fail('timeout'));
    const bill = (): { usage: Usage; cost: number } => {
      const usage = relay.usage ?? estimated(body, relay.outputChars);
      return { usage, cost: costFromUsage(entry, usage) };
    };
    const billComment = () => {
      const { usage, cost } = bill();
      return `: llmr ${JSON.stringify({ model, costUsd: Number(cost.toPrecision(6)), inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, tokensEstimated: usage.estimated })}\n\n`;
    };
    const done = (r: StreamResult) => {
      if (finished) return;
      finished = true;
      timer.clear();
      up.off('data', onData);
      resolve(r);
    };
    const fail = (code: string) => {
      if (finished) return;
      up.destroy();
      if (!started) return done({ kind: 'before_first_byte', code });
      if (signal.aborted) return done({ kind: 'client_aborted', usage: bill().usage });
      // Mid-stream: the client already has bytes, so no retry; tell it in-band (OpenAI SDKs raise on `error`).
      if (!res.writableEnded) {
        res.write(
          `data: ${JSON.stringify({ error: { message: `upstream stream failed: ${code}`, type: 'upstream_error', code: 'upstream_stream_error' } })}\n\n`,
        );
        res.end();
      }
      done({ kind: 'upstream_stream_error', usage: bill().usage });
    };
    const write = (text: string) => {
      if (!text) return;
      if (!started) {
        started = true;
        res.status(200);
        res.setHeader('content-type', 'text/event-stream; charset=utf-8');
        res.setHeader('cache-control', 'no-cache');
        res.setHeader('x-llmr-model', model);
        res.setHeader('trailer', 'x-llmr-cost-usd, x-llmr-tokens-estimated');
        res.flushHeaders();
      }
      res.write(text);
    };
    const onData = (chunk: Buffer) => {
      timer.arm(idleMs, () => fail('idle_timeout'));
      let out = relay.feed(chunk);
      if (relay.done && out) {
        // Put the bill just before [DONE]: clients that stop reading at [DONE] still get it.
        const i = out.search(/(^|\n)data: ?\[DONE\]/);
        if (i >= 0) {
          const at = out[i] === '\n' ? i + 1 : i;
          out = out.slice(0, at) + billComment() + out.slice(at);
        }
      }
      write(out);
    };
    up.on('data', onData);
    up.on('error', () => fail(signal.aborted ? 'client_aborted' : 'stream_error'));
    up.on('end', () => {
      if (finished) return;
      const rest = relay.flush();
      if (!started && !rest) return fail('empty_stream');
      write(rest);
      if (!relay.done) write(billComment());
      const { usage, cost } = bill();
      res.addTrailers({ 'x-llmr-cost-usd': String(Number(cost.toPrecision(6))), 'x-llmr-tokens-estimated': String(usage.estimated) });
      res.end();
      done({ kind: relay.error ? 'upstream_stream_error' : 'ok', usage });
    });
    up.on('close', () => {
      if (!finished && !up.complete) fail(signal.aborted ? 'client_aborted' : 'stream_error');
    });
  });
}
