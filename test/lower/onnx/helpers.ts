/** Test helpers for the ONNX graph: encode, run in onnxruntime-node, compare. */
import * as ort from 'onnxruntime-node';
import { onnx, type ModelProto } from '../../../src/lower/onnx/graph-builder.js';
import { cacheLayout, fullSequenceFeeds } from '../../../src/run/cache-layout.js';

export function encode(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** Feeds for whole sequences (empty past, no padding) whichever interface the session has. */
export function sequenceFeeds(session: ort.InferenceSession, ids: number[][]): Record<string, ort.Tensor> {
  const layout = cacheLayout(session);
  if (typeof layout === 'string') throw new Error(layout);
  return fullSequenceFeeds(layout, ids);
}

/** Run a model on ids [batch][seq] (whole sequences); returns logits (float32, [batch, seq, vocab]). */
export async function runLogits(bytes: Uint8Array, ids: number[][], options: ort.InferenceSession.SessionOptions = {}): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(Buffer.from(bytes), { intraOpNumThreads: 1, interOpNumThreads: 1, ...options });
  try {
    const out = await session.run(sequenceFeeds(session, ids));
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
