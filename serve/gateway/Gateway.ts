import { createHash, randomBytes } from 'node:crypto';
import { LlmrError } from '../../src/errors.js';
import type { Clock } from '../../src/gateway/CircuitBreaker.js';
import { checkRouterCandidates, upstreamApiKey, type GatewayConfig } from '../../src/gateway/GatewayConfig.js';
import { StickinessStore } from '../../src/gateway/StickinessStore.js';
import { UpstreamClient } from '../../src/gateway/UpstreamClient.js';
import type { RouterPipeline } from '../../src/routers/RouterPipeline.js';
import { NullRouteSink, type RouteRecord, type RouteRecordSink } from '../../src/store/RouteRecord.js';

export interface GatewayOptions {
  /** The router in use now; read on every request (never cached), so a hot-swapped router takes effect at once. */
  getRouter: () => RouterPipeline | null;
  config: GatewayConfig;
  sink?: RouteRecordSink;
  log?: (o: Record<string, unknown>) => void;
  /** Environment the upstream keys and the hash salt are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  /** Jitter source (default Math.random). */
  random?: () => number;
  /** Path prefix of the routes (default "/v1"; "" when mounted at /v1 by the service). */
  prefix?: string;
  /** A per-request signal from the host app (client gone, deadline) that also aborts the upstream call. */
  requestSignal?: (res: import('express').Response) => AbortSignal | undefined;
}

/**
 * Shared state of the gateway: upstream clients (agents, breakers, concurrency), the stickiness store, the
 * record sink. The express router (createGatewayRouter) and the request handler read from it.
 */
export class Gateway {
  readonly upstreams = new Map<string, UpstreamClient>();
  readonly sticky: StickinessStore | null;
  readonly sink: RouteRecordSink;
  readonly log: (o: Record<string, unknown>) => void;
  readonly clock: Clock;
  readonly random: () => number;
  private readonly salt: string;
  private readonly checked = new WeakSet<RouterPipeline>();

  constructor(readonly opts: GatewayOptions) {
    const c = opts.config;
    const env = opts.env ?? process.env;
    this.clock = opts.clock ?? Date.now;
    this.random = opts.random ?? Math.random;
    for (const [name, u] of Object.entries(c.upstreams))
      this.upstreams.set(name, new UpstreamClient(name, u, upstreamApiKey(name, u, env), c.breaker, this.clock));
    const st = c.routing.stickiness;
    this.sticky = st?.enabled ? new StickinessStore(st.ttlMs, st.maxEntries, this.clock) : null;
    this.sink = opts.sink ?? NullRouteSink;
    this.log = opts.log ?? (() => {});
    this.salt = (c.records.saltEnv && env[c.records.saltEnv]) || randomBytes(16).toString('hex');
    const r = opts.getRouter();
    if (r) this.routerFor(r);
  }

  get config(): GatewayConfig {
    return this.opts.config;
  }

  /** The router, checked once per router object against the config (a swapped-in router is checked on first use). */
  routerFor(r: RouterPipeline): RouterPipeline {
    if (!this.checked.has(r)) {
      checkRouterCandidates(this.config, r.models, `router ${r.meta.name}/${r.meta.version}`);
      this.checked.add(r);
    }
    return r;
  }

  currentRouter(): RouterPipeline {
    const r = this.opts.getRouter();
    if (!r)
      throw new LlmrError('this server has no router loaded', {
        code: 'not_ready',
        fix: 'start it with --router <artifact>, or call a concrete model id instead of "router"',
      });
    return this.routerFor(r);
  }

  promptHash(prompt: string): string {
    return createHash('sha256').update(this.salt).update('\0').update(prompt).digest('hex');
  }

  /** Hand a record to the sink without letting a sink failure reach the request. */
  record(r: RouteRecord): void {
    this.sink
      .write(r)
      .catch((e: unknown) =>
        this.log({ level: 'error', msg: 'route record sink failed', routeId: r.routeId, error: e instanceof Error ? e.message : String(e) }),
      );
  }

  close(): void {
    for (const u of this.upstreams.values()) u.close();
  }
}
