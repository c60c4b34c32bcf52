/**
 * Analysis phase — activation memory per layer per micro-batch (docs/explain.md), after
 * Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer Models"
 * (§4): the tensors a layer saves for its backward pass. For a GPT layer (LayerNorm, MHA,
 * GELU FFN of 4h, dropout, 16-bit activations) this is exactly s·b·h·(34 + 5·a·s/h) bytes;
 * here every term is derived from the IR's dimensions, so GQA, MLA, gated FFNs and MoE
 * layers are counted as what they store:
 *   replicated over tensor ranks unless sequence parallel (R): the two norm inputs, the
 *     attention and FFN inputs, dropout masks, MLA's latent projections, router logits+probs (fp32);
 *   split over tensor ranks (S): q, k, v, the attention context, the softmax output (+ dropout
 *     mask and output) of the a·s² score matrix, FFN intermediates;
 *   experts (X, split over expert_tensor): dispatched tokens, intermediates and outputs of the
 *     k·T routed copies (×capacity_factor when set: capacity-bounded buffers are that large).
 * Checkpointing: none stores all of it; selective recomputes the attention core (no a·s²
 * terms — also what a FlashAttention kernel stores); full stores only each layer's input and
 * rebuilds one layer at a time during backward.
 */
import type { LayerIR, ModelIR } from '../ir/types.js';
import { isGated } from '../ir/tensors.js';

export interface ActivationShape {
  /** Tokens per device per micro-batch along the sequence: micro_batch × seq_len / context. */
  tokens: number;
  /** Sequence length per device (seq_len / context), for the score matrix. */
  seq: number;
  microBatch: number;
  /** Bytes per activation element (2 for bf16/fp16 training, 4 for fp32). */
  bytes: number;
  tensor: number;
  expertTensor: number;
  sequenceParallel: boolean;
  dropout: boolean;
}

export interface LayerActivations {
  /** Bytes saved with no recomputation. */
  none: number;
  /** Bytes saved when the attention core is recomputed. */
  selective: number;
  /** Bytes saved under full recomputation: the layer's input only. */
  full: number;
}

function ffnSaved(width: number, gated: boolean, bytes: number): number {
  // gated: gate and up outputs + their product (the down_proj input); ungated: act input + output.
  return (gated ? 3 : 2) * width * bytes;
}

export function layerActivations(layer: LayerIR, hidden: number, sh: ActivationShape): LayerActivations {
  const { tokens: T, bytes: a, tensor: t } = sh;
  const mask = sh.dropout ? 1 : 0;
  const h = hidden;
  const att = layer.attention;
  // Per token, in bytes.
  let R = a * (2 * h /* norm inputs */ + h /* attention input */ + h /* FFN input */) + mask * 2 * h;
  let S = 0;
  if (att.kind === 'mla' && att.mla) {
    const m = att.mla;
    if (m.qLoraRank > 0) R += a * 2 * m.qLoraRank; // q_a output (norm input) and q_a_norm output (q_b input)
    R += a * (m.kvLoraRank + m.qkRopeHeadDim + m.kvLoraRank); // kv_a output and kv_a_norm output
    S += a * att.heads * (att.headDim /* q */ + att.headDim /* k */ + att.vHeadDim /* v */ + att.vHeadDim /* context */);
  } else {
    S += a * (att.heads * att.headDim + att.kvHeads * att.headDim + att.kvHeads * att.vHeadDim + att.heads * att.vHeadDim);
  }
  // The score matrix: softmax output (a bytes), and with dropout its mask (1) and output (a).
  const scores = sh.microBatch * att.heads * sh.seq * sh.seq * (a + mask * (1 + a));
  let X = 0;
  const f = layer.ffn;
  if (f.kind === 'dense') {
    S += ffnSaved(f.ffn, isGated(f.activation), a);
  } else {
    R += 4 * 2 * f.experts; // router logits and probabilities, fp32
    if (f.shared) S += ffnSaved(f.shared.count * f.shared.ffn, isGated(f.shared.activation), a);
    const copies = f.router.topK * (f.router.capacityFactor ?? 1);
    X += copies * (a * h /* dispatched input */ + a * h /* expert output, for the combine */);
    X += (copies * ffnSaved(f.expert.ffn, isGated(f.expert.activation), a)) / sh.expertTensor;
  }
  const rShare = sh.sequenceParallel ? R / t : R;
  const selective = T * (rShare + S / t + X);
  return {
    none: selective + scores / t,
    selective,
    full: (T * a * h) / (sh.sequenceParallel ? t : 1),
  };
}

export function activationShape(ir: ModelIR, microBatch = ir.parallel.microBatch): ActivationShape {
  const p = ir.parallel;
  const seq = ir.train.seqLen / p.context;
  return {
    tokens: microBatch * seq,
    seq,
    microBatch,
    bytes: ir.train.precision === 'fp32' ? 4 : 2,
    tensor: p.tensor,
    sequenceParallel: p.sequenceParallel,
    dropout: ir.train.dropout > 0,
    expertTensor: p.expertTensor,
  };
}
