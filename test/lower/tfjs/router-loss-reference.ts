/**
 * Transcriptions of the reference router losses, line for line in float64, for
 * router-losses.test.ts. Python tensors become nested arrays; torch.topk ties do not occur on
 * the random logits used.
 *
 * Megatron-Core: NVIDIA/Megatron-LM at d98e8a64ddf34856e74b24714e3bedb2f5a39553,
 *   megatron/core/transformer/moe/moe_utils.py — switch_load_balancing_loss_func (l.63),
 *   z_loss_func (l.153), get_tokens_per_expert_and_token_count (l.269),
 *   compute_routing_scores_for_aux_loss (l.960, the non-fused branch);
 *   megatron/core/transformer/moe/router.py — TopKRouter._apply_aux_loss (l.410),
 *   _apply_seq_aux_loss (l.450), _apply_global_aux_loss (l.507), with one rank
 *   (tp_cp_group and tp_dp_cp_group of size 1). Megatron's padding_mask is True at padding.
 *   Token rows are Megatron's [seq, batch] order: row s·B + b.
 * transformers: huggingface/transformers at 00d4b3d2142cb4ced2f51b90614b5d26bc045015,
 *   src/transformers/models/mixtral/modeling_mixtral.py — load_balancing_loss_func (rows
 *   batch-major, b·S + s, layers concatenated).
 */

type Mat = number[][];

const softmaxRow = (r: number[]) => {
  const m = Math.max(...r);
  const e = r.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const topkIndices = (r: number[], k: number) => r.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]).slice(0, k).map(([, i]) => i);

/** compute_routing_scores_for_aux_loss(logits, topk, score_function, padding_mask) → (routing_map, scores). */
export function computeRoutingScoresForAuxLoss(logits: Mat, topk: number, scoreFunction: 'softmax' | 'sigmoid', paddingMask?: boolean[]): { routingMap: Mat; scores: Mat } {
  let scores: Mat;
  if (scoreFunction === 'softmax') scores = logits.map(softmaxRow);
  else {
    scores = logits.map((r) => r.map(sigmoid));
    scores = scores.map((r) => {
      const s = r.reduce((a, b) => a + b, 0);
      return r.map((v) => v / (s + 1e-20));
    });
  }
  let routingMap = scores.map((r) => {
    const row = new Array<number>(r.length).fill(0);
    for (const i of topkIndices(r, topk)) row[i] = 1;
    return row;
  });
  if (paddingMask) {
    const valid = paddingMask.map((p): number => (p ? 0 : 1));
    routingMap = routingMap.map((r, t) => r.map((v) => v * valid[t]!));
    scores = scores.map((r, t) => r.map((v) => v * valid[t]!));
  }
  return { routingMap, scores };
}

const colSum = (m: Mat) => m[0]!.map((_, j) => m.reduce((s, r) => s + r[j]!, 0));

/** get_tokens_per_expert_and_token_count(routing_map, reduce_group of size 1, topk, with_padding_mask). */
export function getTokensPerExpertAndTokenCount(routingMap: Mat, topk: number, withPaddingMask: boolean): { globalTokensPerExpert: number[]; localNumTokens: number; totalNumTokens: number } {
  const local = colSum(routingMap);
  const global = local;
  if (withPaddingMask) {
    const localNum = local.reduce((a, b) => a + b, 0) / topk;
    return { globalTokensPerExpert: global, localNumTokens: localNum, totalNumTokens: global.reduce((a, b) => a + b, 0) / topk };
  }
  return { globalTokensPerExpert: global, localNumTokens: routingMap.length, totalNumTokens: routingMap.length * 1 };
}

/** switch_load_balancing_loss_func(probs, tokens_per_expert, total_num_tokens, topk, num_experts, coeff). */
export function switchLoadBalancingLossFunc(probs: Mat, tokensPerExpert: number[], totalNumTokens: number, topk: number, numExperts: number, coeff: number): number {
  const aggregated = colSum(probs);
  const dot = aggregated.reduce((s, p, i) => s + p * tokensPerExpert[i]!, 0);
  return dot * ((numExperts * coeff) / (topk * totalNumTokens * totalNumTokens));
}

/** TopKRouter._apply_aux_loss. */
export function applyAuxLoss(scores: Mat, routingMap: Mat, topk: number, numExperts: number, coeff: number, withPaddingMask: boolean): number {
  const { globalTokensPerExpert, totalNumTokens } = getTokensPerExpertAndTokenCount(routingMap, topk, withPaddingMask);
  return switchLoadBalancingLossFunc(scores, globalTokensPerExpert, totalNumTokens, topk, numExperts, coeff);
}

/** reshape(seq_length, -1) of a [S·B, E] tensor whose rows are s·B + b: row s = [row s·B+0, …, row s·B+B−1]. */
const reshapeSeq = (m: Mat, S: number) => Array.from({ length: S }, (_, s) => m.slice((s * m.length) / S, ((s + 1) * m.length) / S).flat());

/** TopKRouter._apply_seq_aux_loss. */
export function applySeqAuxLoss(scores: Mat, routingMap: Mat, seqLength: number, bsz: number, topk: number, numExperts: number, coeff: number, withPaddingMask: boolean): number {
  const s2 = reshapeSeq(scores, seqLength);
  const r2 = reshapeSeq(routingMap, seqLength);
  const { globalTokensPerExpert, totalNumTokens } = getTokensPerExpertAndTokenCount(r2, topk * bsz, withPaddingMask);
  return switchLoadBalancingLossFunc(s2, globalTokensPerExpert, totalNumTokens, topk, numExperts, coeff) / bsz;
}

/** The router's global_tokens_per_expert / ga_steps buffers, reset each global batch. */
export interface GlobalAuxState {
  globalTokensPerExpert: number[];
  gaSteps: number;
}

/** TopKRouter._apply_global_aux_loss (mutates the state as the buffers are). */
export function applyGlobalAuxLoss(state: GlobalAuxState, scores: Mat, routingMap: Mat, topk: number, numExperts: number, coeff: number, withPaddingMask: boolean): number {
  const { globalTokensPerExpert, totalNumTokens } = getTokensPerExpertAndTokenCount(routingMap, topk, withPaddingMask);
  state.globalTokensPerExpert = state.globalTokensPerExpert.map((v, i) => v + globalTokensPerExpert[i]!);
  state.gaSteps += 1;
  const averaged = state.globalTokensPerExpert.map((v) => v / state.gaSteps);
  return switchLoadBalancingLossFunc(scores, averaged, totalNumTokens, topk, numExperts, coeff);
}

/** z_loss_func(logits, z_loss_coeff, padding_mask). */
export function zLossFunc(logits: Mat, coeff: number, paddingMask?: boolean[]): number {
  const z = logits.map((r) => {
    const m = Math.max(...r);
    const lse = m + Math.log(r.reduce((s, v) => s + Math.exp(v - m), 0));
    return lse * lse;
  });
  if (paddingMask) {
    const valid = paddingMask.map((p): number => (p ? 0 : 1));
    const n = valid.reduce((a, b) => a + b, 0);
    return (z.reduce((s, v, t) => s + v * valid[t]!, 0) / Math.max(n, 1)) * coeff;
  }
  return (z.reduce((a, b) => a + b, 0) / z.length) * coeff;
}

/** transformers load_balancing_loss_func(gate_logits, num_experts, top_k, attention_mask). */
export function loadBalancingLossFunc(gateLogits: Mat[], numExperts: number, topK: number, attentionMask?: number[][]): number {
  const concatenated = gateLogits.flat();
  const routingWeights = concatenated.map(softmaxRow);
  const selected = routingWeights.map((r) => topkIndices(r, topK));
  // expert_mask [L·T, K, E]
  const expertMask = selected.map((ks) => ks.map((e) => Array.from({ length: numExperts }, (_, j) => (j === e ? 1 : 0))));
  let tokensPerExpert: Mat; // [K, E]
  let routerProbPerExpert: number[];
  if (!attentionMask) {
    tokensPerExpert = Array.from({ length: topK }, (_, k) => Array.from({ length: numExperts }, (_, e) => expertMask.reduce((s, m) => s + m[k]![e]!, 0) / expertMask.length));
    routerProbPerExpert = Array.from({ length: numExperts }, (_, e) => routingWeights.reduce((s, r) => s + r[e]!, 0) / routingWeights.length);
  } else {
    const flatMask = attentionMask.flat();
    const maskOf = (row: number) => flatMask[row % flatMask.length]!; // expanded over layers
    const denom = concatenated.reduce((s, _, row) => s + maskOf(row), 0);
    tokensPerExpert = Array.from({ length: topK }, (_, k) => Array.from({ length: numExperts }, (_, e) => expertMask.reduce((s, m, row) => s + m[k]![e]! * maskOf(row), 0) / denom));
    routerProbPerExpert = Array.from({ length: numExperts }, (_, e) => routingWeights.reduce((s, r, row) => s + r[e]! * maskOf(row), 0) / denom);
  }
  let overall = 0;
  for (let k = 0; k < topK; k++) for (let e = 0; e < numExperts; e++) overall += tokensPerExpert[k]![e]! * routerProbPerExpert[e]!;
  return overall * numExperts;
}
