/**
 * Analysis phase — FLOPs per token (docs/explain.md). One multiply-add = 2 FLOPs.
 *
 * forward/token = 2 × (active matrix parameters, the embedding lookup excluded, the LM head
 *                      included; vectors — norms, biases — are not matmuls)
 *               + attention: per layer 2·heads·(headDim + vHeadDim)·c̄, where c̄ is the mean
 *                 number of keys a query attends to over one causal sequence of length L
 *                 (the caller's; `moec explain` passes train.seq_len): (L+1)/2 for full causal attention, and for a sliding
 *                 window w the mean of min(i+1, w) over positions i < L.
 * training/token ≈ 3 × forward (the backward pass costs about twice the forward; recomputation
 * under activation checkpointing adds one more forward and is reported separately).
 */
import type { AttentionIR, ModelIR } from '../ir/types.js';
import { GROUPS, isActive, numel, zeroGroups, type GroupCounts } from './params.js';

/** Mean attended keys per query over a causal sequence of length L (window w, if any). */
export function meanAttended(L: number, window?: number): number {
  if (window === undefined || window >= L) return (L + 1) / 2;
  // Positions 0..w-1 see i+1 keys; the remaining L−w positions see w.
  return ((window * (window + 1)) / 2 + (L - window) * window) / L;
}

export function attentionFlops(a: AttentionIR, L: number): number {
  return 2 * a.heads * (a.headDim + a.vHeadDim) * meanAttended(L, a.window);
}

export interface FlopCounts {
  /** Sequence length the attention term is evaluated at. */
  context: number;
  forward: number;
  /** ≈ 3 × forward. */
  training: number;
  /** training + one extra forward, when activations are recomputed (full checkpointing). */
  trainingWithRecompute: number;
  /** Matmul FLOPs per tensor group, and the attention score/value term. */
  byGroup: GroupCounts & { attention_scores: number };
  /** Forward FLOPs of the MTP modules (extra, not in `forward`). */
  mtpForward: number;
}

export function countFlops(ir: ModelIR, context: number = ir.context): FlopCounts {
  const topK = new Map<number, number>();
  for (const l of [...ir.layers, ...ir.mtpLayers]) if (l.ffn.kind === 'moe') topK.set(l.index, l.ffn.router.topK);
  const byGroup = { ...zeroGroups(), attention_scores: 0 };
  let mtpForward = 0;
  for (const t of ir.tensors) {
    if (t.shape.length < 2 || t.group === 'embeddings' || !isActive(t, topK)) continue;
    if (t.mtp) mtpForward += 2 * numel(t);
    else byGroup[t.group] += 2 * numel(t);
  }
  // A tied model still multiplies by the (shared) embedding matrix to produce logits.
  if (ir.tieEmbeddings) byGroup.lm_head += 2 * ir.vocab * ir.hidden;
  for (const l of ir.layers) byGroup.attention_scores += attentionFlops(l.attention, context);
  for (const l of ir.mtpLayers) mtpForward += attentionFlops(l.attention, context) + 2 * ir.vocab * ir.hidden;
  const forward = GROUPS.reduce((a, g) => a + byGroup[g], 0) + byGroup.attention_scores;
  return {
    context,
    forward,
    training: 3 * forward,
    trainingWithRecompute: 4 * forward,
    byGroup,
    mtpForward,
  };
}
