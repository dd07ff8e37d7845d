import { Router } from 'express';
import type { ServiceContext } from '../context.js';
import { describeRanker, describeRouter } from '../ModelHolder.js';
import type { ServiceMount } from '../mount.js';

/** GET /healthz (liveness) and GET /readyz (a model is loaded, not draining): public, never queued. */
export function healthMounts(ctx: ServiceContext, isDraining: () => boolean): ServiceMount[] {
  const healthz = Router().get('/', (_req, res) => {
    const m = ctx.holder.current;
    res.json({
      status: 'ok',
      router: describeRouter(m.router),
      ranker: describeRanker(m.ranker),
      version: m.version,
      generation: m.generation,
      backend: ctx.backend,
      uptimeS: Math.round((Date.now() - ctx.startedAt) / 1000),
    });
  });
  const readyz = Router().get('/', (_req, res) => {
    const m = ctx.holder.current;
    const ready = Boolean(m.router || m.ranker) && !isDraining();
    res.status(ready ? 200 : 503).json({ ready, draining: isDraining(), version: m.version });
  });
  return [
    { name: 'healthz', path: '/healthz', router: healthz, access: 'public', lane: 'none', bodyLimit: false },
    { name: 'readyz', path: '/readyz', router: readyz, access: 'public', lane: 'none', bodyLimit: false },
  ];
}
