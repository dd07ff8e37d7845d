import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readArtifact, safeRel, writeArtifact, sealArtifact } from '../../src/artifacts/artifact.js';
import { ArtifactError } from '../../src/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'llmr-artifact-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const manifest = {
  artifact: 'router',
  kind: 'knn',
  name: 't',
  version: 'v1',
  createdAt: '2026-01-01T00:00:00Z',
  candidates: [],
  params: {},
  state: {},
  metrics: {},
  calibrations: {},
  library: { name: 'llm-router-tfjs', version: '0' },
};
const HOSTILE = ['../outside', 'a/../../outside', '/etc/passwd', '\\\\server\\share', 'C:\\Windows\\x', 'C:x', 'router//x', './x', 'manifest.json', '', 'a\0b'];

describe('artifact file names cannot leave the artifact folder', () => {
  it('safeRel accepts nested relative names and refuses every hostile one', () => {
    expect(safeRel('router/weights.f32')).toBe('router/weights.f32');
    for (const p of HOSTILE) expect(() => safeRel(p), p).toThrow(ArtifactError);
  });

  it('writeArtifact refuses a hostile file name and leaves nothing behind', () => {
    for (const p of ['../escaped.bin', 'a/../../escaped.bin', join(tmp, 'abs.bin')]) {
      const dir = join(tmp, 'w', 'v1');
      expect(() => writeArtifact(dir, manifest as never, { [p]: new Uint8Array([1]) })).toThrow(ArtifactError);
      expect(existsSync(dir)).toBe(false);
      expect(existsSync(join(tmp, 'escaped.bin'))).toBe(false);
      expect(existsSync(join(tmp, 'abs.bin'))).toBe(false);
    }
  });

  it('readArtifact refuses a hand-edited manifest that points outside the folder (the outside file is not read)', () => {
    const dir = join(tmp, 'r', 'v1');
    writeArtifact(dir, manifest as never, { 'router/x.bin': new Uint8Array([1, 2, 3]) });
    writeFileSync(join(tmp, 'r', 'secret.txt'), 'secret');
    expect(Array.from(readArtifact(dir).files['router/x.bin'] ?? [])).toEqual([1, 2, 3]);
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { files: Record<string, string> };
    for (const p of ['../secret.txt', join(tmp, 'r', 'secret.txt')]) {
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m, files: { [p]: '0'.repeat(64) } }));
      expect(() => readArtifact(dir)).toThrow(/manifest\.json was modified/); // the manifest digest catches the edit first
      sealArtifact(dir); // even with a matching digest, the name is refused
      expect(() => readArtifact(dir)).toThrow(/illegal artifact file name/);
    }
  });
});
