import { cpSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/backend.js';
import { loadLoop, type Outcome, postTimed, spawnServe } from '../helpers/serverProcess.js';
import { saveTinyRouter } from '../helpers/tinyArtifacts.js';

const ADMIN = 'admin-key-eeeeeeeeeeeeeeeeeeee';
const USER = 'user-key-ffffffffffffffffffff';
let root: string;
let staging: string;
let models: string;
const env = () => ({ LLMR_MODELS_DIR: models, LLMR_API_KEYS: USER, LLMR_ADMIN_API_KEYS: ADMIN, LLMR_RATE_LIMIT: '100000' });
const ROUTE = JSON.stringify({ prompt: 'solve the equation and compute the integral' });
const H = { authorization: `Bearer ${USER}` };

/** Publish a staged version the way writeArtifact does: copy to a temp name, rename into place. */
function publish(version: string, tamper = false): void {
  const tmp = join(models, 'tiny', `.tmp-${version}-${process.pid}-${Date.now()}`);
  cpSync(join(staging, 'tiny', version), tmp, { recursive: true });
  if (tamper) {
    const mp = join(tmp, 'manifest.json');
    writeFileSync(mp, readFileSync(mp, 'utf8').replace('"perCall": 0.01', '"perCall": 200'));
  }
  renameSync(tmp, join(models, 'tiny', version));
}

const admin = async (url: string, path: string, body: unknown = {}) => {
  const r = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};
const health = async (url: string) => ((await (await fetch(url + '/healthz')).json()) as { version: string }).version;

beforeAll(async () => {
  await initBackend();
  root = mkdtempSync(join(tmpdir(), 'llmr-life-'));
  staging = join(root, 'staging');
  models = join(root, 'models');
  for (const v of ['v1', 'v2', 'v3', 'v4']) await saveTinyRouter(staging, v);
  cpSync(join(staging, 'tiny', 'v1'), join(models, 'tiny', 'v1'), { recursive: true });
}, 180_000);

const failed = (os: Outcome[]) => os.filter((o) => o.status !== 200);

describe('lifecycle (child process)', () => {
  it('reload, refused version, rollback and SIGHUP under load: 0 failed requests; every response names its version; then SIGTERM drains keep-alive clients', async () => {
    const s = await spawnServe(['--router', 'tiny', '--drain-timeout', '8000'], env());
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    let stop = false;
    const load = loadLoop(
      8,
      () => postTimed(s.url, '/route', ROUTE, { agent, headers: H }),
      () => stop,
    );
    const steps: Record<string, unknown>[] = [];
    await new Promise((r) => setTimeout(r, 400));
    publish('v2');
    const re = await admin(s.url, '/admin/reload');
    steps.push(re.body);
    expect(re.status).toBe(200);
    expect(re.body).toMatchObject({ changed: true, version: 'tiny/v2', previous: 'tiny/v1' });
    await new Promise((r) => setTimeout(r, 300));
    publish('v3', true); // manifest edited after sealing: must be refused
    const bad = await admin(s.url, '/admin/reload');
    expect(bad.status).toBe(422);
    expect(String(bad.body.message)).toMatch(/refused, still serving tiny\/v2: manifest\.json was modified/);
    expect(await health(s.url)).toBe('tiny/v2');
    const rb = await admin(s.url, '/admin/rollback');
    expect(rb.status).toBe(200);
    expect(rb.body).toMatchObject({ version: 'tiny/v1' });
    await new Promise((r) => setTimeout(r, 300));
    publish('v4');
    s.proc.kill('SIGHUP');
    for (let i = 0; i < 100 && (await health(s.url)) !== 'tiny/v4'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await health(s.url)).toBe('tiny/v4');
    expect(s.proc.exitCode).toBeNull();
    await new Promise((r) => setTimeout(r, 300));
    // SIGTERM while the keep-alive clients keep sending
    const sigAt = Date.now();
    s.proc.kill('SIGTERM');
    const exit = await s.exited;
    stop = true;
    const outcomes = await load;
    agent.destroy();
    const before = outcomes.filter((o) => o.sentAt !== null && o.sentAt < sigAt);
    expect(before.length).toBeGreaterThan(50);
    console.log(
      `[reload+drain keep-alive] ${before.length} requests before SIGTERM, ${failed(before).length} failed; versions ${[...new Set(before.map((o) => o.version))].join(', ')}; exit ${exit.code} in ${exit.at - sigAt} ms`,
    );
    expect(failed(before)).toEqual([]);
    for (const o of before) expect(`tiny/${o.bodyVersion}`).toBe(o.version);
    expect(new Set(before.map((o) => o.version))).toEqual(new Set(['tiny/v1', 'tiny/v2', 'tiny/v4']));
    expect(exit.code).toBe(0);
    expect(exit.at - sigAt).toBeLessThan(8000);
    expect(s.stderr()).toMatch(/SIGHUP: now serving tiny\/v4/);
    expect(s.stderr()).toMatch(/drained: every request answered/);
  }, 180_000);

  it('SIGTERM drains Connection: close clients: every request sent before the signal is answered, exit 0', async () => {
    const s = await spawnServe(['--router', 'tiny', '--drain-timeout', '8000'], env());
    let stop = false;
    const batch = JSON.stringify({ requests: Array.from({ length: 16 }, (_, i) => ({ prompt: `poem ${i} about the sea` })) });
    const load = loadLoop(
      12,
      () => postTimed(s.url, Math.random() < 0.3 ? '/route/batch' : '/route', Math.random() < 0.3 ? batch : ROUTE, { headers: { ...H, connection: 'close' } }),
      () => stop,
    );
    await new Promise((r) => setTimeout(r, 2500));
    const sigAt = Date.now();
    s.proc.kill('SIGTERM');
    const exit = await s.exited;
    stop = true;
    const outcomes = await load;
    const before = outcomes.filter((o) => o.sentAt !== null && o.sentAt < sigAt);
    expect(before.length).toBeGreaterThan(10);
    console.log(
      `[drain close] ${before.length} requests sent before SIGTERM, ${outcomes.length - before.length} after; exit ${exit.code} in ${exit.at - sigAt} ms`,
    );
    // Bodies posted to /route/batch with a /route body (and vice versa) are 400s by design; only transport failures count.
    expect(before.filter((o) => o.status === 0 || o.status >= 500).map((o) => ({ ...o, beforeSignalMs: sigAt - o.sentAt! }))).toEqual([]);
    expect(exit.code).toBe(0);
    expect(exit.at - sigAt).toBeLessThan(8000);
  }, 180_000);
});
