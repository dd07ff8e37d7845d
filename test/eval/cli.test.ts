import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliSandbox } from '../helpers/cli.js';
import { syntheticRecords } from '../helpers/tinyRouter.js';

const { tmp, llmr } = cliSandbox('llmr-evalcli-');

describe('llmr eval router / llmr calibrate', () => {
  const all = syntheticRecords(160);
  const train = join(tmp, 'train.jsonl');
  const test = join(tmp, 'test.jsonl');
  writeFileSync(
    train,
    all
      .slice(0, 100)
      .map((r) => JSON.stringify(r))
      .join('\n') + '\n',
  );
  writeFileSync(
    test,
    all
      .slice(100)
      .map((r) => JSON.stringify({ ...r, id: `t${r.id}` }))
      .join('\n') + '\n',
  );

  it('evaluates two artifacts side by side and writes the HTML/Markdown/JSON report', async () => {
    for (const [name, k] of [
      ['knn5', 5],
      ['knn25', 25],
    ] as const) {
      const t = await llmr('train', 'router', 'knn', '--data', train, '--params', JSON.stringify({ k }), '--featurizer-config', '{"dim":512}', '--name', name);
      expect(t.code, t.stderr).toBe(0);
    }
    const out = join(tmp, 'report');
    const r = await llmr('eval', 'router', 'knn5', 'knn25', '--data', test, '--bootstrap', '20', '--report', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^knn5@\S+\s+\d\.\d{3}/m);
    expect(r.stdout).toMatch(/^knn25@\S+\s+\d\.\d{3}/m);
    expect(r.stdout).toMatch(/^Zero router\s+/m);
    expect(r.stdout).toMatch(/APGR/); // a 2-model table is a strong/weak pair
    for (const f of ['report.html', 'report.md', 'report.json']) expect(existsSync(join(out, f))).toBe(true);
    const j = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      datasets: { routers: { name: string; digest: string }[]; pair: { strong: string } }[];
    };
    expect(j.datasets[0]!.routers.map((x) => x.digest)).toHaveLength(2);
    expect(j.datasets[0]!.pair.strong).toBe('strong');
    // compared with a reference (named as on the command line): a paired difference column, 'reference' on its row
    const c = await llmr('eval', 'router', 'knn5', 'knn25', '--data', test, '--bootstrap', '20', '--reference', 'knn5');
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/APGR − knn5@\S+ \[paired 95% CI\]/);
    expect(c.stdout).toMatch(/^knn5@\S+\s.*reference$/m);
    expect(c.stdout).toMatch(/^knn25@\S+\s.*[+-]\d\.\d{3} \[[+-]\d\.\d{3}, [+-]\d\.\d{3}\]$/m);
    const bad = await llmr('eval', 'router', 'knn5', 'knn25', '--data', test, '--bootstrap', '0', '--reference', 'mlp');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/reference router "mlp" is not among the evaluated routers/);
    // eval shared checks it before loading any data
    const shared = await llmr('eval', 'shared', '--routers', 'knn,elo', '--reference', 'mlp', '--shared', join(tmp, 'no-such-dir'));
    expect(shared.code).not.toBe(0);
    expect(shared.stderr).toMatch(/--reference mlp is not among the routers trained \(knn, elo\)/);
    expect(shared.stderr).toMatch(/use one of: knn, elo, or none/);
  });

  it('--prices is what the routers decide with; equal prices warn and still show the router reaching the best model', async () => {
    const bare = join(tmp, 'test-bare.jsonl');
    writeFileSync(
      bare,
      all
        .slice(100)
        .map(({ cost: _c, ...r }) => JSON.stringify({ ...r, id: `b${r.id}` }))
        .join('\n') + '\n',
    );
    // the weak model made dearer than the strong one: at willingness to pay 0 every router must call the strong one
    const swapped = join(tmp, 'swapped-prices.json');
    writeFileSync(swapped, JSON.stringify({ strong: { perCall: 0.0005 }, weak: { perCall: 0.01 } }));
    const out = join(tmp, 'report-swapped');
    const r = await llmr('eval', 'router', 'knn5', '--data', bare, '--prices', swapped, '--bootstrap', '0', '--report', out);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      datasets: { routers: { points: { knob: number; share: Record<string, number> }[] }[] }[];
    };
    const p0 = j.datasets[0]!.routers[0]!.points[0]!;
    expect(p0.knob).toBe(0);
    expect(p0.share.strong).toBe(1);
    // equal prices: the grid does not collapse to [0], AIQ is the quality reached, and the CLI says why
    const flat = join(tmp, 'flat-prices.json');
    writeFileSync(flat, JSON.stringify({ strong: { perCall: 0.001 }, weak: { perCall: 0.001 } }));
    const e = await llmr('eval', 'router', 'knn5', '--data', bare, '--prices', flat, '--bootstrap', '0');
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/warning: every model costs the same/);
    const aiq = Number(/^knn5@\S+\s+(\d\.\d{3})/m.exec(e.stdout)![1]);
    expect(aiq).toBeGreaterThan(0.5);
  });

  it('calibrates a share goal, reports calibrated vs achieved, stores it, and /route uses it by name', async () => {
    const c = await llmr('calibrate', 'knn5', '--data', test, '--goal', 'share=0.4', '--name', 'forty');
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/knob: threshold/);
    expect(c.stdout).toMatch(/calibrated \(\d+ rows\): .*strong \d+\.\d%/);
    expect(c.stdout).toMatch(/achieved {3}\(\d+ rows\): /);
    const r = await llmr('route', 'solve the equation 3 x + 3 = 7', '--router', 'knn5', '--policy', '{"kind":"calibrated","name":"forty"}', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { policy: { kind: string } }).policy.kind).toBe('threshold');
    // the --calibrated shortcut is the same policy
    const short = await llmr('route', 'solve the equation 3 x + 3 = 7', '--router', 'knn5', '--calibrated', 'forty', '--json');
    expect(short.code, short.stderr).toBe(0);
    expect(JSON.parse(short.stdout)).toEqual(JSON.parse(r.stdout));
    const bad = await llmr('route', 'x', '--router', 'knn5', '--policy', '{"kind":"calibrated","name":"missing"}');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no calibration named "missing" in this router; stored: forty/);
  });

  it('a bad goal is an error naming the flag', async () => {
    const r = await llmr('calibrate', 'knn5', '--data', test, '--goal', 'cheap');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--goal must be share=…, budget=… or quality=…/);
  });
});
