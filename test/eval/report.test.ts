import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tableDigest, type EvalTable } from '../../src/eval/evalTable.js';
import { evaluateRouters } from '../../src/eval/evaluate.js';
import { renderMarkdown, writeReport, type EvalReport } from '../../src/eval/report/report.js';
import { Rng } from '../../src/util/rng.js';
import { decodePng, distinctColours } from './png.js';
import { haveChromium as haveBrowser, launchChromium, layoutProblems } from '../browser.js';

const CHROMIUM = process.env.LLMR_CHROMIUM ?? '/usr/bin/chromium';

function table(models: string[], n: number, seed: number): EvalTable {
  const rng = new Rng(seed);
  const acc = models.map((_, j) => 0.4 + (0.5 * j) / Math.max(1, models.length - 1));
  const quality = Array.from({ length: n }, () => Float64Array.from(acc, (a) => (rng.next() < a ? 1 : 0)));
  const cost = Array.from({ length: n }, () => Float64Array.from(models, (_, j) => 0.0001 * 4 ** j * (0.8 + 0.4 * rng.next())));
  const t: EvalTable = {
    name: '',
    ids: quality.map((_, i) => `r${i}`),
    prompts: quality.map(() => ''),
    models,
    quality,
    cost,
    tasks: quality.map((_, i) => (i % 3 ? 'qa' : 'code')),
    costSource: { logged: n * models.length, priceTable: 0 },
    dropped: 0,
    digest: '',
  };
  t.digest = tableDigest(t);
  return t;
}

function noisy(t: EvalTable, name: string, seed: number) {
  const rng = new Rng(seed);
  return { name, kind: name, digest: 'ab'.repeat(32), pred: t.quality.map((q) => Float64Array.from(q, (v) => v + 0.7 * rng.normal())), expectedCost: t.cost };
}

function buildReport(): EvalReport {
  const multi = { ...table(['tiny', 'small', 'mid', 'big'], 300, 1), name: 'multi' };
  const pair = { ...table(['weak-model', 'strong-model'], 300, 2), name: 'pair' };
  return {
    title: 'test report',
    createdAt: '2026-01-01T00:00:00Z',
    command: 'llmr eval test',
    datasets: [
      evaluateRouters(multi, [noisy(multi, 'knn', 3), noisy(multi, 'mlp', 4)], { bootstrap: 20 }),
      evaluateRouters(pair, [noisy(pair, 'knn', 5), noisy(pair, 'mlp', 6)], { bootstrap: 20, reference: 'knn' }),
    ],
    artifacts: [
      {
        dataset: 'multi',
        name: 'knn',
        kind: 'knn',
        digest: 'ab'.repeat(32),
        trainSeconds: 1.25,
        params: { k: 40, exactBelow: 10000, m: 16, efConstruction: 200, ef: 100, power: 1, prior: 0, seed: 42 },
      },
    ],
  };
}

/**
 * The hard case a person saw go wrong: many models with long names at equal prices (labels that collide),
 * five routers with long versioned names whose curves lie on top of each other on a 2-model set, a long
 * set name (titles), a reference router (wide paired-interval columns), long params.
 */
function crowdedReport(): EvalReport {
  const names = [
    'llama-3.1-nemotron-51b-instruct',
    'llama3-chatqa-1.5-8b',
    'qwen2.5-7b-instruct',
    'mistral-7b-instruct-v0.3',
    'llama-3.1-8b-instruct',
    'codegemma-7b',
    'gemma-2-9b-it',
    'llama3-chatqa-1.5-70b',
    'llama-3.3-nemotron-super-49b-v1',
  ];
  const multi = { ...table(names, 400, 11), name: 'data/sample/llmrouter-test.jsonl.gz with a rather long name for a data set' };
  // equal prices for several models: their points share an x
  for (const row of multi.cost) for (let j = 1; j < 6; j++) row[j] = row[1]!;
  multi.digest = tableDigest(multi);
  const pair = { ...table(['mistralai/Mixtral-8x7B-Instruct-v0.1', 'gpt-4-1106-preview'], 400, 12), name: 'routellm-gsm8k' };
  const kinds = ['knn', 'mlp', 'mf', 'contrastive', 'elo'];
  const routers = (t: EvalTable) => kinds.map((k, i) => ({ ...noisy(t, `${k}@20261201T213854Z`, 20 + i), kind: k }));
  return {
    title: 'crowded report',
    createdAt: '2026-01-01T00:00:00Z',
    datasets: [
      evaluateRouters(multi, routers(multi), { bootstrap: 20, reference: 'knn@20261201T213854Z' }),
      evaluateRouters(pair, routers(pair), { bootstrap: 20, reference: 'knn@20261201T213854Z' }),
    ],
    artifacts: kinds.map((k) => ({
      dataset: 'routellm-gsm8k',
      name: `${k}@20261201T213854Z`,
      kind: k,
      digest: 'cd'.repeat(32),
      trainRows: 3000,
      trainSeconds: 12.5,
      params: { hidden: [256, 128], dropout: 0.1, epochs: 30, learningRate: 0.001, batchSize: 64, weightDecay: 0.0001, seed: 42, note: 'x'.repeat(200) },
    })),
  };
}

/** Every <svg …>…</svg> of the page with its data-plot id and the data-series/data-kind of its series. */
function plots(html: string): { id: string; series: { name: string; kind: string }[]; svg: string }[] {
  return [...html.matchAll(/<svg\b[^>]*data-plot="([^"]+)"[^>]*>([\s\S]*?)<\/svg>/g)].map((m) => ({
    id: m[1]!,
    svg: m[0],
    series: [...m[2]!.matchAll(/<g class="series" data-series="([^"]*)" data-kind="([^"]*)">/g)].map((s) => ({ name: s[1]!, kind: s[2]! })),
  }));
}

describe('evaluation report', () => {
  const report = buildReport();
  const dir = mkdtempSync(join(tmpdir(), 'llmr-report-'));
  const paths = writeReport(dir, report);
  const html = readFileSync(paths.html, 'utf8');

  it('HTML is self-contained: inline SVG, no script, no external URL', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
  });

  it('cost–quality plots carry each router, random, Zero router, oracle and every single model', () => {
    const p = plots(html);
    const cq = p.find((x) => x.id === 'cost-quality:multi')!;
    expect(cq).toBeDefined();
    const kinds = cq.series.map((s) => s.kind);
    expect(kinds.filter((k) => k === 'router')).toHaveLength(2);
    expect(kinds).toContain('random');
    expect(kinds).toContain('zero');
    expect(kinds).toContain('oracle');
    expect(
      cq.series
        .filter((s) => s.kind === 'model')
        .map((s) => s.name)
        .sort(),
    ).toEqual(['big', 'mid', 'small', 'tiny']);
    // a router series has its sweep points (circles) and its hull (polyline)
    const knn = cq.svg.match(/<g class="series" data-series="knn[^"]*" data-kind="router">([\s\S]*?)<\/g>/)![1]!;
    expect(knn).toMatch(/<polyline/);
    expect((knn.match(/<circle/g) ?? []).length).toBe(report.datasets[0]!.routers[0]!.points.length);
  });

  it('pair data gets the quality vs share-of-strong-calls plot; N-model data does not', () => {
    const ids = plots(html).map((x) => x.id);
    expect(ids).toContain('share-quality:pair');
    expect(ids).not.toContain('share-quality:multi');
    const sq = plots(html).find((x) => x.id === 'share-quality:pair')!;
    expect(sq.series.map((s) => s.kind).sort()).toEqual(['oracle', 'random', 'router', 'router', 'zero']);
  });

  it('tables: metrics, per task, digests; Markdown and JSON versions', () => {
    expect(html).toContain('<table class="metrics">');
    expect(html).toContain('<table class="tasks">');
    expect(html).toContain('<table class="tasks tasks-apgr">');
    expect(html).toContain(report.datasets[0]!.digest);
    const md = renderMarkdown(report);
    expect(md).toMatch(/\| router \| AIQ \|/);
    expect(md).toContain('| Zero router |');
    const json = JSON.parse(readFileSync(paths.json, 'utf8')) as EvalReport;
    expect(json.datasets[1]!.routers[0]!.pair!.points).toHaveLength(11);
    expect(readFileSync(paths.md, 'utf8')).toBe(md);
    // the pair set was compared with knn: paired-difference columns there, none on the other set
    expect(md).toContain('| APGR − knn [paired 95% CI] |');
    expect(md.match(/paired 95% CI/g)).toHaveLength(2);
    expect(md).toMatch(/\| mlp \|.*\| [+-]\d\.\d{3} \[[+-]\d\.\d{3}, [+-]\d\.\d{3}\] \|$/m);
    expect(md).toMatch(/\| knn \|.*\| reference \| reference \|$/m);
  });

  const haveChromium = existsSync(CHROMIUM);
  if (!haveChromium && process.env.CI !== 'true') console.warn(`[skip] headless render: ${CHROMIUM} not found (apt-get install -y chromium)`);
  (haveChromium || process.env.CI === 'true' ? it : it.skip)('renders in headless Chromium to a non-blank screenshot', () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} missing under CI`).toBe(true);
    const shot = join(dir, 'shot.png');
    const profile = mkdtempSync(join(tmpdir(), 'llmr-chromium-'));
    const r = spawnSync(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--hide-scrollbars',
        `--user-data-dir=${profile}`,
        `--screenshot=${shot}`,
        '--window-size=1400,1800',
        `file://${paths.html}`,
      ],
      { encoding: 'utf8', timeout: 90_000 },
    );
    expect(existsSync(shot), `chromium wrote no screenshot (exit ${r.status}): ${r.stderr?.slice(-800)}`).toBe(true);
    const png = decodePng(readFileSync(shot));
    expect(png.width).toBe(1400);
    // a blank page has 1 colour; text, plots and tables give hundreds (anti-aliasing)
    expect(distinctColours(png.rgba)).toBeGreaterThan(50);
    // the palette colour of the first router (#1f77b4) appears: the plots were drawn
    let blue = 0;
    for (let i = 0; i < png.rgba.length; i += 4) if (png.rgba[i] === 0x1f && png.rgba[i + 1] === 0x77 && png.rgba[i + 2] === 0xb4) blue++;
    expect(blue).toBeGreaterThan(20);
  });

  (haveBrowser || process.env.CI === 'true' ? it : it.skip)(
    'in Chromium: no text leaves its box or overlaps, tables fit the page, every legend series has visible marks',
    { timeout: 300_000 },
    async () => {
      const crowded = crowdedReport();
      const cdir = mkdtempSync(join(tmpdir(), 'llmr-report-crowded-'));
      const cpaths = writeReport(cdir, crowded);
      const chtml = readFileSync(cpaths.html, 'utf8');
      // every figure has its "how to read this", and the new figures are there
      const ids = plots(chtml).map((p) => p.id.split(':')[0]);
      for (const k of ['cost-quality', 'gain', 'share-quality', 'call-share', 'tasks']) expect(ids, k).toContain(k);
      expect(chtml.match(/<figcaption><b>How to read this.<\/b>/g)!.length).toBe(plots(chtml).length);
      // the flat extension AIQ integrates is drawn for routers, random and the Zero router
      const cq = plots(chtml).find((p) => p.id.startsWith('cost-quality:data/'))!;
      expect((cq.svg.match(/class="extension"/g) ?? []).length).toBeGreaterThanOrEqual(5);
      // train seconds filled, long params folded
      expect(chtml).toContain('<td>12.5</td>');
      expect(chtml).toMatch(/<details><summary>hidden=\[2\], dropout=0.1/);
      const browser = await launchChromium();
      try {
        for (const [file, width] of [
          [paths.html, 1200],
          [cpaths.html, 1200],
          [cpaths.html, 820],
        ] as const) {
          const page = await browser.newPage({ viewport: { width, height: 900 } });
          await page.goto(`file://${file}`);
          const problems = await layoutProblems(page);
          expect(problems, `${file} at ${width}px`).toEqual([]);
          await page.screenshot({ path: join(cdir, `shot-${width}.png`), fullPage: true });
          await page.close();
        }
      } finally {
        await browser.close();
      }
    },
  );
});
