import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep, win32 } from 'node:path';
import { z } from 'zod';
import { ArtifactError } from '../errors.js';
import { sha256Hex } from '../util/hash.js';

export const ARTIFACT_FORMAT_VERSION = 1;

/** manifest.json: everything needed to rebuild and trust an artifact. */
export const ManifestSchema = z.object({
  formatVersion: z.number().int(),
  /** 'router' | 'ranker' | ... */
  artifact: z.string(),
  /** Registry key, e.g. 'knn'. */
  kind: z.string(),
  name: z.string(),
  version: z.string(),
  createdAt: z.string(),
  featurizer: z.object({ kind: z.string(), config: z.record(z.string(), z.unknown()), files: z.array(z.string()) }).optional(),
  candidates: z.array(z.string()),
  prices: z.record(z.string(), z.unknown()).optional(),
  params: z.record(z.string(), z.unknown()),
  state: z.record(z.string(), z.unknown()),
  /** sha256 of every file next to the manifest, by relative path. */
  files: z.record(z.string(), z.string()),
  trainingData: z
    .object({
      digest: z.string(),
      rows: z.number().int(),
      source: z.string().optional(),
      /** Wall time of featurizer fit + router fit. */ seconds: z.number().nonnegative().optional(),
    })
    .optional(),
  metrics: z.record(z.string(), z.unknown()).default({}),
  calibrations: z.record(z.string(), z.unknown()).default({}),
  backend: z.string().optional(),
  library: z.object({ name: z.string(), version: z.string() }).optional(),
});
export type Manifest = z.infer<typeof ManifestSchema>;

export interface LoadedArtifact {
  dir: string;
  manifest: Manifest;
  files: Record<string, Uint8Array>;
}

/**
 * An artifact file name: relative, inside the artifact folder, not the manifest. Refuses absolute paths (POSIX
 * or Windows: `/x`, `\\x`, `C:x`), `..` segments, empty segments and NUL bytes, so neither writing nor
 * reading (a hand-edited manifest) can touch a file outside the folder.
 */
export function safeRel(p: string): string {
  const parts = p.split(/[\\/]/);
  if (
    p === '' ||
    p.includes('\0') ||
    isAbsolute(p) ||
    win32.isAbsolute(p) ||
    /^[a-zA-Z]:/.test(p) ||
    parts.some((s) => s === '' || s === '.' || s === '..') ||
    p === 'manifest.json' ||
    p === MANIFEST_DIGEST
  )
    throw new ArtifactError(`illegal artifact file name "${p}"`, {
      fix: 'artifact file names are relative paths inside the artifact folder, without "..", and not manifest.json / manifest.sha256',
    });
  return p;
}

/** File beside manifest.json holding the sha256 of manifest.json's bytes (the manifest covers every other file). */
export const MANIFEST_DIGEST = 'manifest.sha256';

/** Write a file and fsync it before returning. */
function writeFileDurable(p: string, bytes: Uint8Array | string): void {
  const fd = openSync(p, 'w');
  try {
    const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    let off = 0;
    while (off < b.length) off += writeSync(fd, b, off, b.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync a folder so that the names in it (new files, a rename) survive a crash. */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // some platforms/filesystems cannot fsync a directory; the rename is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const TMP = /^\.tmp-.+-(\d+)-(\d+)(-old)?$/;

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove leftover temporary folders (`.tmp-<name>-<pid>-<ms>`) in `parent` whose writer is gone (its pid is
 * not running) or that are older than `maxAgeMs`. A writer that was killed mid-write leaves one; the next write
 * and `llmr models gc` remove it. Returns the removed paths.
 */
export function removeStaleTemps(parent: string, maxAgeMs = 6 * 3600_000, now = Date.now()): { path: string; bytes: number }[] {
  const out: { path: string; bytes: number }[] = [];
  if (!existsSync(parent)) return out;
  for (const n of readdirSync(parent)) {
    const m = TMP.exec(n);
    if (!m) continue;
    const pid = Number(m[1]);
    const age = now - Number(m[2]);
    if (pidAlive(pid) && age < maxAgeMs) continue;
    const p = join(parent, n);
    const bytes = folderBytes(p);
    rmSync(p, { recursive: true, force: true });
    out.push({ path: p, bytes });
  }
  return out;
}

function folderBytes(p: string): number {
  try {
    const st = statSync(p);
    if (!st.isDirectory()) return st.size;
    return readdirSync(p).reduce((a, n) => a + folderBytes(join(p, n)), 0);
  } catch {
    return 0;
  }
}

/**
 * Write an artifact atomically and durably: files, manifest and the manifest's digest go to a temp dir beside
 * the target, each file fsynced, then the temp dir is fsynced, renamed into place and the parent fsynced. A
 * half-written artifact is never visible under its final name; stale temp dirs of killed writers are removed first.
 */
export function writeArtifact(dir: string, manifest: Omit<Manifest, 'files' | 'formatVersion'>, files: Record<string, Uint8Array>): Manifest {
  const target = resolve(dir);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  removeStaleTemps(parent);
  const tmp = join(parent, `.tmp-${basename(target)}-${process.pid}-${Date.now()}`);
  mkdirSync(tmp);
  try {
    const sums: Record<string, string> = {};
    const dirs = new Set<string>([tmp]);
    for (const [name, bytes] of Object.entries(files)) {
      const rel = safeRel(name);
      const p = join(tmp, rel);
      mkdirSync(dirname(p), { recursive: true });
      dirs.add(dirname(p));
      writeFileDurable(p, bytes);
      sums[rel] = sha256Hex(bytes);
    }
    const full: Manifest = ManifestSchema.parse({ ...manifest, formatVersion: ARTIFACT_FORMAT_VERSION, files: sums });
    const text = JSON.stringify(full, null, 2) + '\n';
    writeFileDurable(join(tmp, 'manifest.json'), text);
    writeFileDurable(join(tmp, MANIFEST_DIGEST), `${sha256Hex(text)}  manifest.json\n`);
    for (const d of [...dirs].sort((a, b) => b.length - a.length)) fsyncDir(d);
    if (existsSync(target)) {
      const old = `${tmp}-old`;
      renameSync(target, old);
      renameSync(tmp, target);
      fsyncDir(parent);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, target);
      fsyncDir(parent);
    }
    return full;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Check manifest.json's bytes against manifest.sha256; throws ArtifactError naming the fix. */
function checkManifestDigest(root: string, bytes: Buffer): void {
  const dp = join(root, MANIFEST_DIGEST);
  if (!existsSync(dp))
    throw new ArtifactError(`${MANIFEST_DIGEST} is missing: manifest.json is not covered by a checksum`, {
      where: dp,
      fix: 're-train the artifact, or if you trust it as it is: llmr models seal <artifact>',
    });
  const want = readFileSync(dp, 'utf8').trim().split(/\s+/)[0] ?? '';
  const got = sha256Hex(bytes);
  if (want !== got)
    throw new ArtifactError(`manifest.json was modified: sha256 ${got.slice(0, 12)}… ≠ ${MANIFEST_DIGEST} ${want.slice(0, 12)}…`, {
      where: join(root, 'manifest.json'),
      fix: 're-train or restore the artifact; do not edit manifest.json by hand (prices: retrain with --prices, or `llmr models seal` after a deliberate edit)',
    });
}

/** Record manifest.json's digest (for an artifact written before digests, or after a deliberate edit). */
export function sealArtifact(dir: string): string {
  const root = resolve(dir);
  const mpath = join(root, 'manifest.json');
  if (!existsSync(mpath)) throw new ArtifactError(`no manifest.json in ${root}`, { where: root, fix: 'point at an artifact folder (models/<name>/<version>)' });
  const digest = sha256Hex(readFileSync(mpath));
  writeFileDurable(join(root, MANIFEST_DIGEST), `${digest}  manifest.json\n`);
  fsyncDir(root);
  return digest;
}

/** Read and verify an artifact: manifest schema, format version, every file's presence and sha256. */
export function readArtifact(dir: string): LoadedArtifact {
  const root = resolve(dir);
  const mpath = join(root, 'manifest.json');
  if (!existsSync(mpath))
    throw new ArtifactError(`no manifest.json in ${root}`, {
      where: root,
      fix: 'point at an artifact folder (models/<name>/<version>), e.g. from `llmr models list`',
    });
  const mbytes = readFileSync(mpath);
  checkManifestDigest(root, mbytes);
  let raw: unknown;
  try {
    raw = JSON.parse(mbytes.toString('utf8'));
  } catch (e) {
    throw new ArtifactError(`manifest.json is not valid JSON: ${(e as Error).message}`, { where: mpath, fix: 're-train or restore the artifact' });
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ArtifactError(`manifest.json field ${issue.path.join('.')}: ${issue.message}`, { where: mpath, fix: 're-train or restore the artifact' });
  }
  const manifest = parsed.data;
  if (manifest.formatVersion > ARTIFACT_FORMAT_VERSION)
    throw new ArtifactError(`artifact format ${manifest.formatVersion} is newer than this library reads (${ARTIFACT_FORMAT_VERSION})`, {
      where: mpath,
      fix: 'upgrade llm-router-tfjs',
    });
  const files: Record<string, Uint8Array> = {};
  for (const [rel, sum] of Object.entries(manifest.files)) {
    const p = join(root, safeRel(rel));
    if (!existsSync(p)) throw new ArtifactError(`artifact file ${rel} is missing`, { where: p, fix: 're-train or restore the artifact; it is incomplete' });
    const bytes = readFileSync(p);
    const got = sha256Hex(bytes);
    if (got !== sum)
      throw new ArtifactError(`artifact file ${rel} is corrupted: sha256 ${got.slice(0, 12)}… ≠ manifest ${sum.slice(0, 12)}…`, {
        where: p,
        fix: 're-train or restore the artifact; do not edit its files by hand',
      });
    files[rel] = bytes;
  }
  return { dir: root, manifest, files };
}

/** Verify without keeping the bytes; returns a list of problems (empty = valid). */
export function verifyArtifact(dir: string): string[] {
  try {
    readArtifact(dir);
    return [];
  } catch (e) {
    return [e instanceof ArtifactError ? e.describe() : String(e)];
  }
}

export interface ArtifactListing {
  name: string;
  version: string;
  dir: string;
  kind: string;
  artifact: string;
  createdAt: string;
}

/** All artifacts under a models root, laid out as <root>/<name>/<version>/manifest.json. */
export function listArtifacts(root: string): ArtifactListing[] {
  const out: ArtifactListing[] = [];
  if (!existsSync(root)) return out;
  for (const name of readdirSync(root)) {
    const nd = join(root, name);
    if (name.startsWith('.') || !statSync(nd).isDirectory()) continue;
    for (const version of readdirSync(nd)) {
      const vd = join(nd, version);
      const mp = join(vd, 'manifest.json');
      if (version.startsWith('.') || !existsSync(mp)) continue;
      try {
        const m = JSON.parse(readFileSync(mp, 'utf8')) as Manifest;
        out.push({ name, version, dir: relative(process.cwd(), vd) || vd, kind: m.kind, artifact: m.artifact, createdAt: m.createdAt });
      } catch {
        out.push({ name, version, dir: vd, kind: '?', artifact: 'unreadable manifest', createdAt: '' });
      }
    }
  }
  return out.sort((a, b) => (a.name + sep + a.version).localeCompare(b.name + sep + b.version));
}

/** A version string that sorts by time: 20261121T201500Z. */
export function newVersion(d = new Date()): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * Resolve a user's artifact reference: a folder with manifest.json, or <root>/<name> (latest version), or
 * <root>/<name>/<version>.
 */
export function resolveArtifactDir(ref: string, root = 'models'): string {
  const candidates = [ref, join(root, ref)];
  for (const c of candidates) {
    if (existsSync(join(c, 'manifest.json'))) return resolve(c);
    if (existsSync(c) && statSync(c).isDirectory()) {
      const versions = readdirSync(c)
        .filter((v) => !v.startsWith('.') && existsSync(join(c, v, 'manifest.json')))
        .sort();
      if (versions.length) return resolve(join(c, versions[versions.length - 1]!));
    }
  }
  const known = listArtifacts(root).map((a) => `${a.name}/${a.version}`);
  throw new ArtifactError(`no artifact at "${ref}"`, {
    fix: known.length ? `known artifacts: ${known.join(', ')}` : `train one first: llmr train router knn --data <file>`,
  });
}
