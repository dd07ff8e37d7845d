import express, { type Router } from 'express';
import { Gateway, type GatewayOptions } from './Gateway.js';
import { chatCompletion } from './chatCompletion.js';
import { listModels } from './listModels.js';

export type GatewayRouter = Router & { gateway: Gateway };

/**
 * The OpenAI-compatible endpoints as an express router: `POST /v1/chat/completions`, `GET /v1/models`.
 * Self-contained (own JSON body parser, errors in OpenAI's shape); mount it on any app. `router.gateway.close()`
 * drops the upstream connections.
 */
export function createGatewayRouter(opts: GatewayOptions): GatewayRouter {
  const gw = new Gateway(opts);
  const router = express.Router() as GatewayRouter;
  router.gateway = gw;
  const json = express.json({ limit: opts.config.bodyLimit, strict: false });
  const prefix = opts.prefix ?? '/v1';
  router.post(`${prefix}/chat/completions`, json, (req, res, next) => {
    chatCompletion(gw, req, res).catch(next);
  });
  router.get(`${prefix}/models`, (_req, res) => {
    res.json(listModels(gw));
  });
  return router;
}
