import { UnknownOptionError } from '../errors.js';
import type { Spec } from './Estimator.js';

/**
 * A table of estimator kinds, typed so that its kinds are a union (`Registry<'knn' | 'mlp', RouterSpec>`).
 * Lookups use Object.hasOwn (so "toString" is not a kind); an unknown kind is an UnknownOptionError listing the
 * valid ones. No state beyond the table.
 *
 * @example
 * ```ts
 * import { routers } from 'llm-router-tfjs';
 * routers.kinds;                                  // ['knn', 'mlp', 'mf', 'contrastive', 'elo']
 * const knn = routers.create('knn', { k: 20 });   // a KnnRouter, params validated
 * routers.spec('nope');                           // throws: unknown router kind "nope"; valid: knn, mlp, …
 * ```
 */
export class Registry<K extends string, S extends Spec<unknown>> {
  /** The kinds, in table order. */
  readonly kinds: readonly K[];

  constructor(
    /** What a kind is, for errors: "router" → 'unknown router kind "x"'. */
    readonly what: string,
    readonly table: Readonly<Record<K, S>>,
  ) {
    this.kinds = Object.keys(table) as K[];
  }

  has(kind: string): kind is K {
    return Object.hasOwn(this.table, kind);
  }

  /** The spec of `kind`; throws UnknownOptionError (field = `what`) with the valid kinds. */
  spec(kind: string): S {
    if (!this.has(kind)) throw new UnknownOptionError(`${this.what} kind`, kind, this.kinds, this.what);
    return this.table[kind];
  }

  /** [kind, spec] pairs, in table order. */
  entries(): [K, S][] {
    return this.kinds.map((k) => [k, this.table[k]]);
  }

  create(kind: string, params: Record<string, unknown> = {}): ReturnType<S['create']> {
    return this.spec(kind).create(params) as ReturnType<S['create']>;
  }

  load(kind: string, params: Record<string, unknown>, state: Parameters<S['load']>[1], models: readonly string[] = []): ReturnType<S['load']> {
    return this.spec(kind).load(params, state, models) as ReturnType<S['load']>;
  }
}
