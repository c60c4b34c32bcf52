/**
 * TensorFlow.js target — the decoder pieces (docs/semantics.md §Decoder) shared by the
 * training functions (model.ts, recompute.ts) and the Layers artifact (layers.ts): the
 * embedding, one pre-norm decoder layer, and the final norm + LM head. Parameters are read
 * through a getter so the same code runs on explicit tf.Variables and on Layer weights.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerIR, ModelIR } from '../../ir/types.js';
import { attention, type Getter, type OptionalGetter } from './attention.js';
import { embed } from './embedding.js';
import { ffn } from './ffn.js';
import { linear } from './matmul.js';
import { mlaAttention } from './mla.js';
import { moeBlock, type DispatchMode } from './moe-block.js';
import { modelNorm } from './norm.js';
import type { RoutingPlan } from './router.js';
import type { GlobalCounts } from './balance-loss.js';
import type { PackedLayout } from './packed-layout.js';

export interface DecoderContext {
  ir: ModelIR;
  get: Getter;
  opt: OptionalGetter;
  training: boolean;
  /** Base seed for jitter and dropout noise in training. */
  seed: number;
  dispatch: DispatchMode;
  /** 1 = real token, 0 = padding, [batch·seq] row-major; absent = every token real. */
  valid?: Uint8Array;
  /** Sequences per data-parallel rank's micro-batch (parallel.micro_batch): the balance groups. */
  rankSequences: number;
  /** Per MoE layer index: earlier micro-batches' counts (aux_loss_type global). */
  global?: ReadonlyMap<number, GlobalCounts>;
  /** Packed documents per row (packed-layout.ts); absent: each row is one sequence. */
  layout?: PackedLayout;
}

export interface LayerOutput {
  h: tf.Tensor;
  /** The layer's scaled load-balancing terms (MoE layers with non-zero coefficients). */
  aux?: tf.Tensor;
  z?: tf.Tensor;
  balanceCounts?: Float64Array;
  plan?: RoutingPlan;
}

/** A distinct, reproducible seed per (step seed, layer, use): the recompute pass must draw the same noise. */
export function noiseSeed(seed: number, layer: number, use: number): number {
  return (Math.imul(seed | 0, 0x9e3779b1) + layer * 7919 + use * 104729) >>> 0;
}

function dropout(x: tf.Tensor, c: DecoderContext, layer: number, use: number): tf.Tensor {
  const rate = c.ir.train.dropout;
  return c.training && rate > 0 ? tf.dropout(x, rate, undefined, noiseSeed(c.seed, layer, use)) : x;
}

/** Token embeddings [B, S, H] (× Granite's embedding_multiplier: scaling.embedding). */
export function embedTokens(c: DecoderContext, ids: tf.Tensor): tf.Tensor {
  const x = embed(c.get('embed_tokens.weight'), ids);
  const m = c.ir.scaling?.embedding ?? 1;
  return m !== 1 ? tf.mul(x, m) : x;
}

/** A residual branch × Granite's residual_multiplier (scaling.residual) before its add. */
function branch(ir: ModelIR, x: tf.Tensor): tf.Tensor {
  const m = ir.scaling?.residual ?? 1;
  return m !== 1 ? tf.mul(x, m) : x;
}

/** h + Attn(Norm_in(h)), then h + FFN(Norm_post(h)); h: [B, S, H]. */
export function decoderLayer(layer: LayerIR, h: tf.Tensor, c: DecoderContext): LayerOutput {
  const { ir, get, opt } = c;
  const p = `layers.${layer.index}`;
  const norm = (x: tf.Tensor, name: string) => modelNorm(ir.norm.type, ir.norm.eps, x, get, `${p}.${name}`, opt);
  const a = layer.attention;
  const attnIn = norm(h, 'input_norm');
  const attnOut = a.kind === 'mla'
    ? mlaAttention(a, attnIn, get, opt, `${p}.attn`, c.layout)
    : attention(a, attnIn, get, opt, `${p}.attn`, ir.norm.eps, c.layout);
  const h1 = tf.add(h, branch(ir, dropout(attnOut, c, layer.index, 1)));
  const x = norm(h1, 'post_attn_norm');
  const f = layer.ffn;
  if (f.kind === 'dense') {
    return { h: tf.add(h1, branch(ir, dropout(ffn(f, x, get, opt, `${p}.mlp`), c, layer.index, 2))) };
  }
  const [b, s, hidden] = x.shape as number[];
  const moe = moeBlock(f, tf.reshape(x, [b! * s!, hidden!]), get, opt, `${p}.moe`, {
    training: c.training,
    seed: noiseSeed(c.seed, layer.index, 3),
    dispatch: c.dispatch,
    layout: { sequences: b!, valid: c.valid, rankSequences: c.rankSequences },
    global: c.global?.get(layer.index),
  });
  const out = dropout(tf.reshape(moe.y, [b!, s!, hidden!]), c, layer.index, 4);
  return { h: tf.add(h1, branch(ir, out)), aux: moe.aux, z: moe.z, balanceCounts: moe.balanceCounts, plan: moe.plan };
}

/** Logits [B, S, V] = Norm_final(h) · lm_head (tied: · embed_tokensᵀ) (+ lm_head.bias, Phi-3.5-MoE), ÷ scaling.logits_divisor. */
export function lmHead(c: DecoderContext, h: tf.Tensor): tf.Tensor {
  const x = modelNorm(c.ir.norm.type, c.ir.norm.eps, h, c.get, 'norm', c.opt);
  const w = c.ir.tieEmbeddings ? tf.transpose(c.get('embed_tokens.weight')) : c.get('lm_head.weight');
  const logits = linear(x, w, c.opt('lm_head.bias'));
  // Granite: logits / logits_scaling (a division, as transformers).
  const d = c.ir.scaling?.logitsDivisor ?? 1;
  return d !== 1 ? tf.div(logits, d) : logits;
}
