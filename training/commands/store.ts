import { resolve } from 'node:path';
import { LlmrError } from '../../src/errors.js';
import { openStore, storeConfigFromEnv } from '../../src/store/openStore.js';
import type { Store, StoreStats } from '../../src/store/Store.js';
import type { PairwiseRecord, ScoreRecord } from '../../src/data/schemas.js';
import { pairRecordsFromStore, scoreRecordsFromStore, type StoreExport } from '../../src/store/storeRecords.js';
import { parseTimeArg } from '../../src/store/timeArg.js';
import { EXPORT_FORMATS, writeRecordsFile, type ExportFormat } from '../../src/store/writeRecordsFile.js';
import type { CliContext } from '../cliContext.js';

interface StoreFlags {
  store?: string;
}

/** Open the store named by --store (else LLMR_STORE_URL, else the default DuckDB file), run fn, close. */
export async function withStore<T>(o: StoreFlags, fn: (s: Store) => Promise<T>): Promise<T> {
  const cfg = storeConfigFromEnv();
  const store = await openStore(o.store ?? cfg.url, { storePrompts: cfg.storePrompts, salt: cfg.salt });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const STORE_HELP = 'store URL: duckdb:<file> or postgres://… (default LLMR_STORE_URL, else duckdb:data/store/llmr.duckdb)';

function formatStats(s: StoreStats): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const score = (x: number | null) => (x === null ? '—' : x.toFixed(3));
  const lines = [
    `store: ${s.kind} ${s.location} (schema v${s.schemaVersion})`,
    `route records: ${s.routes}${s.firstRoute ? ` (${s.firstRoute} … ${s.lastRoute})` : ''}`,
    `feedback: ${s.feedback} (${
      Object.entries(s.feedbackByKind)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none'
    }); feedback rate ${pct(s.feedbackRate)}`,
    `model versions logged: ${s.modelVersions}`,
    '',
    '| model | routes | share | cost USD | feedback | mean score |',
    '|---|---|---|---|---|---|',
    ...s.models.map((m) => `| ${m.model} | ${m.routes} | ${pct(m.share)} | ${m.costUsd.toFixed(4)} | ${m.feedback} | ${score(m.meanScore)} |`),
  ];
  if (s.weeks.length)
    lines.push(
      '',
      '| week (Mon) | model | routes | cost USD | mean score |',
      '|---|---|---|---|---|',
      ...s.weeks.map((w) => `| ${w.week} | ${w.model} | ${w.routes} | ${w.costUsd.toFixed(4)} | ${score(w.meanScore)} |`),
    );
  return lines.join('\n');
}

export function registerStoreCommands(ctx: CliContext): void {
  const store = ctx.group('store', 'the feedback store: export training data, statistics, retention, deletion');
  store
    .command('export')
    .description('write stored feedback as training records: --shape scores (score/thumbs per route) or pairs (preferences)')
    .requiredOption('--out <file>', 'output file')
    .option('--format <f>', `${EXPORT_FORMATS.join(' | ')}`, 'jsonl')
    .option('--shape <s>', 'scores | pairs', 'scores')
    .option('--since <t>', 'ISO date or age (30d, 12h)')
    .option('--until <t>', 'ISO date or age')
    .option('--store <url>', STORE_HELP)
    .action(async (o: StoreFlags & { out: string; format: string; shape: string; since?: string; until?: string }) => {
      if (!(EXPORT_FORMATS as readonly string[]).includes(o.format))
        throw new LlmrError(`unknown --format "${o.format}"`, { field: '--format', fix: `use one of: ${EXPORT_FORMATS.join(', ')}` });
      if (o.shape !== 'scores' && o.shape !== 'pairs') throw new LlmrError(`unknown --shape "${o.shape}"`, { field: '--shape', fix: 'use scores or pairs' });
      const range = { since: o.since ? parseTimeArg(o.since, '--since') : undefined, until: o.until ? parseTimeArg(o.until, '--until') : undefined };
      const t0 = performance.now();
      const out = await withStore<StoreExport<ScoreRecord | PairwiseRecord>>(o, (s) =>
        o.shape === 'scores' ? scoreRecordsFromStore(s, range) : pairRecordsFromStore(s, range),
      );
      writeRecordsFile(o.out, out.records, o.shape, o.format as ExportFormat);
      process.stdout.write(
        `wrote ${out.records.length} ${o.shape} records to ${resolve(o.out)} (${o.format}) in ${((performance.now() - t0) / 1000).toFixed(2)} s\n`,
      );
      if (out.withoutPrompt)
        process.stderr.write(
          `note: ${out.withoutPrompt} labelled records left out: stored without prompt text (serve with --store-prompts / LLMR_STORE_PROMPTS=true to keep prompts)\n`,
        );
    });
  store
    .command('stats')
    .description('counts of route records and feedback, feedback rate, per-model share, cost and quality, per week')
    .option('--json', 'machine-readable output')
    .option('--store <url>', STORE_HELP)
    .action(async (o: StoreFlags & { json?: boolean }) => {
      const s = await withStore(o, (st) => st.stats());
      process.stdout.write((o.json ? JSON.stringify(s, null, 2) : formatStats(s)) + '\n');
    });
  store
    .command('prune')
    .description('retention: delete route records and feedback older than a period')
    .requiredOption('--older-than <t>', 'age (90d, 12w) or ISO date')
    .option('--store <url>', STORE_HELP)
    .action(async (o: StoreFlags & { olderThan: string }) => {
      const before = parseTimeArg(o.olderThan, '--older-than');
      const r = await withStore(o, (s) => s.prune(before));
      process.stdout.write(`deleted ${r.routes} route records and ${r.feedback} feedback older than ${before.toISOString()}\n`);
    });
  store
    .command('delete')
    .description("delete a user's data or given route records (with their feedback)")
    .option('--route-id <id...>', 'route ids')
    .option('--user-id <id>', 'every route record and feedback of this user')
    .option('--store <url>', STORE_HELP)
    .action(async (o: StoreFlags & { routeId?: string[]; userId?: string }) => {
      if (!o.routeId?.length && o.userId === undefined)
        throw new LlmrError('nothing to delete', { field: '--route-id', fix: 'pass --route-id <id...> and/or --user-id <id>' });
      const r = await withStore(o, (s) => s.deleteWhere({ routeIds: o.routeId, userId: o.userId }));
      process.stdout.write(`deleted ${r.routes} route records and ${r.feedback} feedback\n`);
    });
}
