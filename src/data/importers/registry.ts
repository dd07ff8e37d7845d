import { UnknownOptionError } from '../../errors.js';
import { hhRlhfImporter } from './hhRlhf.js';
import { llmrouterImporter } from './llmrouter.js';
import { pandalmImporter } from './pandalm.js';
import { routellmImporter } from './routellm.js';
import { routerbenchImporter } from './routerbench.js';
import type { ImportOptions, ImportResult, Importer } from './types.js';

export type { ImportOptions, ImportResult, Importer, PairwiseImportResult, ScoreImportResult } from './types.js';

/** Every source format `llmr data import --format` knows. */
export const IMPORTERS: Record<string, Importer> = {
  routerbench: routerbenchImporter,
  llmrouter: llmrouterImporter,
  routellm: routellmImporter,
  pandalm: pandalmImporter,
  'hh-rlhf': hhRlhfImporter,
};

export function importerFor(format: string): Importer {
  const imp = Object.hasOwn(IMPORTERS, format) ? IMPORTERS[format] : undefined;
  if (!imp) throw new UnknownOptionError('import format', format, Object.keys(IMPORTERS), 'format');
  return imp;
}

/** Convert a source data set in `inputDir` to score or pairwise records, split as the source splits them. */
export async function importDataset(format: string, inputDir: string, opts: ImportOptions = {}): Promise<ImportResult> {
  return importerFor(format).import(inputDir, opts);
}
