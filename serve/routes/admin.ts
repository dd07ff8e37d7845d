import { Router } from 'express';
import { z } from 'zod';
import type { ServiceContext } from '../context.js';
import { parseBody } from '../errors.js';
import type { ServiceMount } from '../mount.js';
import type { Reloader } from '../reloader.js';

const ReloadBodySchema = z
  .object({
    router: z.string().min(1).max(1000).optional(),
    ranker: z.string().min(1).max(1000).optional(),
  })
  .strict();

/** POST /admin/reload, POST /admin/rollback, GET /admin/status: admin key only. */
export function adminMounts(ctx: ServiceContext, reloader: Reloader): ServiceMount[] {
  const r = Router();
  r.post('/reload', async (req, res, next) => {
    try {
      const body = parseBody(ReloadBodySchema, req.body ?? {});
      res.json(await reloader.reload(body, 'admin'));
    } catch (e) {
      next(e);
    }
  });
  r.post('/rollback', (_req, res, next) => {
    try {
      res.json(reloader.rollback());
    } catch (e) {
      next(e);
    }
  });
  r.get('/status', (_req, res) => {
    const c = ctx.holder.current;
    const p = ctx.holder.previous;
    res.json({
      version: c.version,
      generation: c.generation,
      loadedAt: c.loadedAt,
      routerDir: c.routerDir,
      rankerDir: c.rankerDir,
      previous: p ? { version: p.version, generation: p.generation } : null,
      reloading: reloader.inProgress,
    });
  });
  return [{ name: 'admin', path: '/admin', router: r, access: 'admin', lane: 'none', bodyLimit: '16kb' }];
}
