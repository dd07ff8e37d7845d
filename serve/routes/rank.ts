import { Router } from 'express';
import { LlmrError } from '../../src/errors.js';
import { requestContext, type ServiceContext } from '../context.js';
import type { ServiceMount } from '../mount.js';

/** Bodies above this many bytes go to the heavy lane. */
export const HEAVY_RANK_BYTES = 64 * 1024;

/** POST /rank: small bodies in the light lane, large ones in the heavy lane. */
export function rankMounts(_ctx: ServiceContext): ServiceMount[] {
  const router = Router();
  router.post('/', async (req, res, next) => {
    try {
      const t0 = performance.now();
      const ranker = requestContext(res).models().ranker;
      if (!ranker)
        throw new LlmrError('this server has no ranker loaded', { code: 'not_ready', fix: 'start it with --ranker <artifact> (npm run demo trains one)' });
      const out = (await ranker.rank(req.body)) as Record<string, unknown>;
      if (res.headersSent) return;
      res.json({ ...out, ranker: { name: ranker.name, version: ranker.version, kind: ranker.kind }, timeMs: Number((performance.now() - t0).toFixed(3)) });
    } catch (e) {
      next(e);
    }
  });
  return [
    {
      name: 'rank',
      path: '/rank',
      router,
      access: 'user',
      lane: (req) => (Number(req.headers['content-length'] ?? 0) > HEAVY_RANK_BYTES || req.headers['transfer-encoding'] !== undefined ? 'heavy' : 'light'),
    },
  ];
}
