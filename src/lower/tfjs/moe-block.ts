/**
 * TensorFlow.js target — one MoE block (docs/semantics.md §MoE block and §Training-only
 * terms): router logits and scores, the routing plan (router.ts), differentiable gate
 * weights, routed experts by sparse dispatch (moe-dispatch.ts) or the dense-masked reference
 * (moe-dense.ts), shared experts, and the block's router losses (balance-loss.ts).
 *
 * The gate weights w[t, k] = s[t, choice(t, k)] are gathered from the scores with a
 * customGrad gather whose backward scatters through the inverse map, so the router learns
 * from the weights of the experts it chose (tf.topk itself has no gradient).
 */
import * as tf from '@tensorflow/tfjs';
import type { MoeIR } from '../../ir/types.js';
import type { Getter, OptionalGetter } from './attention.js';
import { ffn } from './ffn.js';
import { linear } from './matmul.js';
import { denseExperts } from './moe-dense.js';
import { gatherRows, sparseExperts } from './moe-dispatch.js';
import { planRouting, type RoutingPlan } from './router.js';
import { balanceCoefficients, balanceLoss, balanceScores, zLoss, type GlobalCounts, type TokenLayout } from './balance-loss.js';

export type DispatchMode = 'sparse' | 'dense';

export interface MoeBlockOptions {
  training: boolean;
  /** Seed for the jitter noise of this block (training only). */
  seed: number;
  dispatch: DispatchMode;
  /** Sequences, padding and rank groups of the batch (balance-loss.ts). */
  layout: TokenLayout;
  /** Earlier micro-batches' counts for aux_loss_type global. */
  global?: GlobalCounts;
}

export interface MoeBlockResult {
  /** [T, H] */
  y: tf.Tensor;
  /** The balance loss α·E·Σ_e f_e·P_e of router.auxLossType (already scaled); absent when α is 0. */
  aux?: tf.Tensor;
  /** z_loss · mean over real tokens of logsumexp(l_t)²; absent when the coefficient is 0. */
  z?: tf.Tensor;
  /** Plain top-K counts of this batch's real tokens (accumulated for aux_loss_type global); with aux. */
  balanceCounts?: Float64Array;
  plan: RoutingPlan;
}

/** w[t, k] = s[t, choice(t, k)], differentiable in s. s: [T, E]. */
function gateWeights(s: tf.Tensor, plan: RoutingPlan): tf.Tensor {
  const { tokens: T, topK: K, experts: E } = plan;
  const idx = new Int32Array(T * K);
  const inv = new Int32Array(T * E).fill(T * K);
  for (let a = 0; a < T * K; a++) {
    const flat = Math.floor(a / K) * E + plan.choice[a]!;
    idx[a] = flat;
    inv[flat] = a;
  }
  const picked = gatherRows(tf.reshape(s, [T * E, 1]), idx, inv, 1);
  return tf.reshape(picked, [T, K]);
}

/** The MoE block at `p` (`layers.1.moe`) on x [T, H]. */
export function moeBlock(m: MoeIR, x: tf.Tensor, get: Getter, opt: OptionalGetter, p: string, o: MoeBlockOptions): MoeBlockResult {
  const r = m.router;
  const [T] = x.shape as number[];
  const E = m.experts;
  const routerIn = o.training && r.jitter > 0 ? tf.mul(x, tf.randomUniform(x.shape, 1 - r.jitter, 1 + r.jitter, 'float32', o.seed)) : x;
  const logits = linear(routerIn, get(`${p}.router.weight`), opt(`${p}.router.bias`));
  const s = r.score === 'softmax' ? tf.softmax(logits) : tf.sigmoid(logits);
  const bias = r.biasUpdate > 0 ? (get(`${p}.router.score_bias`).dataSync() as Float32Array) : undefined;
  const plan = planRouting(s.dataSync() as Float32Array, T!, E, r, bias, o.layout.valid);

  let w = gateWeights(s, plan);
  if (r.normTopK) w = tf.div(w, tf.add(tf.sum(w, 1, true), 1e-20));
  if (r.scaling !== 1) w = tf.mul(w, r.scaling);
  const routed = (o.dispatch === 'sparse' ? sparseExperts : denseExperts)(x, w, plan, m.expert, get, opt, p);

  let y = routed;
  if (m.shared) {
    let shared = ffn(m.shared, x, get, opt, `${p}.shared`);
    if (m.shared.gate) shared = tf.mul(shared, tf.sigmoid(linear(x, get(`${p}.shared.gate.weight`))));
    y = tf.add(y, shared);
  }

  const result: MoeBlockResult = { y, plan };
  if (r.auxLoss > 0) {
    // f is a constant (plain top-K counts, no gradient); P carries the gradient.
    const p = r.score === 'softmax' ? s : balanceScores(logits, r.score);
    const terms = balanceCoefficients(p.dataSync() as Float32Array, T!, E, r, o.layout, o.global);
    result.aux = balanceLoss(p, terms.coefficients);
    result.balanceCounts = terms.counts;
  }
  if (r.zLoss > 0) result.z = zLoss(logits, r.zLoss, o.layout);
  return result;
}
