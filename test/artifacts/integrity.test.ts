import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_DIGEST, removeStaleTemps, verifyArtifact, writeArtifact } from '../../src/artifacts/artifact.js';
import { initBackend } from '../../src/backend/backend.js';
import { ArtifactError } from '../../src/errors.js';
import { RouterPipeline } from '../../src/routers/RouterPipeline.js';
import { cliSandbox } from '../helpers/cli.js';
import { saveTinyRouter } from '../helpers/tinyArtifacts.js';

const { tmp, llmr } = cliSandbox('llmr-integrity-');
const models = join(tmp, 'models');
let dir: string;

beforeAll(async () => {
  await initBackend();
  dir = await saveTinyRouter(models, 'v1');
}, 120_000);

const meta = { artifact: 'test', kind: 'x', name: 'n', version: 'v', createdAt: 'now', candidates: [], params: {}, state: {}, metrics: {}, calibrations: {} };

describe('artifact integrity', () => {
  it('the manifest digest is written beside it; editing a price in manifest.json is refused on load and by verify', async () => {
    expect(readFileSync(join(dir, MANIFEST_DIGEST), 'utf8')).toMatch(/^[0-9a-f]{64} {2}manifest\.json\n$/);
    expect(verifyArtifact(dir)).toEqual([]);
    const mp = join(dir, 'manifest.json');
    const orig = readFileSync(mp, 'utf8');
    expect(orig).toContain('"perCall": 0.01');
    writeFileSync(mp, orig.replace('"perCall": 0.01', '"perCall": 10'));
    await expect(RouterPipeline.load(dir)).rejects.toThrow(ArtifactError);
    await expect(RouterPipeline.load(dir)).rejects.toThrow(/manifest\.json was modified/);
    expect(verifyArtifact(dir)[0]).toMatch(/manifest\.json was modified/);
    const v = await llmr('models', 'verify', 'tiny/v1');
    expect(v.code).toBe(3);
    expect(v.stdout).toMatch(/FAIL .*manifest\.json was modified/s);
    // a deliberate edit, then seal: accepted again
    const s = await llmr('models', 'seal', 'tiny/v1');
    expect(s.code).toBe(0);
    expect((await RouterPipeline.load(dir)).prices.toJSON()).toMatchObject({ strong: { perCall: 10 } });
    writeFileSync(mp, orig);
    await llmr('models', 'seal', 'tiny/v1');
  }, 120_000);

  it('a missing digest is refused with the fix', () => {
    const d = join(tmp, 'nodigest');
    writeArtifact(d, meta, { 'a.bin': new Uint8Array([1, 2, 3]) });
    writeFileSync(join(d, MANIFEST_DIGEST), '');
    expect(verifyArtifact(d)[0]).toMatch(/modified/);
  });

  it('leftover temp folders of dead writers are removed by the next write and by `llmr models gc`; a live writer’s is kept', async () => {
    const parent = join(models, 'tiny');
    const dead1 = join(parent, `.tmp-v9-99999991-${Date.now() - 1000}`);
    const dead2 = join(parent, `.tmp-v8-99999992-${Date.now() - 1000}`);
    const live = join(parent, `.tmp-v7-${process.pid}-${Date.now()}`);
    for (const d of [dead1, live]) {
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'half.bin'), Buffer.alloc(1000));
    }
    writeArtifact(join(parent, 'v2'), meta, { 'a.bin': new Uint8Array([1]) });
    expect(existsSync(dead1)).toBe(false);
    expect(existsSync(live)).toBe(true);
    mkdirSync(dead2, { recursive: true });
    writeFileSync(join(dead2, 'half.bin'), Buffer.alloc(2000));
    const gc = await llmr('models', 'gc');
    expect(gc.code).toBe(0);
    expect(gc.stdout).toMatch(/removed .*\.tmp-v8-99999992/);
    expect(gc.stdout).toMatch(/1 temporary folder removed/);
    expect(existsSync(dead2)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(removeStaleTemps(parent, 0).map((r) => r.path)).toEqual([live]);
  }, 120_000);
});
