/**
 * Reference forward pass — the whole decoder (docs/semantics.md "Decoder"): embedding, layers
 * (pre-norm attention and FFN residual branches), final norm, LM head (or tied embedding).
 * An independent plain-TypeScript oracle for the ONNX and TensorFlow.js targets: float64
 * everywhere, no code shared with either target. Slow by design; meant for small test models.
 */
import type { ModelIR } from '../../src/ir/types.js';
import { attention, type Shape } from './attention.js';
import { ffn, moeBlock } from './ffn.js';
import { layerNorm, linear, rmsNorm, weight, type Weights } from './numerics.js';

function norm(ir: ModelIR, x: Float64Array, rows: number, w: Weights, p: string): Float64Array {
  return ir.norm.type === 'rmsnorm'
    ? rmsNorm(x, rows, ir.hidden, weight(w, `${p}.weight`), ir.norm.eps)
    : layerNorm(x, rows, ir.hidden, weight(w, `${p}.weight`), ir.norm.bias ? weight(w, `${p}.bias`) : undefined, ir.norm.eps);
}

/** Logits [batch, seq, vocab] (row-major, float32) for token ids [batch][seq]. */
export function referenceForward(ir: ModelIR, w: Weights, ids: number[][]): Float32Array {
  const batch = ids.length;
  const seq = ids[0]?.length ?? 0;
  if (ids.some((row) => row.length !== seq)) throw new Error('reference: ragged batch');
  const H = ir.hidden;
  const T = batch * seq;
  const s: Shape = { batch, seq, hidden: H, eps: ir.norm.eps };
  const embed = weight(w, 'embed_tokens.weight');
  // Granite's multipliers (docs/semantics.md "Decoder"): 1 when the spec has no scaling block.
  const me = ir.scaling?.embedding ?? 1;
  const mr = ir.scaling?.residual ?? 1;
  const d = ir.scaling?.logitsDivisor ?? 1;
  let h = new Float64Array(T * H);
  ids.flat().forEach((id, t) => {
    if (!Number.isInteger(id) || id < 0 || id >= ir.vocab) throw new Error(`reference: token id ${id} out of range`);
    for (let i = 0; i < H; i++) h[t * H + i] = embed[id * H + i] * me;
  });
  for (const layer of ir.layers) {
    const p = `layers.${layer.index}`;
    const a = attention(norm(ir, h, T, w, `${p}.input_norm`), s, layer.attention, w, `${p}.attn`);
    h = h.map((v, i) => v + mr * a[i]);
    const x = norm(ir, h, T, w, `${p}.post_attn_norm`);
    const f = layer.ffn.kind === 'dense' ? ffn(x, T, H, layer.ffn, layer.ffn.ffn, w, `${p}.mlp`) : moeBlock(x, T, H, layer.ffn, w, `${p}.moe`);
    h = h.map((v, i) => v + mr * f[i]);
  }
  const x = norm(ir, h, T, w, 'norm');
  let logits: Float64Array;
  if (ir.tieEmbeddings) {
    logits = new Float64Array(T * ir.vocab);
    for (let t = 0; t < T; t++) {
      for (let v = 0; v < ir.vocab; v++) {
        let acc = 0;
        for (let i = 0; i < H; i++) acc += x[t * H + i] * embed[v * H + i];
        logits[t * ir.vocab + v] = acc;
      }
    }
  } else {
    logits = linear(x, T, H, weight(w, 'lm_head.weight'), ir.vocab);
  }
  if (ir.lmHeadBias) {
    const bias = weight(w, 'lm_head.bias');
    logits = logits.map((v, i) => v + bias[i % ir.vocab]);
  }
  return Float32Array.from(logits, (v) => v / d);
}
