/**
 * TensorFlow.js target — the routing plan (docs/semantics.md §MoE block, steps 3–7).
 *
 * The plan is integer bookkeeping computed in plain JS from the router scores of this forward
 * pass: which experts each token selects (selection scores with the aux-loss-free bias,
 * group-limited routing, top-k with ties to the lower expert index), and where each
 * assignment lands in its expert's buffer in the order of `drop_policy` (probs: highest
 * routing weight first; position: earliest token first; gshard: every token's first choice in
 * token order, then every second choice, …), dropping positions ≥ capacity when the spec says
 * `overflow drop`. Nothing here is on the gradient tape: tf.topk has no gradient in tfjs, and
 * the gradient reaches the router through the gate weights gathered at the selected indices
 * (moe-block.ts), exactly as in the dense formulation.
 *
 * Statistics (loads, drops, entropy) count real tokens only; padding (valid[t] = 0) is still
 * routed and dispatched, as in Megatron, whose padding mask only reaches losses and counters.
 */
import type { RouterIR } from '../../ir/types.js';
import { priorityOrder } from './drop-order.js';

export interface RoutingPlan {
  tokens: number;
  experts: number;
  topK: number;
  /** Expert capacity C, or Infinity when nothing is dropped. */
  capacity: number;
  /** Expert chosen by assignment a = t·K + k (k = 0 is the token's best choice). */
  choice: Int32Array;
  /** Buffer slot of assignment a, or `kept` (one past the last slot) when it was dropped. */
  slotOf: Int32Array;
  /** Token of each slot; slots are expert-major, each expert's in priority order. */
  tokenOfSlot: Int32Array;
  /** Assignment of each slot (inverse of slotOf). */
  assignmentOfSlot: Int32Array;
  /** Kept assignments per expert; offsets[e] is expert e's first slot (offsets[E] = kept). */
  counts: Int32Array;
  offsets: Int32Array;
  kept: number;
  /** Real tokens' assignments per expert before dropping (the expert_load statistic). */
  routed: Int32Array;
  /** Real tokens' assignments per expert after dropping (the load the aux-loss-free bias balances). */
  keptLoad: Int32Array;
  /** Real tokens in the batch. */
  validTokens: number;
  /** Mean over real tokens of the entropy of the token's score distribution (nats). */
  entropy: number;
}

/**
 * Capacity C = ceil((T·K / E) · capacity_factor) when the spec drops overflow, else Infinity;
 * evaluated in that order, as Megatron's get_capacity(num_tokens·topk, E, cf).
 */
export function expertCapacity(router: RouterIR, tokens: number, experts: number): number {
  if (router.capacityFactor === undefined || router.overflow !== 'drop') return Infinity;
  return Math.ceil(((tokens * router.topK) / experts) * router.capacityFactor);
}

/** Indices of the `k` largest of `v[from..from+n)`, best first, ties to the lower index. */
export function topIndices(v: Float64Array, k: number, out: Int32Array, outFrom: number): void {
  const n = v.length;
  for (let j = 0; j < k; j++) {
    let best = -1;
    for (let i = 0; i < n; i++) {
      let taken = false;
      for (let q = 0; q < j; q++) if (out[outFrom + q] === i) taken = true;
      if (taken) continue;
      // Strict `>` keeps the earlier index on ties; −∞ candidates are taken only when nothing else is left.
      if (best < 0 || v[i]! > v[best]!) best = i;
    }
    out[outFrom + j] = best;
  }
}

/**
 * Select experts for every token. `scores` [T, E] row-major (softmax or sigmoid of the router
 * logits), `bias` the aux-loss-free `score_bias` (selection only).
 */
export function selectExperts(scores: Float32Array, tokens: number, experts: number, router: RouterIR, bias?: Float32Array): Int32Array {
  const K = router.topK;
  const choice = new Int32Array(tokens * K);
  const sel = new Float64Array(experts);
  const groups = router.groups;
  const size = experts / groups;
  const groupScore = new Float64Array(groups);
  const bestGroups = new Int32Array(router.topGroups);
  const pair = new Float64Array(size);
  for (let t = 0; t < tokens; t++) {
    for (let e = 0; e < experts; e++) sel[e] = Math.fround(scores[t * experts + e]! + (bias ? bias[e]! : 0));
    if (groups > 1) {
      for (let g = 0; g < groups; g++) {
        for (let i = 0; i < size; i++) pair[i] = sel[g * size + i]!;
        if (router.groupScore === 'max' || size < 2) {
          groupScore[g] = Math.max(...pair);
        } else {
          const sorted = Array.from(pair).sort((a, b) => b - a);
          groupScore[g] = Math.fround(sorted[0]! + sorted[1]!);
        }
      }
      topIndices(groupScore, router.topGroups, bestGroups, 0);
      for (let g = 0; g < groups; g++) {
        if (bestGroups.includes(g)) continue;
        for (let i = 0; i < size; i++) sel[g * size + i] = -Infinity;
      }
    }
    topIndices(sel, K, choice, t * K);
  }
  return choice;
}

/** Mean entropy of each real token's score distribution (sigmoid scores are normalised to sum 1 first). */
function meanEntropy(scores: Float32Array, tokens: number, experts: number, valid?: Uint8Array): number {
  let total = 0;
  let n = 0;
  for (let t = 0; t < tokens; t++) {
    if (valid && valid[t] !== 1) continue;
    n++;
    let sum = 0;
    for (let e = 0; e < experts; e++) sum += scores[t * experts + e]!;
    let h = 0;
    for (let e = 0; e < experts; e++) {
      const p = scores[t * experts + e]! / sum;
      if (p > 0) h -= p * Math.log(p);
    }
    total += h;
  }
  return n > 0 ? total / n : 0;
}

/**
 * The full plan: selection, then buffer positions in drop_policy order with capacity dropping.
 * `valid` (1 = real token) only restricts the statistics.
 */
export function planRouting(scores: Float32Array, tokens: number, experts: number, router: RouterIR, bias?: Float32Array, valid?: Uint8Array): RoutingPlan {
  const K = router.topK;
  const choice = selectExperts(scores, tokens, experts, router, bias);
  const capacity = expertCapacity(router, tokens, experts);
  const filled = new Int32Array(experts);
  const position = new Int32Array(tokens * K);
  const order = capacity === Infinity ? undefined : priorityOrder(scores, experts, K, choice, router);
  for (let i = 0; i < tokens * K; i++) {
    const a = order ? order[i]! : i;
    position[a] = filled[choice[a]!]!++;
  }
  const counts = new Int32Array(experts);
  for (let e = 0; e < experts; e++) counts[e] = Math.min(filled[e]!, capacity);
  const offsets = new Int32Array(experts + 1);
  for (let e = 0; e < experts; e++) offsets[e + 1] = offsets[e]! + counts[e]!;
  const kept = offsets[experts]!;
  const slotOf = new Int32Array(tokens * K);
  const tokenOfSlot = new Int32Array(kept);
  const assignmentOfSlot = new Int32Array(kept);
  for (let a = 0; a < tokens * K; a++) {
    const e = choice[a]!;
    if (position[a]! >= capacity) {
      slotOf[a] = kept;
      continue;
    }
    const slot = offsets[e]! + position[a]!;
    slotOf[a] = slot;
    tokenOfSlot[slot] = Math.floor(a / K);
    assignmentOfSlot[slot] = a;
  }
  const routed = new Int32Array(experts);
  const keptLoad = new Int32Array(experts);
  let validTokens = 0;
  for (let t = 0; t < tokens; t++) {
    if (valid && valid[t] !== 1) continue;
    validTokens++;
    for (let k = 0; k < K; k++) {
      const a = t * K + k;
      routed[choice[a]!]!++;
      if (slotOf[a]! < kept) keptLoad[choice[a]!]!++;
    }
  }
  return {
    tokens,
    experts,
    topK: K,
    capacity,
    choice,
    slotOf,
    tokenOfSlot,
    assignmentOfSlot,
    counts,
    offsets,
    kept,
    routed,
    keptLoad,
    validTokens,
    entropy: meanEntropy(scores, tokens, experts, valid),
  };
}
