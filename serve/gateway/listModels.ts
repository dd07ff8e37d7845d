import type { Gateway } from './Gateway.js';

/** GET /v1/models: the router ids (plain, named, each stored calibration) and every configured model. */
export function listModels(gw: Gateway): { object: 'list'; data: { id: string; object: 'model'; created: number; owned_by: string }[] } {
  const created = Math.floor(gw.clock() / 1000);
  const data: { id: string; object: 'model'; created: number; owned_by: string }[] = [];
  const r = gw.opts.getRouter();
  if (r) {
    data.push({ id: 'router', object: 'model', created, owned_by: 'llmr' }, { id: `router:${r.meta.name}`, object: 'model', created, owned_by: 'llmr' });
    for (const cal of Object.keys(r.meta.calibrations ?? {})) data.push({ id: `router:${r.meta.name}:${cal}`, object: 'model', created, owned_by: 'llmr' });
  }
  for (const [m, e] of Object.entries(gw.config.models)) data.push({ id: m, object: 'model', created, owned_by: e.upstream });
  return { object: 'list', data };
}
