import type { Policy } from '../policy/policy.js';
import type { RouterPipeline } from '../routers/RouterPipeline.js';
import type { Store, TimeRange } from '../store/Store.js';
import type { LoggedDecision } from './offPolicy.js';

/**
 * Logged decisions from the store for off-policy evaluation: route records with score / thumbs feedback on the
 * model that answered (its mean score is the reward) and a logged propensity; the target is `pipeline` under
 * `policy`, restricted to each record's candidates; its predicted qualities are the DR reward model.
 */
export async function loggedDecisionsFromStore(
  store: Store,
  pipeline: RouterPipeline,
  policy: Policy,
  range: TimeRange = {},
): Promise<{ rows: LoggedDecision[]; withoutPrompt: number; unusable: number }> {
  const out: LoggedDecision[] = [];
  let withoutPrompt = 0;
  let unusable = 0;
  const picked: { prompt: string; candidates: string[]; chosen: string; propensity: number; reward: number }[] = [];
  const known = new Set(pipeline.models);
  for (const { route, feedback } of await store.labelledRoutes(range)) {
    const answered = route.answeredModel ?? route.chosenModel;
    const scores = feedback.filter((f) => f.kind !== 'preference' && f.model === answered && f.score !== null).map((f) => f.score!);
    if (!scores.length) continue;
    if (route.prompt === null) {
      withoutPrompt++;
      continue;
    }
    const candidates = route.candidates.filter((m) => known.has(m));
    if (!candidates.includes(answered)) {
      unusable++;
      continue;
    }
    picked.push({
      prompt: route.prompt,
      candidates,
      chosen: answered,
      propensity: route.propensity ?? 1,
      reward: scores.reduce((s, x) => s + x, 0) / scores.length,
    });
  }
  for (let i = 0; i < picked.length; i += 256) {
    const chunk = picked.slice(i, i + 256);
    const ds = await pipeline.routeMany(chunk.map((p) => ({ prompt: p.prompt, candidates: p.candidates, policy })));
    ds.forEach((d, k) => {
      const p = chunk[k]!;
      out.push({
        chosen: p.chosen,
        propensity: p.propensity,
        reward: p.reward,
        target: { [d.model]: 1 },
        predicted: Object.fromEntries(Object.entries(d.scores).map(([m, s]) => [m, s.quality])),
      });
    });
  }
  return { rows: out, withoutPrompt, unusable };
}
