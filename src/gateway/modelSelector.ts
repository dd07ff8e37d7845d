/**
 * What the request's `model` asks for: `router` (the loaded router, its default policy), `router:<name>`,
 * `router:<name>:<calibration>` (a calibrated setting stored in the artifact), or a concrete model id (plain proxy).
 */
export type ModelSelector = { kind: 'router'; name: string | null; calibration: string | null } | { kind: 'model'; model: string };

export function parseModelSelector(model: string): ModelSelector {
  if (model === 'router') return { kind: 'router', name: null, calibration: null };
  if (model.startsWith('router:')) {
    const rest = model.slice('router:'.length);
    const i = rest.indexOf(':');
    const name = i < 0 ? rest : rest.slice(0, i);
    const calibration = i < 0 ? null : rest.slice(i + 1);
    return { kind: 'router', name: name || null, calibration: calibration || null };
  }
  return { kind: 'model', model };
}
