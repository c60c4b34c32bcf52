/**
 * ONNX lowering — rotary position embeddings, rotate-half convention (GPT-NeoX / HF Llama;
 * docs/semantics.md §RoPE). The cos/sin tables [batch, 1, seq, dim/2] are computed in-graph
 * from the positions (position_ids, so each row of a left-padded batch has its own) and shared
 * by every layer with the same rope settings; the 1 broadcasts over heads. Angles are
 * `pos · inv_freq` (float32, as transformers computes them), then cos and sin times the
 * attention factor. `inv_freq` (linear and YaRN scaling included) comes from src/ir/rope.ts.
 */
import { ropeCosSinFactor, ropeInvFreq } from '../../ir/rope.js';
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
  const key = JSON.stringify(rope);
  const found = cache.tables.get(key);
  if (found) return found;
  const b = ctx.b;
  const tables = b.scope('rope', () => {
    const half = rope.dim / 2;
    // Computed in double, stored as float32.
    const invFreq = Float32Array.from(ropeInvFreq(rope));
    const pos = b.unsqueeze(cache.positions, [-1]); // [b, seq, 1]
    const angles = b.unsqueeze(b.mul(pos, b.f32(invFreq, [1, half])), [1]); // [b, 1, seq, half]
    const factor = ropeCosSinFactor(rope);
    const scaled = (t: string): string => (factor === 1 ? t : b.mul(t, b.f32([factor])));
    return { cos: scaled(b.op('Cos', [angles])), sin: scaled(b.op('Sin', [angles])), dim: rope.dim };
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
