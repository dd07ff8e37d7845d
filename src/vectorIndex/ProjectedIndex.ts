import { LlmrError } from '../errors.js';
import { Projection } from './Projection.js';
import type { IndexDescriptor, SearchHit, VectorIndex } from './VectorIndex.js';

/**
 * An index over projected vectors (PCA or random projection, fitted and stored with it): queries are projected
 * the same way, so the inner index sees `outDim` dimensions. Similarities are those of the projected space.
 * One file: [u32 projection bytes][projection][inner index bytes].
 */
export class ProjectedIndex implements VectorIndex {
  readonly kind = 'projected';
  constructor(
    readonly projection: Projection,
    readonly inner: VectorIndex,
  ) {}
  get dim(): number {
    return this.projection.inDim;
  }
  get size(): number {
    return this.inner.size;
  }
  get ef(): number | undefined {
    return this.inner.ef;
  }
  get bytes(): number | undefined {
    const b = this.inner.bytes;
    return b === undefined ? undefined : b + this.projection.matrix.byteLength + 16;
  }
  search(q: Float32Array, k: number): SearchHit[] {
    return this.inner.search(this.projection.apply(q), k);
  }
  searchMany(queries: readonly Float32Array[], k: number): SearchHit[][] {
    return this.inner.searchMany(
      queries.map((q) => this.projection.apply(q)),
      k,
    );
  }
  serialize(): Uint8Array {
    const p = this.projection.serialize();
    const inner = this.inner.serialize();
    const out = new Uint8Array(4 + p.byteLength + inner.byteLength);
    new DataView(out.buffer).setUint32(0, p.byteLength, true);
    out.set(p, 4);
    out.set(inner, 4 + p.byteLength);
    return out;
  }
  descriptor(): IndexDescriptor {
    return {
      kind: 'projected',
      dim: this.dim,
      rows: this.size,
      method: this.projection.method,
      outDim: this.projection.outDim,
      inner: this.inner.descriptor(),
    };
  }
  /** Split a serialised projected index into its projection and the inner index's bytes. */
  static split(bytes: Uint8Array): { projection: Projection; inner: Uint8Array } {
    if (bytes.byteLength < 4) throw new LlmrError('projected index file is too short', { field: 'index', fix: 're-train or re-save the artifact' });
    const pl = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
    if (4 + pl > bytes.byteLength) throw new LlmrError('projected index file is truncated', { field: 'index', fix: 're-train or re-save the artifact' });
    return { projection: Projection.deserialize(bytes.subarray(4, 4 + pl)), inner: bytes.subarray(4 + pl) };
  }
}
