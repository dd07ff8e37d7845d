import type { PriceTableData } from '../../prices/PriceTable.js';
import type { PairwiseRecord, ScoreRecord } from '../schemas.js';

export interface ImportOptions {
  /** RouteLLM: keep rows listed in contaminated_prompts.jsonl (excluded by default). */
  keepContaminated?: boolean;
}

interface ImportResultBase {
  format: string;
  /** Human-readable facts about the conversion: counts, exclusions, join coverage, assumptions. */
  notes: string[];
  prices?: PriceTableData;
}
export interface ScoreImportResult extends ImportResultBase {
  kind: 'scores';
  splits: Record<string, ScoreRecord[]>;
}
export interface PairwiseImportResult extends ImportResultBase {
  kind: 'pairwise';
  splits: Record<string, PairwiseRecord[]>;
}
export type ImportResult = ScoreImportResult | PairwiseImportResult;

/** One source format: where its files are, what it yields, and the conversion. */
export interface Importer {
  name: string;
  kind: 'scores' | 'pairwise';
  description: string;
  /** License of the source data as recorded in its PROVENANCE.md. */
  license: string;
  /** Folder under the shared data root that holds this set. */
  sharedFolder: string;
  import(inputDir: string, opts: ImportOptions): Promise<ImportResult>;
}
