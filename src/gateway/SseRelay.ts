import { StringDecoder } from 'node:string_decoder';
import { readUsage, type Usage } from './usageCost.js';

/**
 * Passes an upstream's server-sent events through event by event (each complete event is forwarded as soon
 * as its blank line arrives — nothing waits for the stream's end) while reading what the bill needs: the
 * final `usage` chunk, the answer's length (for an estimate when there is no usage) and the model. A usage-only
 * chunk the gateway asked for on the client's behalf (`dropUsageChunk`) is read and not forwarded.
 */
export class SseRelay {
  private pending = '';
  private readonly decoder = new StringDecoder('utf8');
  usage: Usage | null = null;
  model: string | null = null;
  outputChars = 0;
  done = false;
  /** An `error` object the upstream sent inside the stream. */
  error: unknown = null;

  constructor(private readonly dropUsageChunk = false) {}

  /** Feed upstream bytes; returns the complete events to forward now ('' when none is complete yet). */
  feed(chunk: Buffer): string {
    this.pending += this.decoder.write(chunk);
    let out = '';
    for (;;) {
      const m = /\r?\n\r?\n/.exec(this.pending);
      if (!m) break;
      const event = this.pending.slice(0, m.index);
      this.pending = this.pending.slice(m.index + m[0].length);
      if (this.inspect(event)) out += `${event}\n\n`;
    }
    return out;
  }

  /** What is left at the end of the stream (an unterminated last event), forwarded as is. */
  flush(): string {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    return rest && this.inspect(rest) ? rest : '';
  }

  /** The `[DONE]` sentinel was seen: the events up to it are complete. */
  isDoneEvent(event: string): boolean {
    return /^data: ?\[DONE\]/m.test(event);
  }

  /** Read one event; false = do not forward it. */
  private inspect(event: string): boolean {
    let data = '';
    for (const line of event.split(/\r?\n/)) if (line.startsWith('data:')) data += (data ? '\n' : '') + line.slice(line[5] === ' ' ? 6 : 5);
    if (!data) return true;
    if (data.startsWith('[DONE]')) {
      this.done = true;
      return true;
    }
    let j: { model?: unknown; usage?: unknown; choices?: unknown; error?: unknown };
    try {
      j = JSON.parse(data) as typeof j;
    } catch {
      return true;
    }
    if (typeof j.model === 'string') this.model = j.model;
    if (j.error) this.error = j.error;
    const u = readUsage(j.usage);
    if (u) this.usage = u;
    if (Array.isArray(j.choices))
      for (const c of j.choices as { delta?: { content?: unknown; tool_calls?: { function?: { arguments?: unknown } }[] } }[]) {
        const d = c?.delta;
        if (!d) continue;
        if (typeof d.content === 'string') this.outputChars += d.content.length;
        if (Array.isArray(d.tool_calls))
          for (const t of d.tool_calls) if (typeof t?.function?.arguments === 'string') this.outputChars += t.function.arguments.length;
      }
    return !(this.dropUsageChunk && u && Array.isArray(j.choices) && j.choices.length === 0);
  }
}
