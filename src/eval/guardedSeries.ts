import type { GuardState } from '../routers/zeroGuard.js';
import { guardedChoices } from '../routers/zeroGuard.js';
import type { EvalTable } from './evalTable.js';
import type { RouterPredictions, SeriesInput } from './evaluate.js';
import { chosenOutcomes, routeRows, wtpGrid } from './sweep.js';

/**
 * A guarded router (src/routers/zeroGuard.ts) as a series beside its raw self: swept over the same
 * willingness-to-pay grid evaluateRouters gives the raw router (fitted to its expected costs), each point
 * routed as the pipeline would route it with the guard on. Its hull, AIQ, intervals and paired differences
 * follow the routers' rules, so "guarded" and "raw" read side by side.
 */
export function guardedSeries(t: EvalTable, preds: RouterPredictions, guard: GuardState, wtpPoints = 64): SeriesInput {
  let qmin = Infinity;
  let qmax = -Infinity;
  for (const q of t.quality) for (const v of q) (qmin = Math.min(qmin, v)), (qmax = Math.max(qmax, v));
  const grid = wtpGrid(preds.expectedCost, qmax - qmin, wtpPoints);
  const choices = guardedChoices(guard, t.models, grid, (wtp) => routeRows(t.models, preds.pred, preds.expectedCost, { kind: 'willingness-to-pay', wtp }));
  const zeroPoints = grid.filter((_, k) => choices[k]!.every((c) => c === choices[k]![0]) && t.ids.length > 1).length;
  return {
    name: `${preds.name} (guarded)`,
    kind: 'guarded',
    digest: preds.digest,
    description: `${preds.name} with its Zero-router guard (${guard.folds}-fold cross-validation on ${guard.rows} training rows, z = ${guard.z}): routes as the best single model at ${zeroPoints} of ${grid.length} willingness-to-pay values`,
    knobs: grid,
    knobLabel: 'willingness to pay',
    outcomes: choices.map((c) => chosenOutcomes(t, c)),
  };
}
