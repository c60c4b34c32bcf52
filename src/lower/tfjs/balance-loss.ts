/**
 * TensorFlow.js target — the router losses (docs/semantics.md §Router losses): the
 * load-balancing loss in its three types and the z-loss, over real tokens only.
 *
 * Terms:
 * - scores for the balance loss `p` [T, E]: softmax of the router logits, or the sigmoid
 *   normalised over experts (Megatron `compute_routing_scores_for_aux_loss`, DeepSeek-V3 §2.1.2);
 * - counts `c`: the plain top-K of those scores per real token (no score bias, no group limit),
 *   counted per expert — constants, off the tape;
 * - a rank group: the sequences of one data-parallel rank's micro-batch (`parallel.micro_batch`).
 *   `batch` balances each group and averages the groups, as Megatron's `aux_loss` per rank
 *   averaged by data-parallel gradient averaging. When the forward batch's sequences are not a
 *   multiple of the group size, the whole batch is one group.
 *
 * Every loss here is linear in the scores given the constant counts, so it is computed as
 * Σ C ⊙ p with a constant coefficient matrix C [T, E] built in float64 (balanceCoefficients),
 * which makes the gradient exactly the reference's (f carries none, P carries all).
 */
import * as tf from '@tensorflow/tfjs';
import type { RouterIR } from '../../ir/types.js';
import { topIndices } from './router.js';

export interface TokenLayout {
  /** Sequences in the forward batch; token t = sequence · seqLen + position. */
  sequences: number;
  /** 1 = real token, 0 = padding (excluded from every loss and statistic); absent = all real. */
  valid?: Uint8Array;
  /** Sequences per data-parallel rank's micro-batch (parallel.micro_batch). */
  rankSequences: number;
}

/** Plain top-K counts of earlier micro-batches of this optimizer step (the `global` type's running mean). */
export interface GlobalCounts {
  counts: Float64Array;
  /** Micro-batches already counted. */
  steps: number;
}

/** p [T, E]: softmax of the logits, or sigmoid scores normalised over experts (+1e-20, as Megatron). */
export function balanceScores(logits: tf.Tensor, score: RouterIR['score']): tf.Tensor {
  if (score === 'softmax') return tf.softmax(logits);
  const s = tf.sigmoid(logits);
  return tf.div(s, tf.add(tf.sum(s, 1, true), 1e-20));
}

/** Contiguous token ranges [from, to) of the rank groups and, inside each, of its sequences. */
function rankGroups(tokens: number, layout: TokenLayout): { from: number; to: number; sequences: [number, number][] }[] {
  const seqLen = tokens / layout.sequences;
  const per = layout.sequences % layout.rankSequences === 0 ? layout.rankSequences : layout.sequences;
  const groups = [];
  for (let g = 0; g < layout.sequences / per; g++) {
    const sequences: [number, number][] = [];
    for (let b = g * per; b < (g + 1) * per; b++) sequences.push([b * seqLen, (b + 1) * seqLen]);
    groups.push({ from: g * per * seqLen, to: (g + 1) * per * seqLen, sequences });
  }
  return groups;
}

const isValid = (layout: TokenLayout, t: number) => !layout.valid || layout.valid[t] === 1;

/** Plain top-K experts of every token's balance scores [T, E] (ties to the lower index). */
export function plainTopK(p: Float32Array, tokens: number, experts: number, topK: number): Int32Array {
  const out = new Int32Array(tokens * topK);
  const row = new Float64Array(experts);
  for (let t = 0; t < tokens; t++) {
    for (let e = 0; e < experts; e++) row[e] = p[t * experts + e]!;
    topIndices(row, topK, out, t * topK);
  }
  return out;
}

/** Per-expert counts of the real tokens' top-K picks in [from, to). */
function countRange(top: Int32Array, topK: number, experts: number, layout: TokenLayout, from: number, to: number): { counts: Float64Array; valid: number } {
  const counts = new Float64Array(experts);
  let valid = 0;
  for (let t = from; t < to; t++) {
    if (!isValid(layout, t)) continue;
    valid++;
    for (let k = 0; k < topK; k++) counts[top[t * topK + k]!]! += 1;
  }
  return { counts, valid };
}

/** Set C[t, e] = scale · counts[e] for the real tokens t in [from, to). */
function fill(c: Float64Array, experts: number, layout: TokenLayout, from: number, to: number, counts: Float64Array, scale: number): void {
  for (let t = from; t < to; t++) {
    if (!isValid(layout, t)) continue;
    for (let e = 0; e < experts; e++) c[t * experts + e] = scale * counts[e]!;
  }
}

export interface BalanceTerms {
  /** C [T, E] with loss = Σ C ⊙ p. */
  coefficients: Float32Array;
  /** Plain top-K counts of this batch's real tokens (what `global` accumulates over micro-batches). */
  counts: Float64Array;
}

/**
 * The coefficient matrix of the balance loss α·E·Σ_e f_e·P_e for `router.auxLossType`:
 * - batch: per rank group g with V_g real tokens, f = c_g/(K·V_g), P = Σ_{t∈g} p/V_g; mean over groups;
 * - sequence: per sequence b, f = c_b/(K·T̄), P = Σ_{t∈b} p/T̄ with T̄ = V_g / sequences-per-group
 *   (Megatron's seq_aux_loss; T̄ is the sequence length when nothing is padded); mean over sequences;
 * - global: f = (earlier counts + c)/(steps + 1)/(K·V), P = Σ p/V over the whole batch (Megatron's
 *   global_aux_loss running mean over the micro-batches of a global batch).
 * A group without real tokens contributes nothing.
 */
export function balanceCoefficients(p: Float32Array, tokens: number, experts: number, router: RouterIR, layout: TokenLayout, global?: GlobalCounts): BalanceTerms {
  const K = router.topK;
  const base = router.auxLoss * experts / K;
  const top = plainTopK(p, tokens, experts, K);
  const c = new Float64Array(tokens * experts);
  const all = countRange(top, K, experts, layout, 0, tokens);
  if (router.auxLossType === 'global') {
    if (all.valid > 0) {
      const steps = global?.steps ?? 0;
      const mean = Float64Array.from(all.counts, (n, e) => (n + (global?.counts[e] ?? 0)) / (steps + 1));
      fill(c, experts, layout, 0, tokens, mean, base / (all.valid * all.valid));
    }
    return { coefficients: Float32Array.from(c), counts: all.counts };
  }
  const groups = rankGroups(tokens, layout);
  for (const g of groups) {
    const inGroup = countRange(top, K, experts, layout, g.from, g.to);
    if (inGroup.valid === 0) continue;
    if (router.auxLossType === 'batch') {
      fill(c, experts, layout, g.from, g.to, inGroup.counts, base / (inGroup.valid * inGroup.valid) / groups.length);
      continue;
    }
    const meanLen = inGroup.valid / g.sequences.length;
    const scale = base / (meanLen * meanLen) / g.sequences.length / groups.length;
    for (const [from, to] of g.sequences) fill(c, experts, layout, from, to, countRange(top, K, experts, layout, from, to).counts, scale);
  }
  return { coefficients: Float32Array.from(c), counts: all.counts };
}

/** Σ C ⊙ p: the balance loss on the tape (p differentiable, C constant). */
export function balanceLoss(p: tf.Tensor, coefficients: Float32Array): tf.Tensor {
  return tf.sum(tf.mul(p, tf.tensor2d(coefficients, p.shape as [number, number])));
}

/**
 * z-loss ζ · mean over real tokens of logsumexp(l_t)², per rank group, averaged over the groups
 * (Megatron `z_loss_func` per rank, data-parallel averaged).
 */
export function zLoss(logits: tf.Tensor, coefficient: number, layout: TokenLayout): tf.Tensor {
  const tokens = logits.shape[0]!;
  const w = new Float64Array(tokens);
  const groups = rankGroups(tokens, layout);
  for (const g of groups) {
    let valid = 0;
    for (let t = g.from; t < g.to; t++) if (isValid(layout, t)) valid++;
    for (let t = g.from; t < g.to; t++) if (valid > 0 && isValid(layout, t)) w[t] = coefficient / valid / groups.length;
  }
  return tf.sum(tf.mul(tf.square(tf.logSumExp(logits, 1)), tf.tensor1d(Float32Array.from(w))));
}

/** Per MoE layer index: the counts `global` has seen in this optimizer step. Start empty each step. */
export type GlobalBalanceState = Map<number, GlobalCounts>;

/** Add one micro-batch's counts (LossAndGrads.balanceCounts) to the step's state. */
export function addGlobalCounts(state: GlobalBalanceState, counts: ReadonlyMap<number, Float64Array>): void {
  for (const [layer, c] of counts) {
    const prev = state.get(layer);
    if (!prev) {
      state.set(layer, { counts: Float64Array.from(c), steps: 1 });
      continue;
    }
    for (let e = 0; e < c.length; e++) prev.counts[e]! += c[e]!;
    prev.steps += 1;
  }
}
