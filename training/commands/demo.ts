import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startMockUpstream } from '../../src/gateway/mockUpstream.js';
import { newVersion } from '../../src/artifacts/artifact.js';
import { backendLabel, initBackend } from '../../src/backend/backend.js';
import { readRecords } from '../../src/data/readRecords.js';
import { LlmrError } from '../../src/errors.js';
import { evalTableFromRecords, modelMeans } from '../../src/eval/evalTable.js';
import { oracle } from '../../src/eval/baselines.js';
import { evaluateRouters } from '../../src/eval/evaluate.js';
import { decide, type Policy } from '../../src/policy/policy.js';
import { trainRouter } from '../../src/routers/trainRouter.js';
import { evaluateRanker } from '../../src/eval/rankers/evaluateRanker.js';
import { splitPairs } from '../../src/rankers/rankData.js';
import { RankerPipeline } from '../../src/rankers/RankerPipeline.js';
import { textPairsFromRecords } from '../../src/rankers/textPairs.js';
import { loadRankService } from '../../serve/rankService.js';
import { runServer } from '../../serve/run.js';
import type { CliContext } from '../cliContext.js';
import { loadPrices } from './train.js';
import { recordsDigest } from '../../src/data/digest.js';
import { packageRoot } from '../../src/version.js';

/** The bundled sample (shipped in the package too), wherever the package is. */
const SAMPLE = join(packageRoot(), 'data', 'sample');

function usdPer1k(x: number): string {
  return `$${(x * 1000).toFixed(4)}`;
}

/**
 * The offline demo: bundled sample → kNN router → held-out table vs every single model and the oracle →
 * artifact → HTTP server with a curl example.
 */
export function registerDemoCommands(ctx: CliContext): void {
  ctx.program
    .command('demo')
    .description('train a kNN router on the bundled sample, print a held-out table, save it and start the server (offline)')
    .option('--no-serve', 'stop after training and the table')
    .option('--port <n>', 'server port', '8080')
    .action(async (o: { serve: boolean; port: string }) => {
      const t0 = Date.now();
      const backend = await initBackend(ctx.config.backend);
      const trainPath = join(SAMPLE, 'llmrouter-train.jsonl.gz');
      const testPath = join(SAMPLE, 'llmrouter-test.jsonl.gz');
      if (!existsSync(trainPath))
        throw new LlmrError(`bundled sample ${trainPath} is missing`, {
          fix: 'the package ships data/sample/: reinstall llm-router-tfjs, or run from a checkout of the repository',
        });
      const say = (s: string) => process.stdout.write(s + '\n');
      say(`llmr demo — TF.js backend: ${backendLabel(backend)}\n`);
      const train = await readRecords(trainPath, 'scores');
      const test = await readRecords(testPath, 'scores');
      const prices = loadPrices(join(SAMPLE, 'llmrouter-prices.json'), trainPath)!;
      say(`1. data: ${train.length} training and ${test.length} held-out prompts from ${SAMPLE}/ (LLMRouter, MIT; see data/ATTRIBUTION.md)`);
      const version = newVersion();
      const router = await trainRouter(train, {
        kind: 'knn',
        name: 'demo-knn',
        version,
        prices,
        source: trainPath,
        backend: backend.name,
        params: { keepPrompts: true },
      });
      say(
        `2. trained a kNN router (k=${(router.router.params as { k: number }).k}, hashing featurizer, ${router.featurizer.dim} dims) over ${router.models.length} candidate models`,
      );

      const table = evalTableFromRecords('llmrouter sample test', test, prices, router.models);
      const pred = await router.score(table.prompts);
      const singles = modelMeans(table);
      const orc = oracle(table);
      const rows: [string, number, number][] = table.models.map((m, j) => [m, singles.quality[j]!, singles.cost[j]!]);
      rows.sort((a, b) => a[2] - b[2]);
      const policyRow = (label: string, policy: Policy): [string, number, number] => {
        let q = 0;
        let c = 0;
        table.quality.forEach((qq, i) => {
          const d = decide(
            table.models.map((m, j) => ({ model: m, quality: pred[i]![j]!, cost: prices.cost(m, table.prompts[i]!) })),
            policy,
          );
          const j = table.models.indexOf(d.model);
          q += qq[j]!;
          c += table.cost[i]![j]!;
        });
        return [label, q / table.ids.length, c / table.ids.length];
      };
      const best = rows.reduce((a, b) => (b[1] > a[1] ? b : a));
      // Willingness to pay in USD per unit of quality, scaled to this data's prices: at `scale` a 0.1 quality gain
      // is worth the mean price of the most expensive model.
      const scale = Math.max(...singles.cost) / 0.1;
      const wtp = (f: number) => Number((f * scale).toPrecision(2));
      const routerRows = [
        policyRow('kNN router, max quality', { kind: 'max-quality' }),
        ...[3, 1, 0.3].map((f) => policyRow(`kNN router, willingness to pay ${wtp(f)} $/quality`, { kind: 'willingness-to-pay', wtp: wtp(f) })),
        policyRow(`kNN router, cheapest ≥ ${best[1].toFixed(2)}`, { kind: 'cheapest-above', target: best[1] }),
      ];
      const ev = evaluateRouters(
        table,
        [{ name: 'kNN', kind: 'knn', pred, expectedCost: table.prompts.map((p) => Float64Array.from(table.models, (m) => prices.cost(m, p))) }],
        { bootstrap: 0, pair: null },
      );
      say(`\n3. held-out quality and cost (${table.ids.length} prompts; cost from list prices per 1M tokens, ~4 chars/token):\n`);
      say('| policy / model | mean quality | cost per 1k queries |');
      say('|---|---|---|');
      for (const r of rows) say(`| ${r[0]} | ${r[1].toFixed(3)} | ${usdPer1k(r[2])} |`);
      for (const r of routerRows) say(`| **${r[0]}** | ${r[1].toFixed(3)} | ${usdPer1k(r[2])} |`);
      say(`| oracle (cheapest best model per prompt) | ${orc.quality.toFixed(3)} | ${usdPer1k(orc.cost)} |`);
      say(
        `\n   AIQ (area under the cost–quality hull, RouterBench): kNN ${ev.routers[0]!.aiq.toFixed(3)} vs Zero router ${ev.zero.aiq.toFixed(3)} vs random ${ev.random.aiq.toFixed(3)}`,
      );
      say(`   best single model: ${best[0]} ${best[1].toFixed(3)} at ${usdPer1k(best[2])}`);

      const dir = join(ctx.config.modelsDir, 'demo-knn', version);
      await router.save(dir, {
        metrics: { heldOut: { rows: table.ids.length, aiq: ev.routers[0]!.aiq, zeroAiq: ev.zero.aiq, maxQuality: routerRows[0]![1] } },
      });
      say(`\n4. saved the router artifact → ${dir} (llmr models verify ${dir})`);

      // The reward side: a pairwise response ranker on the bundled PandaLM human preferences.
      const pandalm = join(SAMPLE, 'pandalm-pairs.jsonl.gz');
      const { pairs } = textPairsFromRecords(await readRecords(pandalm, 'pairwise'), pandalm);
      const split = splitPairs(pairs);
      const ranker = await RankerPipeline.train(split.train, {
        kind: 'pairwise',
        validation: split.validation,
        meta: {
          name: 'demo-ranker',
          version,
          backend: backend.name,
          trainingData: { digest: recordsDigest(split.train), rows: split.train.length, source: pandalm },
        },
      });
      const rev = evaluateRanker(
        'pandalm sample',
        'test',
        split.test,
        await ranker.comparePairs(split.test),
        { name: 'demo-ranker', kind: 'pairwise' },
        { bootstrap: 200 },
      );
      const rdir = join(ctx.config.modelsDir, 'demo-ranker', version);
      await ranker.save(rdir, { metrics: { test: rev } });
      const ci = rev.ranker.ci ? ` (95% CI ${rev.ranker.ci.lo.toFixed(3)}–${rev.ranker.ci.hi.toFixed(3)})` : '';
      say(`\n5. trained a pairwise response ranker on ${split.train.length} PandaLM human preferences (Apache-2.0): held-out agreement with the`);
      say(
        `   human majority on ${rev.ranker.n} non-tie pairs: ranker ${rev.ranker.accuracy.toFixed(3)}${ci}, "longer answer wins" ${rev.baselines.length.accuracy.toFixed(3)}, random ${rev.baselines.random.accuracy.toFixed(3)}`,
      );
      say(`   saved → ${rdir}`);
      say(`   demo finished in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      if (!o.serve) return;
      const port = Number(o.port);
      // The gateway in front of a local OpenAI-compatible stand-in: every candidate served by the mock, billed at
      // the sample's list prices, so the whole request path runs offline.
      const mock = await startMockUpstream({ defaults: { chunkDelayMs: 15 } });
      const gatewayFile = join('out', 'demo', 'gateway.json');
      mkdirSync(dirname(gatewayFile), { recursive: true });
      const priceOf = (m: string) => prices.entries[m] ?? {};
      writeFileSync(
        gatewayFile,
        JSON.stringify(
          {
            upstreams: { local: { baseUrl: mock.url } },
            models: Object.fromEntries(
              router.models.map((m) => [m, { upstream: 'local', inputPerMTok: priceOf(m).inputPerMTok ?? 0, outputPerMTok: priceOf(m).outputPerMTok ?? 0 }]),
            ),
          },
          null,
          2,
        ) + '\n',
      );
      const running = await runServer({
        router: dir,
        ranker: rdir,
        port,
        modelsDir: ctx.config.modelsDir,
        backend: ctx.config.backend,
        loadRanker: loadRankService,
        gateway: gatewayFile,
      });
      say(`\n6. serving on ${running.url} — try:\n`);
      say(
        `   curl -s ${running.url}/route -H 'content-type: application/json' \\\n     -d '{"prompt":"Solve 3x + 5 = 20 for x.","policy":{"kind":"willingness-to-pay","wtp":${wtp(1)}},"explain":true}'`,
      );
      say(
        `   curl -s ${running.url}/rank -H 'content-type: application/json' \\\n     -d '{"prompt":"Name a primary colour.","responses":[{"text":"Blue is a primary colour."},{"text":"Dog."}]}'`,
      );
      say(`   curl -s ${running.url}/openapi.json | head -c 300`);
      say(`\n7. OpenAI-compatible gateway on the same port (config ${gatewayFile}; upstream: the local stand-in at ${mock.url}):\n`);
      say(
        `   curl -si ${running.url}/v1/chat/completions -H 'content-type: application/json' \\\n     -d '{"model":"router","messages":[{"role":"user","content":"Solve 3x + 5 = 20 for x."}]}'`,
      );
      say(
        `   curl -sN ${running.url}/v1/chat/completions -H 'content-type: application/json' \\\n     -d '{"model":"router","stream":true,"messages":[{"role":"user","content":"Write a haiku about the sea."}]}'`,
      );
      say(
        `   node --input-type=module -e "import OpenAI from 'openai'; const c = new OpenAI({ baseURL: '${running.url}/v1', apiKey: 'unused' }); \\\n     const r = await c.chat.completions.create({ model: 'router', messages: [{ role: 'user', content: 'Solve 3x + 5 = 20 for x.' }] }); console.log(r.model, r.choices[0].message.content)"`,
      );
      say(`\n   Ctrl-C to stop.`);
      await new Promise(() => {});
    });
}
