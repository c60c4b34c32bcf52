/**
 * ONNX lowering — what attention reads besides its input: rotary positions, the additive mask
 * and the KV cache (docs/onnx-graph.md §KV cache). The attention emitters only call `mask`,
 * `kv` and `rope`; everything about the cache lives here and in decoder-interface.ts.
 *
 * Cached form: positions come from `position_ids`; each layer's new keys and values (after
 * RoPE) are appended to `past_key_values.{i}.*` along the sequence axis and the result is both
 * what the layer attends over and the graph output `present.{i}.*`. With P = past length (from
 * the first layer's past key) and S new tokens, query i sits at absolute index P + i; it may
 * read key j when j ≤ P + i, attention_mask[b, j] = 1 and, for a window w, P + i − j < w.
 * Indices, not position ids, decide order and windows — for left-padded rows the two differ by
 * the same offset on both sides (HF masks the same way, by cache position).
 * Full-sequence form: positions 0 … S−1 for every row, no padding, no past.
 *
 * Masked scores get float32's lowest value rather than −inf (HF: `torch.finfo(dtype).min`): a
 * padding query has no allowed key, and −inf would give NaN there, which a later step reads back
 * from the cache as NaN · 0 = NaN.
 */
import type { ModelIR } from '../../ir/types.js';
import { ATTENTION_MASK, INPUT_IDS, pastName, POSITION_IDS, presentName } from './decoder-interface.js';
import { DT } from './graph-builder.js';
import type { EmitContext } from './linear.js';
import type { RopeCache } from './rope.js';

export const MASKED = -3.4028234663852886e38;

/** One layer's view: its mask, its cache, the shared rope tables. */
export interface AttentionEnv {
  rope: RopeCache;
  /** Additive mask [batch | 1, 1, seq, total] for a window size (undefined = full causal). */
  mask: (window?: number) => string;
  /** Keys [b, h, seq, dk] and values [b, h, seq, dv] of this call → those of every position so far. */
  kv: (k: string, v: string) => { k: string; v: string };
}

export interface DecoderEnv {
  forLayer: (index: number) => AttentionEnv;
}

/** Scalar int64 `Shape(x)[axis]`. */
function dim(ctx: EmitContext, x: string, axis: number): string {
  return ctx.b.squeeze(ctx.b.shape(x, axis, axis + 1), [0]);
}

export function createDecoderEnv(ctx: EmitContext, cache: boolean): DecoderEnv {
  const b = ctx.b;
  const first = ctx.ir.layers[0]?.index ?? 0;
  const { seq, past, total, positions, padding } = b.scope('positions', () => {
    const seq = dim(ctx, INPUT_IDS, 1);
    if (!cache) {
      const range = b.op('Range', [b.i64([0], []), seq, b.i64([1], [])]);
      return { seq, past: b.i64([0], []), total: seq, positions: b.unsqueeze(b.cast(range, DT.FLOAT), [0]), padding: undefined };
    }
    const past = dim(ctx, pastName(first, 'key'), 2);
    // [b, 1, 1, total]: true where the key is a real token.
    const padding = b.unsqueeze(b.cast(ATTENTION_MASK, DT.BOOL), [1, 2]);
    return { seq, past, total: b.add(past, seq), positions: b.cast(POSITION_IDS, DT.FLOAT), padding };
  });
  const rope: RopeCache = { positions, tables: new Map() };
  const masks = new Map<number, string>();
  const mask = (window?: number): string => {
    const key = window ?? 0;
    if (!masks.has(key)) masks.set(key, b.scope(window ? `mask_w${window}` : 'mask', () => additiveMask(ctx, { seq, past, total, padding }, window)));
    return masks.get(key)!;
  };
  return {
    forLayer: (index) => ({
      rope,
      mask,
      kv: (k, v) => {
        if (!cache) return { k, v };
        return b.scope(`layers.${index}.kv_cache`, () => ({
          k: b.op('Concat', [pastName(index, 'key'), k], { axis: 2 }, { names: [presentName(index, 'key')] }),
          v: b.op('Concat', [pastName(index, 'value'), v], { axis: 2 }, { names: [presentName(index, 'value')] }),
        }));
      },
    }),
  };
}

function additiveMask(ctx: EmitContext, d: { seq: string; past: string; total: string; padding?: string }, window?: number): string {
  const b = ctx.b;
  const one = b.i64([1], []);
  const query = b.op('Range', [d.past, d.total, one]); // absolute index of each new token
  const key = b.op('Range', [b.i64([0], []), d.total, one]);
  const diff = b.sub(b.unsqueeze(query, [1]), b.unsqueeze(key, [0])); // [seq, total]: query − key
  let allowed = b.op('GreaterOrEqual', [diff, b.i64([0], [])]);
  if (window) allowed = b.op('And', [allowed, b.op('Less', [diff, b.i64([window], [])])]);
  allowed = b.unsqueeze(allowed, [0, 1]); // [1, 1, seq, total]
  if (d.padding) allowed = b.op('And', [allowed, d.padding]); // [b, 1, seq, total]
  return b.op('Where', [allowed, b.f32([0]), b.f32([MASKED])]);
}
