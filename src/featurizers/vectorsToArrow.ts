import { Field, FixedSizeList, Float32, makeData, RecordBatch, Schema, Struct, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';

/**
 * Arrow IPC file with a utf8 key column and a fixed_size_list<float32>[dim] vector column, plus string
 * metadata. Used by the embedding cache segments and by `llmr featurize`.
 */
export function vectorsToArrowIPC(keyName: string, keys: readonly string[], flat: Float32Array, dim: number, metadata: Map<string, string>): Uint8Array {
  const n = keys.length;
  const listType = new FixedSizeList(dim, new Field('item', new Float32(), false));
  const vec = makeData({ type: listType, length: n, nullCount: 0, child: makeData({ type: new Float32(), length: n * dim, data: flat }) });
  const keyData = vectorFromArray([...keys], new Utf8()).data[0]!;
  const schema = new Schema([new Field(keyName, new Utf8(), false), new Field('vector', listType, false)], metadata);
  const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children: [keyData, vec] }));
  return tableToIPC(new Table(schema, [batch]), 'file');
}

export function flatten(vectors: readonly Float32Array[], dim: number): Float32Array {
  const flat = new Float32Array(vectors.length * dim);
  vectors.forEach((v, i) => flat.set(v, i * dim));
  return flat;
}
