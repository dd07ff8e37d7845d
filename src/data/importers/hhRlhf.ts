import { z } from 'zod';
import { LlmrError } from '../../errors.js';
import { fnv1a32 } from '../../util/hash.js';
import { PairwiseRecordSchema, type PairwiseRecord } from '../schemas.js';
import type { Importer, PairwiseImportResult } from './types.js';
import { locate, parseSource, readJsonLines } from './util.js';

const HhRowSchema = z.object({ chosen: z.string(), rejected: z.string() });
const ASSISTANT = '\n\nAssistant:';
/** Anonymous "model" names: the two responses are not from identifiable policies. */
export const HH_MODEL_A = 'response_a';
export const HH_MODEL_B = 'response_b';

/**
 * Split a chosen/rejected transcript pair into the shared prefix (the dialogue up to the final Assistant
 * turn) and the two final Assistant replies. Null when the transcripts share no Assistant turn boundary.
 */
export function splitTranscripts(chosen: string, rejected: string): { prompt: string; chosen: string; rejected: string } | null {
  let l = 0;
  const max = Math.min(chosen.length, rejected.length);
  while (l < max && chosen.charCodeAt(l) === rejected.charCodeAt(l)) l++;
  // the last "\n\nAssistant:" that lies wholly inside the common prefix
  const p = chosen.lastIndexOf(ASSISTANT, l - ASSISTANT.length);
  if (p < 0 || l < ASSISTANT.length) return null;
  return {
    prompt: chosen.slice(0, p).replace(/^\s+/, ''),
    chosen: chosen.slice(p + ASSISTANT.length).trim(),
    rejected: rejected.slice(p + ASSISTANT.length).trim(),
  };
}

/**
 * Anthropic HH-RLHF (gzip JSONL of {chosen, rejected} transcripts). prompt = the shared transcript prefix
 * ("Human: ...\n\nAssistant: ...\n\nHuman: ..."), responses = the final Assistant turns. The chosen reply is
 * put in slot a or b by the parity of fnv1a32(id) so labels are balanced; model names are the anonymous
 * 'response_a'/'response_b'.
 */
async function importHhRlhf(inputDir: string): Promise<PairwiseImportResult> {
  const file = locate(inputDir, ['harmless-base/test.jsonl.gz', 'test.jsonl.gz'], 'HH-RLHF harmless-base/test.jsonl.gz');
  const rows = readJsonLines(file, inputDir);
  let skipped = 0;
  const counts = { a: 0, b: 0 };
  const records: PairwiseRecord[] = [];
  rows.forEach((v, k) => {
    const at = `test.jsonl.gz line ${k + 1}`;
    const r = parseSource(HhRowSchema, v, at);
    const parts = splitTranscripts(r.chosen, r.rejected);
    if (!parts) {
      skipped++;
      return;
    }
    const id = `hh-rlhf-harmless-test-${k}`;
    const chosenIsA = (fnv1a32(id) & 1) === 0;
    counts[chosenIsA ? 'a' : 'b']++;
    records.push(
      PairwiseRecordSchema.parse({
        id,
        prompt: parts.prompt,
        task: 'harmless',
        model_a: HH_MODEL_A,
        model_b: HH_MODEL_B,
        winner: chosenIsA ? 'a' : 'b',
        response_a: chosenIsA ? parts.chosen : parts.rejected,
        response_b: chosenIsA ? parts.rejected : parts.chosen,
      }),
    );
  });
  if (records.length === 0) throw new LlmrError(`${file}: no usable chosen/rejected pairs`, { where: file });
  const notes = [
    `${rows.length} lines; ${records.length} pairs${skipped ? `, ${skipped} skipped (no shared Assistant turn boundary)` : ''}`,
    'prompt = shared transcript prefix before the final "\\n\\nAssistant:"; responses = the two final Assistant turns',
    `chosen placed in slot a (${counts.a}) or b (${counts.b}) by fnv1a32(id) parity; model names "${HH_MODEL_A}"/"${HH_MODEL_B}" are anonymous`,
  ];
  return { format: 'hh-rlhf', kind: 'pairwise', splits: { all: records }, notes };
}

export const hhRlhfImporter: Importer = {
  name: 'hh-rlhf',
  kind: 'pairwise',
  description: 'Anthropic HH-RLHF chosen/rejected dialogues (gzip JSONL), anonymous responses',
  license: 'MIT',
  sharedFolder: 'hh-rlhf-harmless-test',
  import: (dir) => importHhRlhf(dir),
};
