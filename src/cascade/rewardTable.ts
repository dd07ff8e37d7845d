import type { ScoreRecord } from '../data/schemas.js';
import { LlmrError } from '../errors.js';
import type { EvalTable } from '../eval/evalTable.js';
import type { RankerPipeline } from '../rankers/RankerPipeline.js';
import { cascadeTable, type CascadeTable } from './cascade.js';

const GROUPS_PER_CALL = 64;

/**
 * A cascade table for an eval table: the reward model scores every model's logged response to every prompt
 * (responses from the score records, matched by id). A missing response gets reward NaN: never accepted.
 */
export async function rewardTable(pipeline: RankerPipeline, table: EvalTable, records: readonly ScoreRecord[]): Promise<CascadeTable> {
  if (pipeline.ranker.scoring !== 'reward')
    throw new LlmrError(`a cascade accepts on a scalar reward; the ${pipeline.kind} ranker is pairwise`, {
      field: 'ranker',
      fix: 'train a reward model: llmr train ranker bradley-terry ...',
    });
  const byId = new Map(records.map((r) => [r.id, r]));
  const reward: Float64Array[] = [];
  for (let i = 0; i < table.ids.length; i += GROUPS_PER_CALL) {
    const ids = table.ids.slice(i, i + GROUPS_PER_CALL);
    const groups = ids.map((id) => {
      const r = byId.get(id);
      if (!r)
        throw new LlmrError(`no record with id "${id}" for the cascade's rewards`, { field: 'records', fix: 'pass the records the eval table was built from' });
      const present = table.models.filter((m) => typeof r.responses?.[m] === 'string');
      return { prompt: r.prompt, present, responses: present.map((m) => ({ text: r.responses![m]!, model: m })) };
    });
    const got = await pipeline.rewards(groups);
    groups.forEach((g, k) => {
      const row = new Float64Array(table.models.length).fill(Number.NaN);
      g.present.forEach((m, q) => (row[table.models.indexOf(m)] = got[k]![q]!));
      reward.push(row);
    });
  }
  return cascadeTable(table, reward);
}
