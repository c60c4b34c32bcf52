/**
 * TensorFlow.js target — the training graph over explicit variables. This is the API the
 * training loop (src/train/) builds on:
 *
 *   const vars = createVariables(ir, initWeights(ir, seed));           // variables.ts
 *   const { model, warnings } = createTfjsModel(ir, vars);
 *   const { logits, stats } = model.forward(ids, { training: false });  // logits [B, S, V]; caller disposes
 *   const r = model.lossAndGrads({ inputs, targets }, { seed: step });   // r.grads: IR name → gradient
 *   …optimizer step on r.grads, then dispose them (disposeGrads)…
 *   updateRouterBias(vars, r.stats, ir);                                  // aux-loss-free balancing
 *
 * - `inputs`, `targets`: int32 [batch, seq]; targets < 0 are ignored by the loss. `mask`
 *   (optional, [batch, seq], 1 = real token, 0 = padding) removes padded positions from every
 *   router loss and statistic; give padded positions a target < 0 as well.
 * - `loss = ce + auxLoss + zLoss`; auxLoss and zLoss are already scaled by the spec's
 *   coefficients and summed over MoE layers (balance-loss.ts: the three aux_loss_types).
 * - `global` (aux_loss_type global): the counts of the optimizer step's earlier micro-batches;
 *   the caller adds each result's `balanceCounts` to it (addGlobalCounts) and starts each step
 *   with an empty map.
 * - `grads` holds one tensor per *trainable* variable in IR order (variables the step did
 *   not reach, e.g. an expert that received no token, get zeros), so an optimizer sees the
 *   same keys every step. The caller owns and disposes them.
 * - `stats` (per MoE layer, in layer order; `moeLayers` gives the layer indices):
 *   `expertLoad[l][e]` = fraction of the real tokens' T·K assignments routed to e (before dropping),
 *   `keptLoad[l][e]` = real tokens' assignments e kept after dropping (a count: what the
 *   aux-loss-free bias balances, as Megatron counts its routing map after token dropping),
 *   `routerEntropy[l]` = mean entropy (nats) of a real token's score distribution,
 *   `droppedFraction[l]` = fraction of real tokens' assignments dropped by capacity.
 * - `seed` drives jitter and dropout; the same seed gives the same step (recompute relies on it).
 * - With train.checkpointing full/selective, lossAndGrads recomputes each layer in backward
 *   (recompute.ts); results are identical, live memory is lower.
 * Everything intermediate is created in tf.tidy / variableGrads scopes: tensor counts stay
 * flat across steps.
 */
import * as tf from '@tensorflow/tfjs';
import { createDiagnostic, type Diagnostic } from '../../diagnostics/diagnostic.js';
import type { ModelIR } from '../../ir/types.js';
import type { Checkpointing } from '../../spec/types.js';
import { decoderLayer, embedTokens, lmHead, type DecoderContext } from './decoder.js';
import { crossEntropy, sumTerms } from './loss.js';
import type { DispatchMode } from './moe-block.js';
import { recomputeLossAndGrads } from './recompute.js';
import type { RoutingPlan } from './router.js';
import type { LoraRuntime } from './lora.js';
import type { PackedLayout } from './packed-layout.js';
import type { ModelVariables } from './variables.js';
import type { GlobalBalanceState } from './balance-loss.js';

export interface RoutingStats {
  /** Layer index of each MoE layer the arrays below describe. */
  moeLayers: number[];
  expertLoad: number[][];
  keptLoad: number[][];
  routerEntropy: number[];
  droppedFraction: number[];
}

export interface ForwardOptions {
  training: boolean;
  seed?: number;
  /** Override the MoE dispatch (tests and benchmarks compare against `dense`). */
  dispatch?: DispatchMode;
  /** [batch, seq], 1 = real token, 0 = padding (statistics count real tokens only). */
  mask?: tf.Tensor;
  /** Packed documents per row (packed-layout.ts). */
  layout?: PackedLayout;
}

export interface LossOptions {
  /** Default true: jitter and dropout on. */
  training?: boolean;
  seed?: number;
  dispatch?: DispatchMode;
  /** aux_loss_type global: counts of this optimizer step's earlier micro-batches. */
  global?: GlobalBalanceState;
}

export interface Batch {
  inputs: tf.Tensor;
  targets: tf.Tensor;
  /** [batch, seq], 1 = real token, 0 = padding; absent = every token real. */
  mask?: tf.Tensor;
  /** Several documents per row: attention stays inside each, positions restart (packed-layout.ts). */
  layout?: PackedLayout;
}

export interface LossAndGrads {
  loss: number;
  ce: number;
  auxLoss: number;
  zLoss: number;
  grads: Map<string, tf.Tensor>;
  stats: RoutingStats;
  /** Per MoE layer index: plain top-K counts of this batch (for LossOptions.global). */
  balanceCounts: Map<number, Float64Array>;
}

export interface TfjsModel {
  readonly ir: ModelIR;
  readonly variables: ModelVariables;
  forward(ids: tf.Tensor, opts: ForwardOptions): { logits: tf.Tensor; stats: RoutingStats };
  lossAndGrads(batch: Batch, opts?: LossOptions): LossAndGrads;
}

export interface ModelOptions {
  dispatch?: DispatchMode;
  /** Default: the spec's train.checkpointing. */
  checkpointing?: Checkpointing;
  /** LoRA adapters (lora.ts): their terms join the adapted projections in every pass. */
  lora?: LoraRuntime;
}

export function routingStats(plans: { layer: number; plan: RoutingPlan }[]): RoutingStats {
  const stats: RoutingStats = { moeLayers: [], expertLoad: [], keptLoad: [], routerEntropy: [], droppedFraction: [] };
  for (const { layer, plan } of plans) {
    const total = plan.validTokens * plan.topK;
    const kept = plan.keptLoad.reduce((a, b) => a + b, 0);
    stats.moeLayers.push(layer);
    stats.expertLoad.push(Array.from(plan.routed, (c) => (total > 0 ? c / total : 0)));
    stats.keptLoad.push(Array.from(plan.keptLoad));
    stats.routerEntropy.push(plan.entropy);
    stats.droppedFraction.push(total > 0 ? (total - kept) / total : 0);
  }
  return stats;
}

/** The padding mask as 0/1 bytes, or undefined when absent. */
function validTokens(mask: tf.Tensor | undefined): Uint8Array | undefined {
  return mask ? Uint8Array.from(mask.dataSync(), (v) => (v > 0 ? 1 : 0)) : undefined;
}

export interface ContextOptions {
  mask?: tf.Tensor;
  global?: GlobalBalanceState;
  layout?: PackedLayout;
}

export function decoderContext(ir: ModelIR, vars: ModelVariables, training: boolean, seed: number, dispatch: DispatchMode, o: ContextOptions = {}): DecoderContext {
  const get = (name: string): tf.Tensor => {
    const v = vars.get(name);
    if (!v) throw new Error(`moec: the model has no variable \`${name}\``);
    return v;
  };
  return {
    ir, get, opt: (name) => vars.get(name), training, seed, dispatch,
    valid: validTokens(o.mask), rankSequences: ir.parallel.microBatch, global: o.global, layout: o.layout,
  };
}

/** Warnings for spec settings this target runs differently (shown once, when the model is built). */
function loweringWarnings(ir: ModelIR, checkpointing: Checkpointing): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (checkpointing === 'selective') out.push(createDiagnostic('MOE6002'));
  if (ir.mtpDepth > 0) out.push(createDiagnostic('MOE6004', { args: { depth: ir.mtpDepth } }));
  const grouped = ir.layers.some((l) => l.ffn.kind === 'moe' && ((l.ffn.router.auxLoss > 0 && l.ffn.router.auxLossType !== 'global') || l.ffn.router.zLoss > 0));
  const rows = ir.train.batch / ir.train.gradAccum;
  if (grouped && rows % ir.parallel.microBatch !== 0) {
    out.push(createDiagnostic('MOE6020', { args: { rows, micro_batch: ir.parallel.microBatch } }));
  }
  return out;
}

/** Zero gradients for trainable variables a step did not reach; IR order. */
export function completeGrads(vars: ModelVariables, grads: Record<string, tf.Tensor | null> | Map<string, tf.Tensor>): Map<string, tf.Tensor> {
  const lookup = grads instanceof Map ? (n: string) => grads.get(n) : (n: string) => grads[n] ?? undefined;
  const out = new Map<string, tf.Tensor>();
  for (const [name, v] of vars) {
    if (!v.trainable) continue;
    out.set(name, lookup(name) ?? tf.zerosLike(v));
  }
  return out;
}

export function disposeGrads(grads: Map<string, tf.Tensor>): void {
  for (const g of grads.values()) g.dispose();
}

function readScalar(t: tf.Tensor): number {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
}

export function createTfjsModel(ir: ModelIR, vars: ModelVariables, options: ModelOptions = {}): { model: TfjsModel; warnings: Diagnostic[] } {
  const dispatch = options.dispatch ?? 'sparse';
  const checkpointing = options.checkpointing ?? ir.train.checkpointing;

  const scoped = <T>(training: boolean, seed: number, fn: () => T): T => (options.lora ? options.lora.run(training, seed, fn) : fn());

  function forward(ids: tf.Tensor, opts: ForwardOptions): { logits: tf.Tensor; stats: RoutingStats } {
    return scoped(opts.training, opts.seed ?? 0, () => forwardPass(ids, opts));
  }

  function lossAndGrads(batch: Batch, opts: LossOptions = {}): LossAndGrads {
    return scoped(opts.training ?? true, opts.seed ?? 0, () => lossAndGradsPass(batch, opts));
  }

  function forwardPass(ids: tf.Tensor, opts: ForwardOptions): { logits: tf.Tensor; stats: RoutingStats } {
    const plans: { layer: number; plan: RoutingPlan }[] = [];
    const logits = tf.tidy(() => {
      const c = decoderContext(ir, vars, opts.training, opts.seed ?? 0, opts.dispatch ?? dispatch, { mask: opts.mask, layout: opts.layout });
      let h = embedTokens(c, ids);
      for (const layer of ir.layers) {
        const out = decoderLayer(layer, h, c);
        if (out.plan) plans.push({ layer: layer.index, plan: out.plan });
        h = out.h;
      }
      return lmHead(c, h);
    });
    return { logits, stats: routingStats(plans) };
  }

  function lossAndGradsPass(batch: Batch, opts: LossOptions): LossAndGrads {
    const c = decoderContext(ir, vars, opts.training ?? true, opts.seed ?? 0, opts.dispatch ?? dispatch, { mask: batch.mask, global: opts.global, layout: batch.layout });
    if (checkpointing !== 'none') return recomputeLossAndGrads(c, vars, batch);
    const plans: { layer: number; plan: RoutingPlan }[] = [];
    const balanceCounts = new Map<number, Float64Array>();
    let kept: tf.Tensor[] = [];
    const trainable = [...vars.values()].filter((v) => v.trainable);
    const { value, grads } = tf.variableGrads(() => {
      let h = embedTokens(c, batch.inputs);
      const aux: tf.Tensor[] = [];
      const z: tf.Tensor[] = [];
      for (const layer of ir.layers) {
        const out = decoderLayer(layer, h, c);
        if (out.plan) plans.push({ layer: layer.index, plan: out.plan });
        if (out.balanceCounts) balanceCounts.set(layer.index, out.balanceCounts);
        if (out.aux) aux.push(out.aux);
        if (out.z) z.push(out.z);
        h = out.h;
      }
      const ce = crossEntropy(lmHead(c, h), batch.targets);
      const auxSum = sumTerms(aux);
      const zSum = sumTerms(z);
      kept = [tf.keep(ce), tf.keep(auxSum), tf.keep(zSum)];
      return tf.addN([ce, auxSum, zSum]) as tf.Scalar;
    }, trainable);
    const [ce, auxLoss, zLoss] = kept.map(readScalar) as [number, number, number];
    return { loss: readScalar(value), ce, auxLoss, zLoss, grads: completeGrads(vars, grads), stats: routingStats(plans), balanceCounts };
  }

  return { model: { ir, variables: vars, forward, lossAndGrads }, warnings: loweringWarnings(ir, checkpointing) };
}

/**
 * Aux-loss-free balancing (DeepSeek-V3 §2.1.2), called by the loop after the optimizer step:
 * score_bias[e] += bias_update · sign(mean_load − load_e), with load_e = the step's real-token
 * assignments kept by expert e after capacity dropping (stats.keptLoad summed over the step's
 * micro-batches), as Megatron's get_updated_expert_bias over the routing map after dropping.
 */
export function updateRouterBias(vars: ModelVariables, stats: RoutingStats, ir: ModelIR): void {
  stats.moeLayers.forEach((index, i) => {
    const layer = ir.layers.find((l) => l.index === index);
    if (!layer || layer.ffn.kind !== 'moe' || layer.ffn.router.biasUpdate <= 0) return;
    const v = vars.get(`layers.${index}.moe.router.score_bias`);
    if (!v) return;
    const bias = nextRouterBias(v.dataSync() as Float32Array, stats.keptLoad[i]!, layer.ffn.router.biasUpdate);
    tf.tidy(() => v.assign(tf.tensor1d(bias)));
  });
}

/** score_bias after one aux-loss-free update: bias + γ·sign(mean load − load) per expert. */
export function nextRouterBias(current: Float32Array, load: readonly number[], gamma: number): Float32Array {
  const mean = load.reduce((a, b) => a + b, 0) / load.length;
  const bias = Float32Array.from(current);
  for (let e = 0; e < bias.length; e++) {
    // Loads are counts (or fractions of them): a difference below 1e-12 is rounding, i.e. a balanced expert.
    const d = mean - load[e]!;
    bias[e] = bias[e]! + gamma * (Math.abs(d) < 1e-12 ? 0 : Math.sign(d));
  }
  return bias;
}
