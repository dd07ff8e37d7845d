import { basename, join } from 'node:path';
import { readRecords } from '../data/readRecords.js';
import { IMPORTERS, importDataset } from '../data/importers/registry.js';
import type { ScoreImportResult } from '../data/importers/types.js';
import { scoresToPairs } from '../data/pairs.js';
import type { PairwiseRecord, ScoreRecord } from '../data/schemas.js';
import { splitRecords } from '../data/split.js';
import { LlmrError, UnknownOptionError } from '../errors.js';
import type { PriceTableData } from '../prices/PriceTable.js';
import { Rng } from '../util/rng.js';
import { textPairsFromRecords, type TextPair } from './textPairs.js';

/**
 * The preference sets rankers train and are evaluated on, from the shared real data:
 * - pandalm: 999 human pairs (majority label, ties kept as y = ½, 3 votes kept);
 * - hh-rlhf: 2,312 harmless chosen/rejected final turns;
 * - routerbench: pairs of one prompt's responses where one model was right and the other wrong.
 * PandaLM and HH-RLHF come as one file: split 70/10/20 (train/validation/test) by salted prompt hash, so a
 * prompt's pairs never straddle splits. RouterBench keeps its own train/test files; validation is 10% of
 * the train prompts by hash.
 */
export const RANK_DATASETS = ['pandalm', 'hh-rlhf', 'routerbench'] as const;
export type RankDatasetName = (typeof RANK_DATASETS)[number];

export const RANK_SPLIT = { fractions: [0.7, 0.1, 0.2], names: ['train', 'validation', 'test'], salt: 'llmr-rankers-v1' } as const;

export interface RankDataset {
  /** A shared set's name, or the file name of a user's pairs file. */
  name: string;
  train: TextPair[];
  validation: TextPair[];
  test: TextPair[];
  notes: string[];
  /** RouterBench only: the score records of each split (responses, correctness, cost) for cascade replay and τ calibration. */
  records?: { train: ScoreRecord[]; validation: ScoreRecord[]; test: ScoreRecord[] };
  /** RouterBench only: the importer's price table (observed mean USD per call). */
  prices?: PriceTableData;
}

export interface RankDataOptions {
  /** RouterBench: at most this many right/wrong pairs per prompt (seeded choice); 0 = all. */
  maxPairsPerPrompt?: number;
  seed?: number;
}

export function parseRankDataset(name: string, field = 'dataset'): RankDatasetName {
  if (!(RANK_DATASETS as readonly string[]).includes(name)) throw new UnknownOptionError('ranker data set', name, RANK_DATASETS, field);
  return name as RankDatasetName;
}

/** Split pairs by salted prompt hash into train/validation/test. */
export function splitPairs(pairs: readonly TextPair[]): { train: TextPair[]; validation: TextPair[]; test: TextPair[] } {
  const s = splitRecords(pairs, { fractions: RANK_SPLIT.fractions, names: RANK_SPLIT.names, salt: RANK_SPLIT.salt });
  return { train: s.train!, validation: s.validation!, test: s.test! };
}

/**
 * Right-vs-wrong response pairs from score records (0/1 correctness): for every prompt, each pair of models
 * where one scored higher, as (winner, loser) in a seeded random order; capped per prompt.
 */
export function correctnessPairs(records: readonly ScoreRecord[], opts: RankDataOptions = {}): TextPair[] {
  const rng = new Rng(opts.seed ?? 7);
  const cap = opts.maxPairsPerPrompt ?? 6;
  const out: TextPair[] = [];
  for (const r of records) {
    const withText = { ...r, scores: Object.fromEntries(Object.entries(r.scores).filter(([m]) => r.responses?.[m] !== undefined)) };
    let recs: PairwiseRecord[] = scoresToPairs([withText], { ties: false });
    if (cap > 0 && recs.length > cap) recs = rng.shuffle(recs).slice(0, cap);
    if (recs.length === 0) continue;
    out.push(...textPairsFromRecords(recs, r.id).pairs);
  }
  return out;
}

async function pairwiseSet(name: 'pandalm' | 'hh-rlhf', dir: string): Promise<RankDataset> {
  const res = await importDataset(name, dir);
  if (res.kind !== 'pairwise') throw new LlmrError(`${name} importer returned ${res.kind} records`, { field: 'dataset' });
  const records = Object.values(res.splits).flat();
  const { pairs, skipped } = textPairsFromRecords(records, dir);
  const s = splitPairs(pairs);
  return {
    name,
    ...s,
    notes: [
      ...res.notes,
      `${pairs.length} pairs (${skipped} without responses); split by prompt hash ${RANK_SPLIT.fractions.join('/')} → ${s.train.length}/${s.validation.length}/${s.test.length}`,
    ],
  };
}

/**
 * A user's own pairwise file (records with response_a/response_b, any readable format) as a ranker data set:
 * split 70/10/20 by the same salted prompt hash as the shared sets, so a ranker can be trained on its train
 * split, or an artifact scored on any split (`split: 'all'` puts every pair in test).
 */
export async function fileRankDataset(path: string, opts: { split?: 'hash' | 'all' } = {}): Promise<RankDataset> {
  const records = await readRecords(path, 'pairwise');
  const { pairs, skipped } = textPairsFromRecords(records, basename(path));
  const s = opts.split === 'all' ? { train: [], validation: [], test: pairs } : splitPairs(pairs);
  return {
    name: basename(path),
    ...s,
    notes: [
      `${basename(path)}: ${pairs.length} pairs (${skipped} without responses)${opts.split === 'all' ? ', all scored' : `; split by prompt hash ${RANK_SPLIT.fractions.join('/')} → ${s.train.length}/${s.validation.length}/${s.test.length}`}`,
    ],
  };
}

/** Load one ranker data set from the shared data root (the folder holding each set's folder). */
export async function loadRankDataset(name: RankDatasetName, sharedRoot: string, opts: RankDataOptions = {}): Promise<RankDataset> {
  const dir = join(sharedRoot, IMPORTERS[name]!.sharedFolder);
  if (name !== 'routerbench') return pairwiseSet(name, dir);
  const res = (await importDataset('routerbench', dir)) as ScoreImportResult;
  const split = splitRecords(res.splits.train!, { fractions: [0.9, 0.1], names: ['train', 'validation'], salt: RANK_SPLIT.salt });
  const train = correctnessPairs(split.train!, opts);
  const validation = correctnessPairs(split.validation!, { ...opts, seed: (opts.seed ?? 7) + 1 });
  const test = correctnessPairs(res.splits.test!, { ...opts, seed: (opts.seed ?? 7) + 2 });
  return {
    name,
    train,
    validation,
    test,
    records: { train: split.train!, validation: split.validation!, test: res.splits.test! },
    prices: res.prices,
    notes: [
      ...res.notes,
      `right-vs-wrong response pairs, at most ${opts.maxPairsPerPrompt ?? 6} per prompt: ${train.length}/${validation.length}/${test.length} (train/validation/test; validation = 10% of train prompts by hash)`,
    ],
  };
}
