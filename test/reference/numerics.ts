/**
 * Reference forward pass — numeric building blocks, written from docs/semantics.md with plain
 * loops and float64 throughout. Nothing here is shared with the ONNX or TensorFlow.js targets:
 * this is the independent oracle their logits are compared against.
 *
 * Activations are [rows, width] row-major Float64Arrays; weights are the IR's float32 tensors,
 * linear weights [in, out] (y = x·W + b).
 */

export type Weights = Map<string, Float32Array>;

/** A named weight; a missing tensor is a bug in the test, so it throws. */
export function weight(w: Weights, name: string): Float32Array {
  const t = w.get(name);
  if (!t) throw new Error(`reference: missing weight ${name}`);
  return t;
}

/** y[r] = x[r]·W + b for each of `rows` rows; W is [inDim, outDim]. */
export function linear(x: Float64Array, rows: number, inDim: number, W: Float32Array, outDim: number, b?: Float32Array): Float64Array {
  if (W.length !== inDim * outDim) throw new Error(`reference: weight size ${W.length} ≠ ${inDim}×${outDim}`);
  const y = new Float64Array(rows * outDim);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outDim; o++) {
      let acc = b ? b[o] : 0;
      for (let i = 0; i < inDim; i++) acc += x[r * inDim + i] * W[i * outDim + o];
      y[r * outDim + o] = acc;
    }
  }
  return y;
}

/** RMSNorm over each row: x / sqrt(mean(x²) + eps) ⊙ w. */
export function rmsNorm(x: Float64Array, rows: number, width: number, w: Float32Array, eps: number): Float64Array {
  const y = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let i = 0; i < width; i++) ss += x[r * width + i] ** 2;
    const inv = 1 / Math.sqrt(ss / width + eps);
    for (let i = 0; i < width; i++) y[r * width + i] = x[r * width + i] * inv * w[i];
  }
  return y;
}

/** LayerNorm over each row with population variance: (x − mean) / sqrt(var + eps) ⊙ w (+ b). */
export function layerNorm(x: Float64Array, rows: number, width: number, w: Float32Array, b: Float32Array | undefined, eps: number): Float64Array {
  const y = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let i = 0; i < width; i++) mean += x[r * width + i];
    mean /= width;
    let v = 0;
    for (let i = 0; i < width; i++) v += (x[r * width + i] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / width + eps);
    for (let i = 0; i < width; i++) y[r * width + i] = (x[r * width + i] - mean) * inv * w[i] + (b ? b[i] : 0);
  }
  return y;
}

/**
 * erf to ~1e-14: the Maclaurin series below 2.5 (cancellation costs two digits at most there),
 * the continued fraction for erfc above (modified Lentz).
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(a) = exp(−a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + …)))).
  const tiny = 1e-300;
  let f = ax;
  let C = ax;
  let D = 0;
  for (let n = 1; n < 500; n++) {
    const an = n / 2;
    D = ax + an * D;
    D = Math.abs(D) < tiny ? 1 / tiny : 1 / D;
    C = ax + an / C;
    if (Math.abs(C) < tiny) C = tiny;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return x > 0 ? 1 - erfc : erfc - 1;
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
export const silu = (x: number): number => x * sigmoid(x);
/** GELU, exact erf form. */
export const gelu = (x: number): number => 0.5 * x * (1 + erf(x / Math.SQRT2));
export const relu = (x: number): number => (x > 0 ? x : 0);

/** Numerically stable softmax of a list. */
export function softmax(v: readonly number[]): number[] {
  const m = Math.max(...v);
  const e = v.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}
