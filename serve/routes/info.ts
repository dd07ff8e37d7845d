import { Router } from 'express';
import type { ServiceContext } from '../context.js';
import { requestContext } from '../context.js';
import type { ServiceMount } from '../mount.js';
import { openApi } from '../openapi.js';
import { requireRouter } from './route.js';

/** GET /metrics, GET /v1/router (need a key), GET /openapi.json (public). */
export function infoMounts(ctx: ServiceContext, allMounts: () => readonly ServiceMount[]): ServiceMount[] {
  const metrics = Router().get('/', (_req, res) => {
    res.type('text/plain; version=0.0.4').send(ctx.metrics.render());
  });
  const router = Router().get('/', (_req, res) => {
    const m = requestContext(res).models();
    const r = requireRouter(m.router);
    res.json({
      name: r.meta.name,
      version: r.meta.version,
      generation: m.generation,
      loadedAt: m.loadedAt,
      kind: r.router.kind,
      featurizer: r.featurizer.kind,
      candidates: r.models,
      prices: r.prices.toJSON(),
      defaultPolicy: r.defaultPolicy,
      calibrations: r.meta.calibrations ?? {},
      trainingData: r.meta.trainingData ?? null,
      metrics: r.meta.metrics ?? {},
    });
  });
  const openapi = Router().get('/', (_req, res) => {
    res.json(openApi(ctx.holder.ranker, allMounts()));
  });
  return [
    { name: 'metrics', path: '/metrics', router: metrics, access: 'user', lane: 'none', bodyLimit: false },
    { name: 'router-info', path: '/v1/router', router, access: 'user', lane: 'none', bodyLimit: false },
    { name: 'openapi', path: '/openapi.json', router: openapi, access: 'public', lane: 'none', bodyLimit: false },
  ];
}
