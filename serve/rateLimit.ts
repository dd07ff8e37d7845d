import type { Redis } from 'ioredis';
import { HttpError } from './httpError.js';
import type { RateLimit } from './middleware/guard.js';
import type { Metrics } from './metrics.js';

export interface BucketOptions {
  /** Tokens added per second (sustained requests/s per key). */
  ratePerS: number;
  /** Bucket size (largest burst). */
  burst: number;
}

/** Outcome of one take: allowed, or how long until enough tokens are back. */
export interface TakeResult {
  ok: boolean;
  retryAfterMs: number;
}

export interface TokenBuckets {
  take(key: string, cost: number): Promise<TakeResult>;
  close?(): Promise<void>;
}

/** Per-key token buckets in this process; at most `maxKeys` buckets (least recently used dropped). */
export class MemoryBuckets implements TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; t: number }>();
  constructor(
    private readonly o: BucketOptions,
    private readonly maxKeys = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async take(key: string, cost: number): Promise<TakeResult> {
    const t = this.now();
    let b = this.buckets.get(key);
    if (b) this.buckets.delete(key);
    else b = { tokens: this.o.burst, t };
    b.tokens = Math.min(this.o.burst, b.tokens + ((t - b.t) / 1000) * this.o.ratePerS);
    b.t = t;
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens >= cost) {
      b.tokens -= cost;
      return { ok: true, retryAfterMs: 0 };
    }
    return { ok: false, retryAfterMs: ((cost - b.tokens) / this.o.ratePerS) * 1000 };
  }
}

/**
 * Token buckets shared through Redis (one limit across replicas): one Lua script per take reads, refills and
 * debits the bucket atomically, with Redis's own clock. Keys expire once a bucket would be full again.
 */
const SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
local v = redis.call('HMGET', KEYS[1], 'tokens', 't')
local tokens = tonumber(v[1])
local t = tonumber(v[2])
if tokens == nil then tokens = burst; t = now end
tokens = math.min(burst, tokens + math.max(0, now - t) / 1000 * rate)
local ok = 0
local wait = 0
if tokens >= cost then tokens = tokens - cost; ok = 1 else wait = math.ceil((cost - tokens) / rate * 1000) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 't', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {ok, wait}
`;

export class RedisBuckets implements TokenBuckets {
  constructor(
    private readonly redis: Redis,
    private readonly o: BucketOptions,
    private readonly prefix = 'llmr:rl:',
  ) {
    redis.defineCommand('llmrTake', { numberOfKeys: 1, lua: SCRIPT });
  }

  async take(key: string, cost: number): Promise<TakeResult> {
    const [ok, wait] = (await (this.redis as unknown as { llmrTake(k: string, ...a: (string | number)[]): Promise<[number, number]> }).llmrTake(
      this.prefix + key,
      this.o.ratePerS,
      this.o.burst,
      cost,
    )) as [number, number];
    return { ok: ok === 1, retryAfterMs: Number(wait) };
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** Connect to Redis for rate limiting: short timeouts, no offline queue (a slow Redis must not slow requests). */
export async function redisBuckets(url: string, o: BucketOptions, prefix?: string): Promise<RedisBuckets> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 250, connectTimeout: 2000 });
  redis.on('error', () => {}); // counted per request below; ioredis reconnects by itself
  await redis.connect();
  return new RedisBuckets(redis, o, prefix);
}

/**
 * The guard's rate-limit step over token buckets: 429 with Retry-After when empty. When the bucket store fails
 * (Redis down) the request passes (fail open) and `llmr_rate_limit_errors_total` counts it.
 */
export function rateLimiter(buckets: TokenBuckets, metrics: Metrics, log: (o: Record<string, unknown>) => void): RateLimit {
  let lastLog = 0;
  return async (key, cost) => {
    let r: TakeResult;
    try {
      r = await buckets.take(key, cost);
    } catch (e) {
      metrics.inc('llmr_rate_limit_errors_total', 'rate-limit store failures (requests let through)');
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log({ level: 'warn', msg: 'rate-limit store failed; letting requests through', error: e instanceof Error ? e.message : String(e) });
      }
      return;
    }
    if (!r.ok) {
      const s = Math.max(1, Math.ceil(r.retryAfterMs / 1000));
      throw new HttpError(429, 'rate_limited', `rate limit exceeded for this key; retry in ${s} s`, {
        fix: 'slow down: send fewer requests per second, or ask for a higher limit (--rate-limit)',
        headers: { 'retry-after': String(s) },
      });
    }
  };
}
