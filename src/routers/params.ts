/** Mean of each column ignoring NaN; NaN where a column has no value. */
export function columnMeans(rows: readonly Float64Array[], nCols: number): Float64Array {
  const sum = new Float64Array(nCols);
  const cnt = new Float64Array(nCols);
  for (const r of rows)
    for (let j = 0; j < nCols; j++) {
      const v = r[j]!;
      if (!Number.isNaN(v)) {
        sum[j]! += v;
        cnt[j]! += 1;
      }
    }
  return sum.map((s, j) => (cnt[j]! > 0 ? s / cnt[j]! : Number.NaN));
}

export function f64Bytes(a: Float64Array): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

export function bytesF64(b: Uint8Array): Float64Array {
  const copy = new Uint8Array(b);
  return new Float64Array(copy.buffer, 0, copy.byteLength / 8);
}

export function f32Bytes(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

export function bytesF32(b: Uint8Array): Float32Array {
  const copy = new Uint8Array(b);
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
}
