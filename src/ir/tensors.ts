/**
 * IR phase — parameter tensors: names, shapes ([in, out] for linear weights), groups and
 * initializers. The names are stable: they are checkpoint keys and ONNX initializer names,
 * and docs/ir.md lists every one. Order is deterministic: embedding, layers in order (within
 * a layer: norm, attention, norm, FFN), final norm, LM head, then MTP modules.
 *
 * Init (docs/ir.md): weights N(0, 0.02); output projections (attention o_proj, every FFN
 * down_proj, MTP eh_proj excepted) N(0, 0.02/√(2·layers)) as Megatron-LM and GPT-2 scale
 * residual-branch outputs; norm weights ones; biases, sinks and the routing correction bias zeros.
 */
import { FP32 } from './defaults.js';
import type { FfnIR, InitIR, LayerIR, ModelIR, QuantIR, TensorGroup, TensorIR } from './types.js';

export const INIT_STD = 0.02;

interface Ctx {
  quantize: ModelIR['quantize'];
  /** The model-level norms carry a `.bias` (layernorm with bias). */
  normBias: boolean;
  /** std for residual-branch output projections. */
  outStd: number;
  out: TensorIR[];
  /** Extra fields for every tensor pushed (layer, mtp). */
  tag: Partial<TensorIR>;
}

function push(
  ctx: Ctx,
  name: string,
  shape: number[],
  group: TensorGroup,
  init: InitIR,
  extra: Partial<TensorIR> = {},
): void {
  // Only matrices are quantized; vectors (norms, biases, sinks) stay fp32.
  const quant: QuantIR = shape.length >= 2 ? ctx.quantize[group] : FP32;
  // Explicit fields rather than object spreads: DeepSeek-V3 has ~46k tensors and this runs
  // inside `moec check`, where spreads cost more than the rest of IR building.
  const t: TensorIR = { name, shape, group, quant, init, trainable: extra.trainable ?? true };
  const layer = extra.layer ?? ctx.tag.layer;
  if (layer !== undefined) t.layer = layer;
  if (extra.expert !== undefined) t.expert = extra.expert;
  if (extra.mtp ?? ctx.tag.mtp) t.mtp = true;
  ctx.out.push(t);
}

const normal = (std: number): InitIR => ({ kind: 'normal', std });
const ONES: InitIR = { kind: 'ones' };
const ZEROS: InitIR = { kind: 'zeros' };

/** A model-level norm (input/post-attention/final): weight, plus bias for a layernorm with bias. */
function modelNorm(ctx: Ctx, prefix: string, width: number): void {
  push(ctx, `${prefix}.weight`, [width], 'norms', ONES);
  if (ctx.normBias) push(ctx, `${prefix}.bias`, [width], 'norms', ZEROS);
}

export function isGated(activation: FfnIR['activation']): boolean {
  return activation === 'swiglu' || activation === 'clamped_swiglu' || activation === 'geglu';
}

/** One FFN (dense MLP, one routed expert, or the fused shared experts) of width `ffn`. */
function ffnTensors(ctx: Ctx, prefix: string, hidden: number, ffn: number, f: FfnIR, group: TensorGroup, extra: Partial<TensorIR> = {}): void {
  const w = normal(INIT_STD);
  if (isGated(f.activation)) {
    push(ctx, `${prefix}.gate_proj.weight`, [hidden, ffn], group, w, extra);
    if (f.bias) push(ctx, `${prefix}.gate_proj.bias`, [ffn], group, ZEROS, extra);
  }
  push(ctx, `${prefix}.up_proj.weight`, [hidden, ffn], group, w, extra);
  if (f.bias) push(ctx, `${prefix}.up_proj.bias`, [ffn], group, ZEROS, extra);
  push(ctx, `${prefix}.down_proj.weight`, [ffn, hidden], group, normal(ctx.outStd), extra);
  if (f.bias) push(ctx, `${prefix}.down_proj.bias`, [hidden], group, ZEROS, extra);
}

function attentionTensors(ctx: Ctx, p: string, hidden: number, layer: LayerIR): void {
  const a = layer.attention;
  const w = normal(INIT_STD);
  if (a.kind === 'mla' && a.mla) {
    const m = a.mla;
    const qWidth = a.heads * (m.qkNopeHeadDim + m.qkRopeHeadDim);
    if (m.qLoraRank > 0) {
      push(ctx, `${p}.q_a_proj.weight`, [hidden, m.qLoraRank], 'attention', w);
      push(ctx, `${p}.q_a_norm.weight`, [m.qLoraRank], 'norms', ONES);
      push(ctx, `${p}.q_b_proj.weight`, [m.qLoraRank, qWidth], 'attention', w);
    } else {
      push(ctx, `${p}.q_proj.weight`, [hidden, qWidth], 'attention', w);
    }
    push(ctx, `${p}.kv_a_proj.weight`, [hidden, m.kvLoraRank + m.qkRopeHeadDim], 'attention', w);
    push(ctx, `${p}.kv_a_norm.weight`, [m.kvLoraRank], 'norms', ONES);
    push(ctx, `${p}.kv_b_proj.weight`, [m.kvLoraRank, a.heads * (m.qkNopeHeadDim + m.vHeadDim)], 'attention', w);
    push(ctx, `${p}.o_proj.weight`, [a.heads * m.vHeadDim, hidden], 'attention', normal(ctx.outStd));
    if (a.outBias) push(ctx, `${p}.o_proj.bias`, [hidden], 'attention', ZEROS);
  } else {
    const q = a.heads * a.headDim;
    const kv = a.kvHeads * a.headDim;
    push(ctx, `${p}.q_proj.weight`, [hidden, q], 'attention', w);
    if (a.qkvBias) push(ctx, `${p}.q_proj.bias`, [q], 'attention', ZEROS);
    push(ctx, `${p}.k_proj.weight`, [hidden, kv], 'attention', w);
    if (a.qkvBias) push(ctx, `${p}.k_proj.bias`, [kv], 'attention', ZEROS);
    push(ctx, `${p}.v_proj.weight`, [hidden, kv], 'attention', w);
    if (a.qkvBias) push(ctx, `${p}.v_proj.bias`, [kv], 'attention', ZEROS);
    push(ctx, `${p}.o_proj.weight`, [a.heads * a.vHeadDim, hidden], 'attention', normal(ctx.outStd));
    if (a.outBias) push(ctx, `${p}.o_proj.bias`, [hidden], 'attention', ZEROS);
  }
  if (a.qkNorm === 'head') {
    // Per-head RMSNorm weights shared across heads (Qwen3).
    push(ctx, `${p}.q_norm.weight`, [a.headDim], 'norms', ONES);
    push(ctx, `${p}.k_norm.weight`, [a.headDim], 'norms', ONES);
  } else if (a.qkNorm === 'full') {
    // One RMSNorm over the whole q and k projections (OLMoE).
    push(ctx, `${p}.q_norm.weight`, [a.heads * a.headDim], 'norms', ONES);
    push(ctx, `${p}.k_norm.weight`, [a.kvHeads * a.headDim], 'norms', ONES);
  }
  if (a.sinks) push(ctx, `${p}.sinks`, [a.heads], 'attention', ZEROS);
}

/** All tensors of one decoder layer under `prefix` (`layers.3` or `mtp.0.layer`). */
function layerTensors(ctx: Ctx, prefix: string, hidden: number, layer: LayerIR): void {
  modelNorm(ctx, `${prefix}.input_norm`, hidden);
  attentionTensors(ctx, `${prefix}.attn`, hidden, layer);
  modelNorm(ctx, `${prefix}.post_attn_norm`, hidden);
  const f = layer.ffn;
  if (f.kind === 'dense') {
    ffnTensors(ctx, `${prefix}.mlp`, hidden, f.ffn, f, 'dense');
    return;
  }
  const r = `${prefix}.moe.router`;
  push(ctx, `${r}.weight`, [hidden, f.experts], 'router', normal(INIT_STD));
  if (f.router.bias) push(ctx, `${r}.bias`, [f.experts], 'router', ZEROS);
  if (f.router.biasUpdate > 0) push(ctx, `${r}.score_bias`, [f.experts], 'router', ZEROS, { trainable: false });
  for (let e = 0; e < f.experts; e++) {
    ffnTensors(ctx, `${prefix}.moe.experts.${e}`, hidden, f.expert.ffn, f.expert, 'experts', { expert: e });
  }
  if (f.shared) {
    ffnTensors(ctx, `${prefix}.moe.shared`, hidden, f.shared.count * f.shared.ffn, f.shared, 'shared');
    if (f.shared.gate) push(ctx, `${prefix}.moe.shared.gate.weight`, [hidden, 1], 'shared', normal(INIT_STD));
  }
}

type TensorInput = Pick<ModelIR, 'vocab' | 'hidden' | 'tieEmbeddings' | 'lmHeadBias' | 'norm' | 'layers' | 'quantize'> & {
  mtpLayers: LayerIR[];
};

/** Every parameter tensor of the model, in IR order. */
export function createTensors(ir: TensorInput): TensorIR[] {
  const ctx: Ctx = {
    quantize: ir.quantize,
    normBias: ir.norm.bias,
    outStd: INIT_STD / Math.sqrt(2 * Math.max(1, ir.layers.length)),
    out: [],
    tag: {},
  };
  const h = ir.hidden;
  push(ctx, 'embed_tokens.weight', [ir.vocab, h], 'embeddings', normal(INIT_STD));
  for (const layer of ir.layers) {
    ctx.tag = { layer: layer.index };
    layerTensors(ctx, `layers.${layer.index}`, h, layer);
  }
  ctx.tag = {};
  modelNorm(ctx, 'norm', h);
  if (!ir.tieEmbeddings) push(ctx, 'lm_head.weight', [h, ir.vocab], 'lm_head', normal(INIT_STD));
  if (ir.lmHeadBias) push(ctx, 'lm_head.bias', [ir.vocab], 'lm_head', ZEROS);
  // DeepSeek-V3 MTP module d: normalize the previous depth's hidden state (hnorm) and the
  // next token's embedding (enorm), project their concatenation [e; h] back to hidden (eh_proj),
  // run one decoder layer, then the final norm; embedding and LM head are shared with the main model.
  ir.mtpLayers.forEach((layer, d) => {
    ctx.tag = { layer: layer.index, mtp: true };
    const p = `mtp.${d}`;
    modelNorm(ctx, `${p}.enorm`, h);
    modelNorm(ctx, `${p}.hnorm`, h);
    push(ctx, `${p}.eh_proj.weight`, [2 * h, h], 'dense', normal(INIT_STD));
    layerTensors(ctx, `${p}.layer`, h, layer);
    modelNorm(ctx, `${p}.norm`, h);
  });
  return ctx.out;
}
