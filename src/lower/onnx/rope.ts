/**
 * ONNX lowering — rotary position embeddings, rotate-half convention (GPT-NeoX / HF Llama;
 * docs/semantics.md §Attention). The cos/sin tables [batch, 1, seq, dim/2] are computed in-graph
 * from the positions (position_ids, so each row of a left-padded batch has its own) and shared by
 * every layer with the same rope settings; the 1 broadcasts over heads.
 * `scaling linear` divides positions by `factor` (HF "linear" scaling); YaRN is not lowered
 * (emit-model reports a warning) and runs as unscaled RoPE.
 */
import type { RopeIR } from '../../ir/types.js';
import type { EmitContext } from './linear.js';

export interface RopeTables {
  cos: string;
  sin: string;
  dim: number;
}

/** Per-model cache: positions (float [batch | 1, seq]) and tables by rope settings. */
export interface RopeCache {
  positions: string;
  tables: Map<string, RopeTables>;
}

export function ropeTables(ctx: EmitContext, cache: RopeCache, rope: RopeIR): RopeTables {
  const key = `${rope.theta}|${rope.dim}|${rope.scaling}|${rope.factor}`;
  const found = cache.tables.get(key);
  if (found) return found;
  const b = ctx.b;
  const tables = b.scope('rope', () => {
    const half = rope.dim / 2;
    // inv_freq[i] = theta^(−2i/dim), computed in double then stored as float32.
    const invFreq = Float32Array.from({ length: half }, (_, i) => Math.pow(rope.theta, (-2 * i) / rope.dim));
    let pos = b.unsqueeze(cache.positions, [-1]); // [b, seq, 1]
    if (rope.scaling === 'linear' && rope.factor !== 1) pos = b.div(pos, b.f32([rope.factor]));
    const angles = b.unsqueeze(b.mul(pos, b.f32(invFreq, [1, half])), [1]); // [b, 1, seq, half]
    return { cos: b.op('Cos', [angles]), sin: b.op('Sin', [angles]), dim: rope.dim };
  });
  cache.tables.set(key, tables);
  return tables;
}

/** Rotate the first `dim` channels of x [..., seq, headDim]; the rest pass through. */
export function applyRope(ctx: EmitContext, x: string, t: RopeTables, headDim: number): string {
  const b = ctx.b;
  const half = t.dim / 2;
  const x1 = b.slice(x, -1, 0, half);
  const x2 = b.slice(x, -1, half, t.dim);
  const r1 = b.sub(b.mul(x1, t.cos), b.mul(x2, t.sin));
  const r2 = b.add(b.mul(x2, t.cos), b.mul(x1, t.sin));
  const parts = [r1, r2];
  if (t.dim < headDim) parts.push(b.slice(x, -1, t.dim, headDim));
  return b.concat(parts, -1);
}
