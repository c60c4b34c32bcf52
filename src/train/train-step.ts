/**
 * Training phase — one optimizer step: `gradAccum` micro-batches through the model's
 * lossAndGrads (gradients averaged, as Megatron and DeepSpeed do, so the effective batch is
 * micro × accum), global-norm clipping, the optimizer update at this step's learning rate,
 * then aux-loss-free router-bias balancing with the loads of the whole step. The balance
 * counts of aux_loss_type global run over the step's micro-batches (a fresh state per step).
 * Every gradient tensor is disposed before returning: tensor counts stay flat.
 */
import * as tf from '@tensorflow/tfjs';
import type { RoutingStats, TfjsModel } from '../lower/tfjs/model.js';
import { updateRouterBias } from '../lower/tfjs/model.js';
import { addGlobalCounts, type GlobalBalanceState } from '../lower/tfjs/balance-loss.js';
import { clipByGlobalNorm } from './clip.js';
import type { Optimizer } from './optimizer.js';
import { stepSeed } from './rng.js';
import type { Sampler } from './sampler.js';

export interface StepResult {
  loss: number;
  ce: number;
  auxLoss: number;
  zLoss: number;
  gradNorm: number;
  clipped: boolean;
  stats: RoutingStats;
  tokens: number;
}

export interface StepConfig {
  /** Sequences per micro-batch. */
  microBatch: number;
  gradAccum: number;
  gradClip: number;
  seed: number;
}

/**
 * The step's routing statistics: means of the micro-batches' fractions and entropies, and the
 * sum of their kept-load counts (the bias update balances the whole step's counts).
 */
function meanStats(all: RoutingStats[]): RoutingStats {
  const first = all[0]!;
  if (all.length === 1) return first;
  const n = all.length;
  return {
    moeLayers: first.moeLayers,
    expertLoad: first.expertLoad.map((row, l) => row.map((_, e) => all.reduce((s, st) => s + st.expertLoad[l]![e]!, 0) / n)),
    keptLoad: first.keptLoad.map((row, l) => row.map((_, e) => all.reduce((s, st) => s + st.keptLoad[l]![e]!, 0))),
    routerEntropy: first.routerEntropy.map((_, l) => all.reduce((s, st) => s + st.routerEntropy[l]!, 0) / n),
    droppedFraction: first.droppedFraction.map((_, l) => all.reduce((s, st) => s + st.droppedFraction[l]!, 0) / n),
  };
}

/** Run step `step` (0-based). When the loss or the gradient norm is not finite, nothing is applied (the caller stops). */
export function trainStep(model: TfjsModel, optimizer: Optimizer, sampler: Sampler, step: number, lr: number, cfg: StepConfig): StepResult {
  let grads: Map<string, tf.Tensor> | undefined;
  const stats: RoutingStats[] = [];
  let loss = 0;
  let ce = 0;
  let auxLoss = 0;
  let zLoss = 0;
  let tokens = 0;
  const scale = 1 / cfg.gradAccum;
  const global: GlobalBalanceState = new Map();
  for (let micro = 0; micro < cfg.gradAccum; micro++) {
    const b = sampler.next(cfg.microBatch);
    tokens += b.valid ? b.valid.reduce((n, v) => n + v, 0) : b.rows * b.seqLen;
    const inputs = tf.tensor2d(b.inputs, [b.rows, b.seqLen], 'int32');
    const targets = tf.tensor2d(b.targets, [b.rows, b.seqLen], 'int32');
    // Packed rows (packing.ts): padding leaves the router statistics, documents stay apart.
    const mask = b.valid ? tf.tensor2d(b.valid, [b.rows, b.seqLen], 'int32') : undefined;
    const layout = b.segments ? { batch: b.rows, seq: b.seqLen, segments: b.segments, positions: b.positions! } : undefined;
    const r = model.lossAndGrads({ inputs, targets, mask, layout }, { training: true, seed: stepSeed(cfg.seed, step, micro), global });
    addGlobalCounts(global, r.balanceCounts);
    inputs.dispose();
    targets.dispose();
    mask?.dispose();
    loss += r.loss * scale;
    ce += r.ce * scale;
    auxLoss += r.auxLoss * scale;
    zLoss += r.zLoss * scale;
    stats.push(r.stats);
    if (cfg.gradAccum === 1) grads = r.grads;
    else if (!grads) {
      grads = new Map();
      for (const [name, g] of r.grads) {
        grads.set(name, tf.tidy(() => g.mul(scale)));
        g.dispose();
      }
    } else {
      for (const [name, g] of r.grads) {
        const acc = grads.get(name)!;
        grads.set(name, tf.tidy(() => acc.add(g.mul(scale))));
        acc.dispose();
        g.dispose();
      }
    }
  }
  const merged = meanStats(stats);
  if (!Number.isFinite(loss)) {
    for (const g of grads!.values()) g.dispose();
    return { loss, ce, auxLoss, zLoss, gradNorm: NaN, clipped: false, stats: merged, tokens };
  }
  const clipped = clipByGlobalNorm(grads!, cfg.gradClip);
  if (!Number.isFinite(clipped.norm)) {
    // Overflowed gradients would poison the weights and the optimizer state: apply nothing.
    for (const g of clipped.grads.values()) g.dispose();
    return { loss, ce, auxLoss, zLoss, gradNorm: clipped.norm, clipped: false, stats: merged, tokens };
  }
  optimizer.apply(model.variables, clipped.grads, lr);
  for (const g of clipped.grads.values()) g.dispose();
  // LoRA freezes the base, routing bias included (HF's modeling never updates it either).
  if (!model.ir.train.lora) updateRouterBias(model.variables, merged, model.ir);
  return { loss, ce, auxLoss, zLoss, gradNorm: clipped.norm, clipped: clipped.clipped, stats: merged, tokens };
}
