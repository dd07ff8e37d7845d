import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
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
  trainingData: z.object({ digest: z.string(), rows: z.number().int(), source: z.string().optional(), /** Wall time of featurizer fit + router fit. */ seconds: z.number().nonnegative().optional() }).optional(),
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

function safeRel(p: string): string {
  if (p.startsWith('/') || p.split(/[\\/]/).includes('..') || p === 'manifest.json') throw new ArtifactError(`illegal artifact file name "${p}"`);
  return p;
}

/**
 * Write an artifact atomically: files and manifest go to a temp dir beside the target, which is then
 * renamed into place. A half-written artifact is never visible under its final name.
 */
export function writeArtifact(dir: string, manifest: Omit<Manifest, 'files' | 'formatVersion'>, files: Record<string, Uint8Array>): Manifest {
  const target = resolve(dir);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.tmp-${basename(target)}-${process.pid}-${Date.now()}`);
  mkdirSync(tmp);
  try {
    const sums: Record<string, string> = {};
    for (const [name, bytes] of Object.entries(files)) {
      const rel = safeRel(name);
      const p = join(tmp, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, bytes);
      sums[rel] = sha256Hex(bytes);
    }
    const full: Manifest = ManifestSchema.parse({ ...manifest, formatVersion: ARTIFACT_FORMAT_VERSION, files: sums });
    writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(full, null, 2) + '\n');
    if (existsSync(target)) {
      const old = `${tmp}-old`;
      renameSync(target, old);
      renameSync(tmp, target);
      rmSync(old, { recursive: true, force: true });
    } else renameSync(tmp, target);
    return full;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Read and verify an artifact: manifest schema, format version, every file's presence and sha256. */
export function readArtifact(dir: string): LoadedArtifact {
  const root = resolve(dir);
  const mpath = join(root, 'manifest.json');
  if (!existsSync(mpath)) throw new ArtifactError(`no manifest.json in ${root}`, { where: root, fix: 'point at an artifact folder (models/<name>/<version>), e.g. from `llmr models list`' });
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(mpath, 'utf8'));
  } catch (e) {
    throw new ArtifactError(`manifest.json is not valid JSON: ${(e as Error).message}`, { where: mpath, fix: 're-train or restore the artifact' });
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ArtifactError(`manifest.json field ${issue.path.join('.')}: ${issue.message}`, { where: mpath, fix: 're-train or restore the artifact' });
  }
  const manifest = parsed.data;
  if (manifest.formatVersion > ARTIFACT_FORMAT_VERSION) throw new ArtifactError(`artifact format ${manifest.formatVersion} is newer than this library reads (${ARTIFACT_FORMAT_VERSION})`, { where: mpath, fix: 'upgrade llm-router-tfjs' });
  const files: Record<string, Uint8Array> = {};
  for (const [rel, sum] of Object.entries(manifest.files)) {
    const p = join(root, safeRel(rel));
    if (!existsSync(p)) throw new ArtifactError(`artifact file ${rel} is missing`, { where: p, fix: 're-train or restore the artifact; it is incomplete' });
    const bytes = readFileSync(p);
    const got = sha256Hex(bytes);
    if (got !== sum) throw new ArtifactError(`artifact file ${rel} is corrupted: sha256 ${got.slice(0, 12)}… ≠ manifest ${sum.slice(0, 12)}…`, { where: p, fix: 're-train or restore the artifact; do not edit its files by hand' });
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
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
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
      const versions = readdirSync(c).filter((v) => !v.startsWith('.') && existsSync(join(c, v, 'manifest.json'))).sort();
      if (versions.length) return resolve(join(c, versions[versions.length - 1]!));
    }
  }
  const known = listArtifacts(root).map((a) => `${a.name}/${a.version}`);
  throw new ArtifactError(`no artifact at "${ref}"`, { fix: known.length ? `known artifacts: ${known.join(', ')}` : `train one first: llmr train router knn --data <file>` });
}
