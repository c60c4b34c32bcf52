/**
 * moec's router losses against transcriptions of the reference formulas (router-loss-reference.ts:
 * Megatron-Core d98e8a6 moe_utils.py / router.py, transformers 00d4b3d modeling_mixtral.py), on
 * fixed random routings, through the MoE block the trainer runs (an identity router, so the
 * router logits are the block's input). Tolerance 1e-6 absolute on losses of order 1 (float32
 * tape against a float64 transcription).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MoeIR, RouterIR } from '../../../src/ir/types.js';
import type { GlobalCounts, TokenLayout } from '../../../src/lower/tfjs/balance-loss.js';
import { moeBlock } from '../../../src/lower/tfjs/moe-block.js';
import { hfRouterFields } from '../../../src/interop/router-losses.js';
import { fillNormal } from '../../../src/weights/init-weights.js';
import * as ref from './router-loss-reference.js';
import { useBackend } from './helpers.js';

const E = 6;
const TOL = 1e-6;

function router(over: Partial<RouterIR>): RouterIR {
  return {
    topK: 2, score: 'softmax', normTopK: true, scaling: 1, groups: 1, topGroups: 1, groupScore: 'max',
    overflow: 'no_drop', dropPolicy: 'probs', jitter: 0, auxLoss: 1, auxLossType: 'batch', zLoss: 0, biasUpdate: 0, bias: false, ...over,
  };
}

/** Logits [B·S][E], moec's batch-major token order (b·S + s). */
function randomLogits(B: number, S: number, seed: string, scale = 1.5): number[][] {
  const a = new Float32Array(B * S * E);
  fillNormal(a, scale, 3, seed);
  return Array.from({ length: B * S }, (_, t) => Array.from(a.subarray(t * E, (t + 1) * E)));
}

/** Megatron's [seq, batch] row order: row s·B + b. */
const megatronOrder = (rows: number[][], B: number, S: number) => Array.from({ length: S * B }, (_, r) => rows[(r % B) * S + Math.floor(r / B)]!);
/** Megatron's padding_mask (True = padding) in its row order, from moec's valid mask. */
const megatronPadding = (valid: Uint8Array, B: number, S: number) => Array.from({ length: S * B }, (_, r) => valid[(r % B) * S + Math.floor(r / B)] === 0);

/** The block's balance loss, z-loss and counts on the given logits. */
function moecLosses(logits: number[][], r: RouterIR, layout: TokenLayout, global?: GlobalCounts) {
  const m: MoeIR = { kind: 'moe', experts: E, expert: { ffn: 3, activation: 'swiglu', bias: false }, router: r };
  const values = new Map<string, tf.Tensor>();
  const eye = new Float32Array(E * E);
  for (let i = 0; i < E; i++) eye[i * E + i] = 1;
  values.set('moe.router.weight', tf.tensor2d(eye, [E, E]));
  for (let e = 0; e < E; e++) {
    for (const [p, shape] of [['gate_proj', [E, 3]], ['up_proj', [E, 3]], ['down_proj', [3, E]]] as const) {
      const a = new Float32Array(shape[0] * shape[1]);
      fillNormal(a, 0.3, 1, `${e}.${p}`);
      values.set(`moe.experts.${e}.${p}.weight`, tf.tensor2d(a, [...shape]));
    }
  }
  let result!: { aux: number; z: number; counts?: Float64Array };
  try {
    tf.tidy(() => {
      const out = moeBlock(m, tf.tensor2d(logits.flat(), [logits.length, E]), (n) => values.get(n)!, (n) => values.get(n), 'moe', { training: true, seed: 0, dispatch: 'sparse', layout, global });
      result = { aux: out.aux?.dataSync()[0] ?? 0, z: out.z?.dataSync()[0] ?? 0, counts: out.balanceCounts };
    });
    return result;
  } finally {
    for (const v of values.values()) v.dispose();
  }
}

beforeAll(async () => {
  await useBackend('cpu');
});

describe('balance loss = Megatron-Core (router.py / moe_utils.py at d98e8a6)', () => {
  it('batch = _apply_aux_loss (switch_load_balancing_loss_func), softmax', () => {
    const [B, S] = [2, 6];
    const logits = randomLogits(B, S, 'batch');
    const r = router({});
    const { scores, routingMap } = ref.computeRoutingScoresForAuxLoss(megatronOrder(logits, B, S), 2, 'softmax');
    const expected = ref.applyAuxLoss(scores, routingMap, 2, E, 1, false);
    expect(Math.abs(moecLosses(logits, r, { sequences: B, rankSequences: B }).aux - expected)).toBeLessThan(TOL);
  });

  it('batch, sigmoid scores normalised over experts, f ignoring group limits and score bias, padded', () => {
    const [B, S] = [2, 6];
    const logits = randomLogits(B, S, 'batch-sigmoid');
    const valid = Uint8Array.from({ length: B * S }, (_, t) => (t === 4 || t === 5 || t === 11 ? 0 : 1));
    // Group-limited routing selects within one of two groups; the balance loss counts the plain top-K.
    const r = router({ score: 'sigmoid', groups: 2, topGroups: 1, topK: 3 });
    const { scores, routingMap } = ref.computeRoutingScoresForAuxLoss(megatronOrder(logits, B, S), 3, 'sigmoid', megatronPadding(valid, B, S));
    const expected = ref.applyAuxLoss(scores, routingMap, 3, E, 1, true);
    expect(Math.abs(moecLosses(logits, r, { sequences: B, rankSequences: B, valid }).aux - expected)).toBeLessThan(TOL);
  });

  it('batch over two data-parallel ranks = the mean of the ranks’ _apply_aux_loss (DDP averages gradients)', () => {
    const [B, S] = [4, 3];
    const logits = randomLogits(B, S, 'ranks');
    const perRank = [0, 1].map((rank) => {
      const rows = logits.slice(rank * 2 * S, (rank + 1) * 2 * S);
      const { scores, routingMap } = ref.computeRoutingScoresForAuxLoss(megatronOrder(rows, 2, S), 2, 'softmax');
      return ref.applyAuxLoss(scores, routingMap, 2, E, 1, false);
    });
    const got = moecLosses(logits, router({}), { sequences: B, rankSequences: 2 }).aux;
    expect(Math.abs(got - (perRank[0]! + perRank[1]!) / 2)).toBeLessThan(TOL);
  });

  it('sequence = _apply_seq_aux_loss (DeepSeek-V3 sequence-wise loss), softmax', () => {
    const [B, S] = [3, 5];
    const logits = randomLogits(B, S, 'seq');
    const { scores, routingMap } = ref.computeRoutingScoresForAuxLoss(megatronOrder(logits, B, S), 2, 'softmax');
    const expected = ref.applySeqAuxLoss(scores, routingMap, S, B, 2, E, 1, false);
    const got = moecLosses(logits, router({ auxLossType: 'sequence' }), { sequences: B, rankSequences: B }).aux;
    expect(Math.abs(got - expected)).toBeLessThan(TOL);
    // Not the batch loss: the sequence-wise one is larger on the same routing.
    expect(got - moecLosses(logits, router({}), { sequences: B, rankSequences: B }).aux).toBeGreaterThan(1e-3);
  });

  it('sequence, sigmoid, right-padded sequences of unequal length (Megatron’s mean valid length)', () => {
    const [B, S] = [3, 6];
    const logits = randomLogits(B, S, 'seq-pad');
    const lengths = [6, 4, 2];
    const valid = Uint8Array.from({ length: B * S }, (_, t) => (t % S < lengths[Math.floor(t / S)]! ? 1 : 0));
    const { scores, routingMap } = ref.computeRoutingScoresForAuxLoss(megatronOrder(logits, B, S), 2, 'sigmoid', megatronPadding(valid, B, S));
    const expected = ref.applySeqAuxLoss(scores, routingMap, S, B, 2, E, 1, true);
    const got = moecLosses(logits, router({ auxLossType: 'sequence', score: 'sigmoid' }), { sequences: B, rankSequences: B, valid }).aux;
    expect(Math.abs(got - expected)).toBeLessThan(TOL);
  });

  it('global = _apply_global_aux_loss over the micro-batches of a global batch (running mean of counts)', () => {
    const [B, S] = [2, 5];
    const micro = [randomLogits(B, S, 'g0'), randomLogits(B, S, 'g1'), randomLogits(B, S, 'g2')];
    const valid = Uint8Array.from({ length: B * S }, (_, t) => (t === 9 ? 0 : 1));
    const state: ref.GlobalAuxState = { globalTokensPerExpert: new Array<number>(E).fill(0), gaSteps: 0 };
    let global: GlobalCounts | undefined;
    const r = router({ auxLossType: 'global', score: 'sigmoid' });
    for (const logits of micro) {
      const { scores, routingMap } = ref.computeRoutingScoresForAuxLoss(megatronOrder(logits, B, S), 2, 'sigmoid', megatronPadding(valid, B, S));
      const expected = ref.applyGlobalAuxLoss(state, scores, routingMap, 2, E, 1, true);
      const got = moecLosses(logits, r, { sequences: B, rankSequences: 1, valid }, global);
      expect(Math.abs(got.aux - expected)).toBeLessThan(TOL);
      global = global
        ? { counts: global.counts.map((c, e) => c + got.counts![e]!), steps: global.steps + 1 }
        : { counts: Float64Array.from(got.counts!), steps: 1 };
    }
    expect(global!.counts).toEqual(Float64Array.from(state.globalTokensPerExpert));
  });
});

describe('z-loss = Megatron-Core z_loss_func', () => {
  it('mean over tokens, and over real tokens with a padding mask', () => {
    const [B, S] = [2, 5];
    const logits = randomLogits(B, S, 'z', 3);
    const r = router({ auxLoss: 0, zLoss: 0.7 });
    const plain = moecLosses(logits, r, { sequences: B, rankSequences: B }).z;
    expect(Math.abs(plain - ref.zLossFunc(megatronOrder(logits, B, S), 0.7))).toBeLessThan(TOL);
    const valid = Uint8Array.from({ length: B * S }, (_, t) => (t >= 7 ? 0 : 1));
    const masked = moecLosses(logits, r, { sequences: B, rankSequences: B, valid }).z;
    expect(Math.abs(masked - ref.zLossFunc(megatronOrder(logits, B, S), 0.7, megatronPadding(valid, B, S)))).toBeLessThan(TOL);
  });
});

describe('balance loss vs transformers load_balancing_loss_func (modeling_mixtral.py at 00d4b3d)', () => {
  const [B, S, K, alpha] = [2, 6, 2, 0.01];
  const layout: TokenLayout = { sequences: B, rankSequences: B };
  /** HF's loss term router_aux_loss_coef × load_balancing_loss_func, with the coefficient hfRouterFields emits. */
  const hfTerm = (layers: number[][][], mask?: number[][]) => {
    const coef = hfRouterFields(router({ auxLoss: alpha }), 'mixtral', { moeLayers: layers.length }).fields.router_aux_loss_coef as number;
    return coef * ref.loadBalancingLossFunc(layers, E, K, mask);
  };
  const moecTerm = (layers: number[][][], valid?: Uint8Array) => layers.reduce((s, l) => s + moecLosses(l, router({ auxLoss: alpha }), { ...layout, valid }).aux, 0);

  it('one MoE layer, padded (attention_mask): router_aux_loss_coef = α / K reproduces moec exactly', () => {
    const logits = randomLogits(B, S, 'hf1');
    const mask = [[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0]];
    const valid = Uint8Array.from(mask.flat());
    expect(Math.abs(hfTerm([logits], mask) - moecTerm([logits], valid))).toBeLessThan(TOL);
  });

  it('layers with equal expert shares: router_aux_loss_coef = α × L / K reproduces moec’s per-layer sum', () => {
    // Scaling the logits keeps every token's top-K (equal shares f) and changes P.
    const base = randomLogits(B, S, 'hf3');
    const layers = [1, 2, 0.5].map((c) => base.map((r) => r.map((v) => v * c)));
    expect(Math.abs(hfTerm(layers) - moecTerm(layers))).toBeLessThan(TOL);
  });

  it('layers with different shares: pooling makes them differ (the MOE3811 warning)', () => {
    const layers = [randomLogits(B, S, 'hfa', 3), randomLogits(B, S, 'hfb', 3), randomLogits(B, S, 'hfc', 3)];
    const hf = hfTerm(layers);
    const moec = moecTerm(layers);
    expect(Math.abs(hf - moec) / moec).toBeGreaterThan(1e-3);
  });
});
