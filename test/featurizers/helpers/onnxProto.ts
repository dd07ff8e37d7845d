/**
 * A minimal protobuf writer for the parts of onnx.proto a tiny test model needs: ModelProto, GraphProto,
 * NodeProto, TensorProto, ValueInfoProto (tensor types and shapes), OperatorSetIdProto, AttributeProto (int).
 * Field numbers follow onnx/onnx.proto3.
 */
class Writer {
  private readonly chunks: number[] = [];

  varint(v: number | bigint): this {
    let x = BigInt.asUintN(64, BigInt(v));
    do {
      let byte = Number(x & 0x7fn);
      x >>= 7n;
      if (x !== 0n) byte |= 0x80;
      this.chunks.push(byte);
    } while (x !== 0n);
    return this;
  }

  private tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }

  int(field: number, v: number | bigint): this {
    return this.tag(field, 0).varint(v);
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2).varint(b.length);
    for (const x of b) this.chunks.push(x);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: Writer): this {
    return this.bytes(field, m.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

export const DataType = { FLOAT: 1, INT64: 7 } as const;

export interface TensorInit {
  name: string;
  dataType: number;
  dims: number[];
  /** Little-endian raw values. */
  raw: Uint8Array;
}

export function floatTensor(name: string, dims: number[], values: Float32Array): TensorInit {
  return { name, dataType: DataType.FLOAT, dims, raw: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}

export function int64Tensor(name: string, dims: number[], values: bigint[]): TensorInit {
  return { name, dataType: DataType.INT64, dims, raw: new Uint8Array(BigInt64Array.from(values).buffer) };
}

export interface ValueInfo {
  name: string;
  elemType: number;
  /** A number is a fixed size, a string a symbolic one ('batch', 'sequence'). */
  shape: (number | string)[];
}

export interface NodeInit {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  intAttrs?: Record<string, number>;
}

export interface GraphInit {
  name: string;
  nodes: NodeInit[];
  initializers: TensorInit[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

function tensorProto(t: TensorInit): Writer {
  const w = new Writer();
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.dataType);
  w.string(8, t.name);
  w.bytes(9, t.raw);
  return w;
}

function valueInfoProto(v: ValueInfo): Writer {
  const shape = new Writer();
  for (const d of v.shape) shape.message(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().string(2, d));
  const tensorType = new Writer().int(1, v.elemType).message(2, shape);
  const typeProto = new Writer().message(1, tensorType);
  return new Writer().string(1, v.name).message(2, typeProto);
}

function nodeProto(n: NodeInit, i: number): Writer {
  const w = new Writer();
  for (const x of n.inputs) w.string(1, x);
  for (const x of n.outputs) w.string(2, x);
  w.string(3, n.name ?? `${n.opType}_${i}`);
  w.string(4, n.opType);
  for (const [name, value] of Object.entries(n.intAttrs ?? {})) w.message(5, new Writer().string(1, name).int(3, value).int(20, 2 /* AttributeType.INT */));
  return w;
}

/** Serialise a ModelProto (IR version 7, default-domain opset `opset`). */
export function encodeModel(graph: GraphInit, opset = 13): Uint8Array {
  const g = new Writer();
  graph.nodes.forEach((n, i) => g.message(1, nodeProto(n, i)));
  g.string(2, graph.name);
  for (const t of graph.initializers) g.message(5, tensorProto(t));
  for (const v of graph.inputs) g.message(11, valueInfoProto(v));
  for (const v of graph.outputs) g.message(12, valueInfoProto(v));
  return new Writer().int(1, 7).string(2, 'llmr-test').message(7, g).message(8, new Writer().string(1, '').int(2, opset)).finish();
}
