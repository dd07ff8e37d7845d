import { bootstrap, type BootstrapInterval } from '../bootstrap.js';
import { LlmrError } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import type { TextPair } from '../../rankers/textPairs.js';

/**
 * Held-out evaluation of a response ranker against gold preferences: pairwise accuracy on the non-tie
 * pairs, with bootstrap intervals, next to the "longer response wins" and random baselines; on PandaLM also
 * the agreement with each of the 3 annotators (and, as a ceiling, each annotator's agreement with the
 * other two).
 */

/** Predicted P(a better) per pair → 1 when right, 0 when wrong, ½ when undecided (P = ½); NaN for tie labels. */
export function pairHits(prob: ArrayLike<number>, labels: ArrayLike<number>): Float64Array {
  if (prob.length !== labels.length) throw new LlmrError(`${prob.length} predictions for ${labels.length} pairs`, { field: 'predictions' });
  return Float64Array.from({ length: labels.length }, (_, i) => {
    const y = labels[i]!;
    const p = prob[i]!;
    if (y === 0.5) return Number.NaN;
    if (p === 0.5) return 0.5;
    return p > 0.5 === y > 0.5 ? 1 : 0;
  });
}

/** Mean of the finite values at `rows` (all when omitted). */
function meanFinite(v: ArrayLike<number>, rows?: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  const m = rows ? rows.length : v.length;
  for (let k = 0; k < m; k++) {
    const x = v[rows ? rows[k]! : k]!;
    if (Number.isFinite(x)) (s += x), n++;
  }
  return n ? s / n : Number.NaN;
}

/** "Longer response wins" (characters): 1, 0, or ½ on equal length. */
export function lengthBaseline(pairs: readonly TextPair[]): Float64Array {
  return Float64Array.from(pairs, (p) => (p.a.text.length > p.b.text.length ? 1 : p.a.text.length < p.b.text.length ? 0 : 0.5));
}

/** A fair coin per pair (seeded). */
export function randomBaseline(n: number, seed = 0): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => (rng.next() < 0.5 ? 1 : 0));
}

export interface Accuracy {
  accuracy: number;
  ci?: BootstrapInterval;
  /** Non-tie pairs scored. */
  n: number;
}

export interface AnnotatorAgreement {
  annotator: number;
  /** Pairs where this annotator did not say tie. */
  n: number;
  ranker: number;
  length: number;
  /** This annotator against the majority of the other two (non-tie both): a human ceiling. */
  human: number;
  humanN: number;
}

export interface RankerEval {
  dataset: string;
  split: string;
  pairs: number;
  ties: number;
  ranker: Accuracy & { name: string; kind: string; logLoss: number };
  baselines: { length: Accuracy; random: Accuracy };
  /**
   * Length bias, on the non-tie pairs whose responses differ in length: accuracy where the label says the
   * longer response wins and where it says the longer loses (a ranker that just prefers length scores ~1 and
   * ~0), and how often the ranker picks the longer one beside how often the labels do.
   */
  length?: { longerWins: Accuracy; longerLoses: Accuracy; picksLonger: number; labelsPickLonger: number; n: number };
  /** Bootstrap interval of ranker accuracy minus length-baseline accuracy on the same resamples. */
  gainOverLength?: BootstrapInterval & { mean: number };
  annotators?: AnnotatorAgreement[];
}

export interface EvaluateRankerOptions {
  bootstrap?: number;
  seed?: number;
  alpha?: number;
}

/** Mean cross-entropy of P against y (ties included as soft targets), clipped at 1e-12. */
export function logLoss(prob: ArrayLike<number>, labels: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(Math.max(prob[i]!, 1e-12), 1 - 1e-12);
    const y = labels[i]!;
    s -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
  }
  return labels.length ? s / labels.length : Number.NaN;
}

const VOTE_Y = { a: 1, b: 0, tie: 0.5 } as const;

function annotatorAgreement(pairs: readonly TextPair[], prob: ArrayLike<number>, length: ArrayLike<number>): AnnotatorAgreement[] | undefined {
  const k = pairs[0]?.votes?.length ?? 0;
  if (k < 2 || pairs.some((p) => p.votes?.length !== k)) return undefined;
  return Array.from({ length: k }, (_, a) => {
    const y = pairs.map((p) => VOTE_Y[p.votes![a]!]);
    const others = pairs.map((p) => {
      const rest = p.votes!.filter((_, j) => j !== a);
      const na = rest.filter((v) => v === 'a').length;
      const nb = rest.filter((v) => v === 'b').length;
      return na > rest.length / 2 ? 1 : nb > rest.length / 2 ? 0 : 0.5;
    });
    const hitsR = pairHits(prob, y);
    const human = pairHits(others, y);
    const humanHits = Float64Array.from(human, (h, i) => (others[i] === 0.5 ? Number.NaN : h));
    return {
      annotator: a + 1,
      n: y.filter((v) => v !== 0.5).length,
      ranker: meanFinite(hitsR),
      length: meanFinite(pairHits(length, y)),
      human: meanFinite(humanHits),
      humanN: Array.from(humanHits).filter(Number.isFinite).length,
    };
  });
}

/** Accuracy by whether the longer response won, and the "picks the longer" shares (see RankerEval.length). */
export function lengthBias(
  prob: ArrayLike<number>,
  y: ArrayLike<number>,
  longerIsA: ArrayLike<number>,
  reps: number,
  opts: EvaluateRankerOptions = {},
): RankerEval['length'] {
  const hits = pairHits(prob, y);
  const wins: number[] = [];
  const loses: number[] = [];
  let picks = 0;
  let labels = 0;
  for (let i = 0; i < y.length; i++) {
    if (longerIsA[i] === 0.5 || y[i] === 0.5) continue;
    const longerWon = y[i]! > 0.5 === longerIsA[i]! > 0.5;
    (longerWon ? wins : loses).push(hits[i]!);
    if (prob[i] !== 0.5 && prob[i]! > 0.5 === longerIsA[i]! > 0.5) picks++;
    else if (prob[i] === 0.5) picks += 0.5;
    if (longerWon) labels++;
  }
  const n = wins.length + loses.length;
  if (n === 0) return undefined;
  const acc = (h: number[], seed: number): Accuracy => {
    const mean = h.length ? h.reduce((a, b) => a + b, 0) / h.length : Number.NaN;
    const ci = reps > 0 && h.length ? bootstrap(h.length, (rows) => ({ a: meanFinite(h, rows) }), { replicates: reps, seed, alpha: opts.alpha }).a : undefined;
    return { accuracy: mean, ci, n: h.length };
  };
  return {
    longerWins: acc(wins, (opts.seed ?? 0) + 1),
    longerLoses: acc(loses, (opts.seed ?? 0) + 2),
    picksLonger: picks / n,
    labelsPickLonger: labels / n,
    n,
  };
}

/** Evaluate predicted P(a better) on gold pairs against the baselines. */
export function evaluateRanker(
  dataset: string,
  split: string,
  pairs: readonly TextPair[],
  prob: ArrayLike<number>,
  ranker: { name: string; kind: string },
  opts: EvaluateRankerOptions = {},
): RankerEval {
  const labels = Float64Array.from(pairs, (p) => p.y);
  const nonTie = pairs.map((_, i) => i).filter((i) => labels[i] !== 0.5);
  if (nonTie.length === 0) throw new LlmrError(`${dataset} ${split}: no non-tie pairs to score`, { field: 'pairs' });
  const pick = (v: ArrayLike<number>) => Float64Array.from(nonTie, (i) => v[i]!);
  const y = pick(labels);
  const len = lengthBaseline(pairs);
  const hits = { ranker: pairHits(pick(prob), y), length: pairHits(pick(len), y), random: pairHits(randomBaseline(nonTie.length, opts.seed ?? 0), y) };
  const reps = opts.bootstrap ?? 1000;
  const ci =
    reps > 0
      ? bootstrap(
          nonTie.length,
          (rows) => ({
            ranker: meanFinite(hits.ranker, rows),
            length: meanFinite(hits.length, rows),
            random: meanFinite(hits.random, rows),
            gain: meanFinite(hits.ranker, rows) - meanFinite(hits.length, rows),
          }),
          { replicates: reps, seed: opts.seed ?? 0, alpha: opts.alpha },
        )
      : undefined;
  const acc = (k: 'ranker' | 'length' | 'random'): Accuracy => ({ accuracy: meanFinite(hits[k]), ci: ci?.[k], n: nonTie.length });
  const out: RankerEval = {
    dataset,
    split,
    pairs: pairs.length,
    ties: pairs.length - nonTie.length,
    ranker: { ...acc('ranker'), ...ranker, logLoss: logLoss(prob, labels) },
    baselines: { length: acc('length'), random: acc('random') },
  };
  if (ci) out.gainOverLength = { ...ci.gain!, mean: out.ranker.accuracy - out.baselines.length.accuracy };
  out.length = lengthBias(pick(prob), y, pick(len), reps, opts);
  const ann = annotatorAgreement(pairs, prob, len);
  if (ann) out.annotators = ann;
  return out;
}
