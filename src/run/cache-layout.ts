/**
 * Run phase — a loaded decoder's KV-cache interface, read from onnxruntime's input metadata
 * (the names and shapes of src/lower/onnx/decoder-interface.ts), and the feeds built from it:
 * the empty past of a prefill, the past of the next step taken from the presents, and
 * full-sequence feeds (no padding, empty past) for scoring and for re-running whole sequences.
 * A model without `past_key_values.*` inputs (the full-sequence form, or an older moec model)
 * has no layout; its feeds are `input_ids` alone.
 */
import * as ort from 'onnxruntime-node';

export interface CacheEntry {
  /** `past_key_values.{i}.key` … */
  past: string;
  /** … and the output it is next fed from: `present.{i}.key`. */
  present: string;
  /** Fixed dims [heads, width] of [batch, heads, past, width]. */
  heads: number;
  width: number;
}

export interface CacheLayout {
  entries: CacheEntry[];
}

type Meta = { name: string; isTensor: boolean; type?: string; shape?: readonly (number | string)[] };

/** The layout, undefined for a model without cache inputs, or the reason the interface is unusable. */
export function cacheLayout(session: ort.InferenceSession): CacheLayout | undefined | string {
  const inputs = session.inputMetadata as readonly Meta[];
  const outputs = new Set(session.outputNames);
  const pasts = inputs.filter((m) => m.name.startsWith('past_key_values.'));
  if (pasts.length === 0) return undefined;
  for (const name of ['attention_mask', 'position_ids']) {
    if (!inputs.some((m) => m.name === name)) return `it has past_key_values inputs but no ${name} input`;
  }
  const entries: CacheEntry[] = [];
  for (const m of pasts) {
    const present = m.name.replace(/^past_key_values\./, 'present.');
    const shape = m.shape ?? [];
    const [, heads, , width] = shape;
    if (!outputs.has(present)) return `input ${m.name} has no matching output ${present}`;
    if (m.type !== 'float32') return `${m.name} is ${m.type}, not float32`;
    if (shape.length !== 4 || typeof heads !== 'number' || typeof width !== 'number') {
      return `${m.name} has shape [${shape.join(', ')}], not [batch, heads, past, width] with fixed heads and width`;
    }
    entries.push({ past: m.name, present, heads, width });
  }
  return { entries };
}

/** An int64 tensor from numbers. */
export const int64Tensor = (values: ArrayLike<number>, dims: number[]): ort.Tensor =>
  new ort.Tensor('int64', BigInt64Array.from(Array.from(values), (v) => BigInt(v)), dims);

/** Zero-length past for `batch` rows (the prefill). */
export function emptyPast(layout: CacheLayout, batch: number): Record<string, ort.Tensor> {
  return Object.fromEntries(layout.entries.map((e) => [e.past, new ort.Tensor('float32', new Float32Array(0), [batch, e.heads, 0, e.width])]));
}

/** The next step's past: this step's presents. */
export function pastFromPresent(layout: CacheLayout, outputs: ort.InferenceSession.OnnxValueMapType): Record<string, ort.Tensor> {
  return Object.fromEntries(layout.entries.map((e) => [e.past, outputs[e.present] as ort.Tensor]));
}

/** Feeds for whole, unpadded sequences of equal length: positions 0 … S−1, all-ones mask, empty past. */
export function fullSequenceFeeds(layout: CacheLayout | undefined, ids: readonly (readonly number[])[]): Record<string, ort.Tensor> {
  const batch = ids.length;
  const seq = ids[0]?.length ?? 0;
  const feeds: Record<string, ort.Tensor> = { input_ids: int64Tensor(ids.flat(), [batch, seq]) };
  if (!layout) return feeds;
  feeds.attention_mask = int64Tensor(new Array(batch * seq).fill(1), [batch, seq]);
  feeds.position_ids = int64Tensor(Array.from({ length: batch * seq }, (_, i) => i % seq), [batch, seq]);
  return { ...feeds, ...emptyPast(layout, batch) };
}

