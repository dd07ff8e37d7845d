import { z } from 'zod';
import { LlmrError } from '../errors.js';
import { estimateTokens } from '../featurizers/tokenize.js';

/**
 * What one call to a model costs, in USD. Either list prices per 1M input/output tokens (with an expected
 * output length), or an observed mean cost per call (RouterBench logs USD per call), or both.
 */
export const PriceEntrySchema = z
  .object({
    inputPerMTok: z.number().nonnegative().optional(),
    outputPerMTok: z.number().nonnegative().optional(),
    /** Expected output tokens per call, used with outputPerMTok. */
    meanOutputTokens: z.number().nonnegative().optional(),
    /** Mean observed USD per call, used when token prices are absent. */
    perCall: z.number().nonnegative().optional(),
    source: z.string().optional(),
  })
  .refine((p) => p.perCall !== undefined || p.inputPerMTok !== undefined || p.outputPerMTok !== undefined, {
    message: 'a price needs perCall, or inputPerMTok/outputPerMTok',
  });
export type PriceEntry = z.infer<typeof PriceEntrySchema>;

export const PriceTableSchema = z.record(z.string().min(1), PriceEntrySchema);
export type PriceTableData = z.infer<typeof PriceTableSchema>;

/** Prices of the models routed to. Every decision's cost comes from here. */
export class PriceTable {
  constructor(readonly entries: PriceTableData) {
    const r = PriceTableSchema.safeParse(entries);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new LlmrError(`invalid price table: ${issue.message}`, {
        field: `prices.${issue.path.join('.')}`,
        fix: 'give each model perCall (USD) or inputPerMTok/outputPerMTok',
      });
    }
  }

  has(model: string): boolean {
    return model in this.entries;
  }

  get models(): string[] {
    return Object.keys(this.entries);
  }

  /** Expected USD cost of sending `prompt` to `model`. Unknown model → error naming the known ones. */
  cost(model: string, prompt: string | number): number {
    const e = this.entries[model];
    if (!e)
      throw new LlmrError(`no price for model "${model}"; priced: ${this.models.join(', ')}`, { field: 'prices', fix: 'add the model to the price table' });
    if (e.inputPerMTok === undefined && e.outputPerMTok === undefined) return e.perCall!;
    const inTok = typeof prompt === 'number' ? prompt : estimateTokens(prompt);
    const outTok = e.meanOutputTokens ?? 0;
    const tokenCost = (inTok * (e.inputPerMTok ?? 0) + outTok * (e.outputPerMTok ?? 0)) / 1e6;
    return outTok === 0 && e.perCall !== undefined ? Math.max(tokenCost, e.perCall) : tokenCost;
  }

  toJSON(): PriceTableData {
    return this.entries;
  }

  /** Mean observed per-call cost per model from logged costs (NaN/missing skipped). */
  static fromObservedCosts(costs: Record<string, (number | null | undefined)[]>, source = 'observed mean cost per call'): PriceTable {
    const entries: PriceTableData = {};
    for (const [m, cs] of Object.entries(costs)) {
      const v = cs.filter((c): c is number => typeof c === 'number' && Number.isFinite(c));
      if (v.length) entries[m] = { perCall: v.reduce((a, b) => a + b, 0) / v.length, source };
    }
    return new PriceTable(entries);
  }
}
