/** Test helpers for the ONNX graph: encode, run in onnxruntime-node, compare. */
import * as ort from 'onnxruntime-node';
import { onnx, type ModelProto } from '../../../src/lower/onnx/graph-builder.js';

export function encode(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** Run a model on ids [batch][seq]; returns logits (float32, [batch, seq, vocab]). */
export async function runLogits(bytes: Uint8Array, ids: number[][], options: ort.InferenceSession.SessionOptions = {}): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(Buffer.from(bytes), { intraOpNumThreads: 1, interOpNumThreads: 1, ...options });
  try {
    const batch = ids.length;
    const seq = ids[0].length;
    const data = BigInt64Array.from(ids.flat().map((v) => BigInt(v)));
    const out = await session.run({ input_ids: new ort.Tensor('int64', data, [batch, seq]) });
    return out.logits.data as Float32Array;
  } finally {
    await session.release();
  }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
