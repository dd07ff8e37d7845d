import type { Request, Router } from 'express';

/** Who may call a mount: anyone, any valid API key, or an admin key. */
export type Access = 'public' | 'user' | 'admin';
/** Concurrency lane: `light` (single /route, small /rank), `heavy` (batches, large bodies), `none` (not queued). */
export type LaneName = 'light' | 'heavy' | 'none';

/**
 * An endpoint group mounted on the service at a fixed path prefix, behind the shared middleware
 * (request id, logging, metrics by route template, auth by `access`, per-key rate limit, concurrency lane,
 * JSON body parsing with charset/encoding checks). The built-in groups (/route, /rank, /healthz …) are mounts too.
 */
export interface ServiceMount {
  /** Short fixed name (logs). */
  readonly name: string;
  /** Path prefix, e.g. "/v1" or "/feedback"; never "/" (the guard would then apply to every unmatched path). */
  readonly path: string;
  /** The routes, relative to `path` (`router.post('/', …)` answers `POST <path>`). */
  readonly router: Router;
  readonly access: Access;
  /** Default `light`; a function decides per request (e.g. by Content-Length). */
  readonly lane?: LaneName | ((req: Request) => LaneName);
  /** Largest JSON body; default the app's `bodyLimit`. Set `false` to skip JSON parsing (the router parses). */
  readonly bodyLimit?: string | false;
  /** Request deadline for this mount in ms (0: none, e.g. for streaming); default the app's `requestTimeoutMs`. */
  readonly timeoutMs?: number;
  /** Rate-limit cost per request (tokens); default 1. */
  readonly cost?: number | ((req: Request) => number);
  /** OpenAPI `paths` entries (full paths) merged into GET /openapi.json. */
  readonly openapi?: Record<string, unknown>;
}
