/**
 * TensorFlow.js target — the routing plan (docs/semantics.md §MoE block, steps 3–7).
 *
 * The plan is integer bookkeeping computed in plain JS from the router scores of this forward
 * pass: which experts each token selects (selection scores with the aux-loss-free bias,
 * group-limited routing, top-k with ties to the lower expert index), and where each
 * assignment lands in its expert's buffer in GShard priority order (every token's first
 * choice in token order, then every second choice, …), dropping positions ≥ capacity when the
 * spec says `overflow drop`. Nothing here is on the gradient tape: tf.topk has no gradient
 * in tfjs, and the gradient reaches the router through the gate weights gathered at the
 * selected indices (moe-block.ts), exactly as in the dense formulation.
 */
import type { RouterIR } from '../../ir/types.js';

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
  /** Assignments per expert before dropping (Σ = T·K): the f_e of the auxiliary loss. */
  routed: Int32Array;
  /** Mean over tokens of the entropy of the token's score distribution (nats). */
  entropy: number;
}

/** Capacity C = ceil(capacity_factor · T · K / E) when the spec drops overflow, else Infinity. */
export function expertCapacity(router: RouterIR, tokens: number, experts: number): number {
  if (router.capacityFactor === undefined || router.overflow !== 'drop') return Infinity;
  return Math.ceil((router.capacityFactor * tokens * router.topK) / experts);
}

/** Indices of the `k` largest of `v[from..from+n)`, best first, ties to the lower index. */
function topIndices(v: Float64Array, k: number, out: Int32Array, outFrom: number): void {
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

/** Mean entropy of each token's score distribution (sigmoid scores are normalised to sum 1 first). */
function meanEntropy(scores: Float32Array, tokens: number, experts: number): number {
  let total = 0;
  for (let t = 0; t < tokens; t++) {
    let sum = 0;
    for (let e = 0; e < experts; e++) sum += scores[t * experts + e]!;
    let h = 0;
    for (let e = 0; e < experts; e++) {
      const p = scores[t * experts + e]! / sum;
      if (p > 0) h -= p * Math.log(p);
    }
    total += h;
  }
  return total / tokens;
}

/** The full plan: selection, then GShard-ordered buffer positions with capacity dropping. */
export function planRouting(scores: Float32Array, tokens: number, experts: number, router: RouterIR, bias?: Float32Array): RoutingPlan {
  const K = router.topK;
  const choice = selectExperts(scores, tokens, experts, router, bias);
  const capacity = expertCapacity(router, tokens, experts);
  const routed = new Int32Array(experts);
  const position = new Int32Array(tokens * K);
  // Priority order: k-major, then token order.
  for (let k = 0; k < K; k++) {
    for (let t = 0; t < tokens; t++) {
      const a = t * K + k;
      position[a] = routed[choice[a]!]!++;
    }
  }
  const counts = new Int32Array(experts);
  for (let e = 0; e < experts; e++) counts[e] = Math.min(routed[e]!, capacity);
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
    entropy: meanEntropy(scores, tokens, experts),
  };
}
