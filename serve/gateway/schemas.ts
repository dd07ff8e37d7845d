import { z } from 'zod';
import { CONTEXT_MODES } from '../../src/gateway/GatewayConfig.js';
import { PolicySchema } from '../../src/policy/policy.js';

/** The gateway's own extension field (`llmr`): removed before the request goes upstream. */
export const LlmrExtensionSchema = z
  .object({
    policy: PolicySchema.optional(),
    candidates: z.array(z.string().min(1)).min(1).max(256).optional(),
    context: z.enum(CONTEXT_MODES).optional(),
    /** Conversation key for stickiness (same as the `x-llmr-session` header). */
    session: z.string().min(1).max(256).optional(),
  })
  .strict();

/**
 * OpenAI chat-completions request as the gateway reads it: only what it needs is checked; every other field
 * (tools, temperature, response_format, …) passes through to the upstream untouched.
 */
export const ChatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1, 'model must name "router", "router:<name>[:<calibration>]" or a configured model'),
  messages: z.array(z.looseObject({ role: z.string().min(1), content: z.unknown().optional() })).min(1, 'messages must hold at least one message'),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  user: z.string().max(256).optional(),
  llmr: LlmrExtensionSchema.optional(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;
