import { copyFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { recordsDigest } from '../../src/data/digest.js';
import { detectKind, parseKind } from '../../src/data/detectKind.js';
import { writeJson, writeJsonl } from '../../src/data/files.js';
import { IMPORTERS, importDataset } from '../../src/data/importers/registry.js';
import { readRawRows, readRecords, validateFile } from '../../src/data/readRecords.js';
import { makeSample } from '../../src/data/sample.js';
import type { RecordKind } from '../../src/data/schemas.js';
import { parseFractions, SPLIT_HASHES, type SplitHash, splitMethod, splitRecords } from '../../src/data/split.js';
import { datasetStats, formatStats } from '../../src/data/datasetStats.js';
import { LlmrError, UnknownOptionError } from '../../src/errors.js';
import type { CliContext } from '../cliContext.js';
import { priceFileFor } from './train.js';

async function kindOf(file: string, flag: string | undefined): Promise<RecordKind> {
  return flag ? parseKind(flag) : detectKind(await readRawRows(file), basename(file));
}

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : s + '\n');

export function registerDataCommands(ctx: CliContext): void {
  const data = ctx.group('data', 'validate, import, split and summarise routing data');

  data
    .command('validate')
    .argument('<file>', 'data file: .jsonl, .jsonl.gz, .json, .csv, .arrow/.feather, .parquet')
    .option('--kind <kind>', 'scores | pairwise (default: detected from the first record)')
    .option('--max-errors <n>', 'errors to list', '20')
    .description('check every record against the schema; lists errors with file, line and field')
    .action(async (file: string, o: { kind?: string; maxErrors: string }) => {
      const kind = await kindOf(file, o.kind);
      const rep = await validateFile(file, kind, Math.max(1, Number(o.maxErrors) || 20));
      const bad = rep.rows - rep.valid;
      out(
        `${file}: ${rep.rows} ${kind} records, ${rep.valid} valid, ${bad} invalid${rep.duplicateIds.length ? `, duplicate ids: ${rep.duplicateIds.join(', ')}` : ''}`,
      );
      for (const e of rep.errors) out(`  ${e}`);
      if (bad > rep.errors.length) out(`  ... ${bad - rep.errors.length} more`);
      if (bad || rep.duplicateIds.length) process.exitCode = 2;
    });

  data
    .command('import')
    .requiredOption('--format <format>', `source format: ${Object.keys(IMPORTERS).join(', ')}`)
    .requiredOption('--input <dir>', 'folder of the source data set (its own layout)')
    .requiredOption('--out <dir>', 'output folder: <split>.jsonl, prices.json, import.json')
    .option('--keep-contaminated', 'routellm: keep prompts listed in contaminated_prompts.jsonl')
    .option('--gzip', 'write <split>.jsonl.gz')
    .description('convert a public data set to score-table or pairwise JSONL, one file per source split')
    .action(async (o: { format: string; input: string; out: string; keepContaminated?: boolean; gzip?: boolean }) => {
      const r = await importDataset(o.format, o.input, { keepContaminated: o.keepContaminated ?? false });
      const splits: Record<string, { file: string; rows: number; digest: string }> = {};
      for (const [name, records] of Object.entries(r.splits)) {
        const file = `${name}.jsonl${o.gzip ? '.gz' : ''}`;
        writeJsonl(join(o.out, file), records);
        splits[name] = { file, rows: records.length, digest: recordsDigest(records) };
      }
      if (r.prices) writeJson(join(o.out, 'prices.json'), r.prices);
      const imp = IMPORTERS[o.format]!;
      writeJson(join(o.out, 'import.json'), {
        format: r.format,
        kind: r.kind,
        input: resolve(o.input),
        license: imp.license,
        options: { keepContaminated: o.keepContaminated ?? false },
        splits,
        prices: r.prices ? 'prices.json' : null,
        notes: r.notes,
      });
      out(`${r.format} → ${o.out} (${r.kind})`);
      for (const s of Object.values(splits)) out(`  ${s.file}: ${s.rows} records`);
      if (r.prices) out(`  prices.json: ${Object.keys(r.prices).length} models`);
      for (const n of r.notes) out(`  note: ${n}`);
    });

  data
    .command('split')
    .argument('<file>', 'data file to split')
    .requiredOption('--out <dir>', 'output folder: train.jsonl, validation.jsonl, test.jsonl, split.json')
    .option('--fractions <list>', 'train,validation,test fractions', '0.8,0.1,0.1')
    .option('--salt <salt>', 'hash salt (same salt → same assignment)', '')
    .option(
      '--hash <hash>',
      `salted (default: sha256(salt \\0 prompt)) or a plain hash of salt+prompt, digest / 2^bits: ${SPLIT_HASHES.slice(1).join(', ')}`,
      'salted',
    )
    .option('--buckets <n>', 'with a plain hash: (digest mod n) / n instead of digest / 2^bits')
    .option('--kind <kind>', 'scores | pairwise (default: detected)')
    .option('--gzip', 'write .jsonl.gz')
    .description('deterministic split by prompt-text hash: the same prompt always lands in the same split')
    .action(async (file: string, o: { out: string; fractions: string; salt: string; hash: string; buckets?: string; kind?: string; gzip?: boolean }) => {
      const kind = await kindOf(file, o.kind);
      const records = await readRecords(file, kind);
      const fractions = parseFractions(o.fractions);
      const names = ['train', 'validation', 'test'].slice(0, fractions.length);
      if (fractions.length > 3) throw new LlmrError(`--fractions takes at most 3 values, got ${fractions.length}`, { field: '--fractions' });
      if (!(SPLIT_HASHES as readonly string[]).includes(o.hash)) throw new UnknownOptionError('split hash', o.hash, SPLIT_HASHES, '--hash');
      const hash = o.hash as SplitHash;
      const buckets = o.buckets === undefined ? undefined : Number(o.buckets);
      const parts = splitRecords(records as { prompt: string }[], { fractions, names, salt: o.salt, hash, buckets });
      const summary: Record<string, { file: string; rows: number; digest: string }> = {};
      for (const [name, recs] of Object.entries(parts)) {
        const f = `${name}.jsonl${o.gzip ? '.gz' : ''}`;
        writeJsonl(join(o.out, f), recs);
        summary[name] = { file: f, rows: recs.length, digest: recordsDigest(recs) };
        out(`  ${f}: ${recs.length} records`);
      }
      // the price table travels with the data: `train router --data <out>/train.jsonl` finds it beside the split
      const prices = kind === 'scores' ? priceFileFor(file) : undefined;
      if (prices) {
        copyFileSync(prices, join(o.out, 'prices.json'));
        out(`  prices.json: copied from ${prices}`);
      }
      writeJson(join(o.out, 'split.json'), {
        source: resolve(file),
        kind,
        fractions,
        salt: o.salt,
        hash,
        ...(buckets ? { buckets } : {}),
        method: splitMethod(hash, buckets),
        splits: summary,
        ...(prices ? { prices: { file: 'prices.json', from: resolve(prices) } } : {}),
      });
    });

  data
    .command('stats')
    .argument('<file>', 'data file')
    .option('--kind <kind>', 'scores | pairwise (default: detected)')
    .option('--json', 'machine-readable output')
    .description('rows, models, mean score and coverage per model, tasks, mean cost (or wins/losses for pairwise)')
    .action(async (file: string, o: { kind?: string; json?: boolean }) => {
      const kind = await kindOf(file, o.kind);
      const records = await readRecords(file, kind);
      const s = datasetStats(records, kind);
      out(o.json ? JSON.stringify({ file, digest: recordsDigest(records), ...s }, null, 2) : `${file}\n${formatStats(s)}`);
    });

  data
    .command('make-sample')
    .option('--shared <dir>', 'shared data root', ctx.config.sharedDataDir)
    .option('--out <dir>', 'output folder (data/ of the repo)', 'data')
    .description('regenerate the bundled offline sample (data/sample) from the MIT/Apache shared sets')
    .action(async (o: { shared: string; out: string }) => {
      const m = await makeSample(o.shared, o.out);
      for (const [f, e] of Object.entries(m.files)) out(`  ${join(o.out, 'sample', f)}: ${e.rows} ${e.kind} (${e.license})`);
    });
}
