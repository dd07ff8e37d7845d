import { z } from 'zod';
import type { GatewayConfig } from '../../src/gateway/GatewayConfig.js';
import { requestContext, type ServiceContext } from '../context.js';
import type { ServiceMount } from '../mount.js';
import { createGatewayRouter, type GatewayRouter } from './createGatewayRouter.js';
import { ChatCompletionRequestSchema } from './schemas.js';

/**
 * The gateway as a service mount at `/v1`, behind the service's auth (access `user`), per-key rate limit,
 * request ids, metrics, drain and hot reload (the router is read from the model holder on every request).
 * Lane `none`: a gateway request mostly waits on an upstream, so it is bounded by each upstream's
 * `maxConcurrency` + `queueTimeoutMs` instead of the CPU lanes; no service deadline (streams), the upstream
 * timeouts bound every attempt. Records go through the service's route recorder.
 */
export function gatewayMount(ctx: ServiceContext, config: GatewayConfig): ServiceMount & { gateway: GatewayRouter['gateway'] } {
  const router = createGatewayRouter({
    getRouter: () => ctx.holder.router,
    config,
    sink: { write: async (r) => ctx.recorder.record(r) },
    log: ctx.log,
    prefix: '',
    requestSignal: (res) => requestContext(res).signal,
  });
  const body = { content: { 'application/json': { schema: z.toJSONSchema(ChatCompletionRequestSchema, { unrepresentable: 'any' }) } } };
  return {
    name: 'gateway',
    path: '/v1',
    router,
    gateway: router.gateway,
    access: 'user',
    lane: 'none',
    bodyLimit: config.bodyLimit,
    timeoutMs: 0,
    openapi: {
      '/v1/chat/completions': {
        post: {
          summary: 'OpenAI-compatible chat completions: model "router" routes, concrete ids proxy; streaming, fallbacks, usage-based cost headers',
          requestBody: { required: true, ...body },
          responses: {
            '200': {
              description: 'the upstream answer (JSON or text/event-stream), headers x-llmr-model, x-llmr-route-id, x-llmr-router-version, x-llmr-cost-usd',
            },
          },
        },
      },
      '/v1/models': { get: { summary: 'router ids and configured models, OpenAI list format', responses: { '200': { description: 'model list' } } } },
    },
  };
}
