import { contentText } from './usageCost.js';
import type { ContextMode } from './GatewayConfig.js';

export interface ChatMessageLike {
  role?: unknown;
  content?: unknown;
}

/**
 * The text the router reads for a conversation. `last`: the last user message; `last-turn`: the assistant
 * message before it and the last user message; `full`: every message's text (system included), in order.
 * Falls back to the last message with text when there is no user message.
 */
export function routingPrompt(messages: readonly ChatMessageLike[], mode: ContextMode): string {
  let lastUser = -1;
  for (let i = messages.length - 1; i >= 0; i--)
    if (messages[i]!.role === 'user') {
      lastUser = i;
      break;
    }
  if (mode === 'full')
    return messages
      .map((m) => contentText(m.content))
      .filter(Boolean)
      .join('\n');
  if (lastUser < 0) {
    for (let i = messages.length - 1; i >= 0; i--) {
      const t = contentText(messages[i]!.content);
      if (t) return t;
    }
    return '';
  }
  const user = contentText(messages[lastUser]!.content);
  if (mode === 'last') return user;
  for (let i = lastUser - 1; i >= 0; i--)
    if (messages[i]!.role === 'assistant') {
      const a = contentText(messages[i]!.content);
      return a ? `${a}\n${user}` : user;
    }
  return user;
}
