/**
 * Analysis phase — the per-device memory plan (docs/explain.md). Devices of one pipeline
 * stage are alike (experts divide evenly over expert ranks), so the plan has one row per stage.
 *
 * Model states, per parameter held (the ZeRO paper's accounting, Rajbhandari et al. 2020):
 *   fp32 training:       weights 4 B, gradients 4 B, optimizer = moments × 4 B
 *   bf16/fp16 (mixed):   weights 2 B, gradients 2 B, optimizer = 4 B fp32 master copy + moments × 4 B
 *   moments: adam/adamw 2, lion and momentum 1, sgd 1 if momentum > 0, adafactor factored
 *   (rows + columns per matrix). Buffers that are not trained (routing correction bias) hold
 *   weights only.
 * What a device holds: non-expert matrices of its stage split over tensor ranks (vectors and
 *   routers replicated); experts/expert of each MoE layer's experts, split over expert_tensor.
 * ZeRO: stage ≥ 1 shards optimizer state, ≥ 2 also gradients, 3 also weights — non-expert
 *   state over data × context ranks, expert state over the expert-data-parallel group
 *   (data × tensor × context / (expert × expert_tensor)).
 * Activations: src/analysis/activations.ts per layer and micro-batch, times the micro-batches
 *   in flight under 1F1B — stage s of p holds min(p − s, m) — (× (1 + (p−1)/(p·v)) when
 *   interleaved with v virtual stages); under full recomputation plus one layer's working set,
 *   under selective plus one layer's recomputed score matrix.
 *   The first stage adds the embedding output, the last the final-norm input and fp32 logits
 *   (T × vocab / tensor × 4 B), and each MTP module its layer and logits.
 */
import type { ModelIR, TensorIR } from '../ir/types.js';
import { activationShape, layerActivations, type LayerActivations } from './activations.js';
import { numel } from './params.js';
import { createPlacement, stageOf } from './placement.js';

export type CheckpointMode = 'none' | 'selective' | 'full';

export interface StageMemory {
  stage: number;
  devices: number;
  /** Parameters held per device before ZeRO-3 sharding: non-expert and expert. */
  params: { dense: number; expert: number };
  weights: number;
  grads: number;
  optimizer: number;
  /** Activation bytes under each checkpointing mode, and under the spec's. */
  activations: Record<CheckpointMode, number>;
  activationsUsed: number;
  /** Micro-batches whose activations this stage holds at its peak. */
  inFlight: number;
  total: number;
}

export interface MemoryPlan {
  precision: ModelIR['train']['precision'];
  zero: number;
  checkpointing: CheckpointMode;
  /** Micro-batches per step per pipeline: batch / (data × micro_batch). */
  microBatches: number;
  bytesPerParam: { weights: number; grads: number; optimizer: number };
  stages: StageMemory[];
  /** The stage with the largest total. */
  peak: StageMemory;
  /** Device memory from the spec, when given. */
  capacity?: number;
}

function moments(ir: ModelIR): number {
  const o = ir.train.optimizer;
  switch (o.type) {
    case 'adam':
    case 'adamw':
      return 2;
    case 'lion':
    case 'momentum':
      return 1;
    case 'sgd':
      return o.momentum > 0 ? 1 : 0;
    case 'adafactor':
      return 0; // factored state is counted per tensor below
  }
}

/** Optimizer-state elements beyond the per-parameter moments (Adafactor's factored second moment). */
function factoredState(ir: ModelIR, t: TensorIR): number {
  if (ir.train.optimizer.type !== 'adafactor') return 0;
  return t.shape.length >= 2 ? t.shape[0] + t.shape.slice(1).reduce((a, b) => a * b, 1) : numel(t);
}

/** Split factor of a tensor on one device: tensor ranks for matrices, expert ranks for experts. */
function devicesSharing(ir: ModelIR, t: TensorIR): number {
  const p = ir.parallel;
  if (t.expert !== undefined) return p.expert * p.expertTensor;
  if (t.shape.length < 2 || t.group === 'router' || t.group === 'norms') return 1;
  return p.tensor;
}

export function createMemoryPlan(ir: ModelIR): MemoryPlan {
  const p = ir.parallel;
  const placement = createPlacement(ir);
  const mixed = ir.train.precision !== 'fp32';
  const w = mixed ? 2 : 4;
  const opt = (mixed ? 4 : 0) + 4 * moments(ir);
  const checkpointing = ir.train.checkpointing;
  const shardDense = p.zero >= 1 ? placement.denseDataParallel : 1;
  const shardExpert = p.zero >= 1 ? placement.expertDataParallel : 1;
  const microBatches = Math.max(1, Math.ceil(ir.train.batch / (p.data * p.microBatch)));
  const sh = activationShape(ir);
  const T = sh.tokens;

  // One pass to bucket tensors by stage (the tensor list of a large model has ~50k entries).
  const layerStage = new Map([...ir.layers, ...ir.mtpLayers].map((l) => [l.index, l.stage]));
  const byStage: TensorIR[][] = Array.from({ length: p.pipeline }, () => []);
  for (const t of ir.tensors) byStage[stageOf(ir, t, layerStage)].push(t);

  const stages: StageMemory[] = placement.stages.map((sp) => {
    const s = sp.stage;
    let dense = 0;
    let expert = 0;
    let weights = 0;
    let grads = 0;
    let optimizer = 0;
    const held = byStage[s];
    // A tied embedding also lives on the last stage, for the head (Megatron keeps both copies in sync).
    if (ir.tieEmbeddings && p.pipeline > 1 && s === p.pipeline - 1) held.push(ir.tensors[0]);
    for (const t of held) {
      const n = numel(t) / devicesSharing(ir, t);
      const shard = t.expert !== undefined ? shardExpert : shardDense;
      if (t.expert !== undefined) expert += n;
      else dense += n;
      weights += (n * w) / (p.zero >= 3 ? shard : 1);
      if (!t.trainable) continue;
      grads += (n * w) / (p.zero >= 2 ? shard : 1);
      const extra = (factoredState(ir, t) / devicesSharing(ir, t)) * 4;
      optimizer += (n * opt + extra) / shard;
    }

    const layers = [...ir.layers.filter((l) => l.stage === s), ...(s === p.pipeline - 1 ? ir.mtpLayers : [])];
    const per: LayerActivations[] = layers.map((l) => layerActivations(l, ir.hidden, sh));
    const sum = (k: keyof LayerActivations): number => per.reduce((a, x) => a + x[k], 0);
    const interleave = p.virtualStages > 1 ? 1 + (p.pipeline - 1) / (p.pipeline * p.virtualStages) : 1;
    const inFlight = Math.min(p.pipeline - s, microBatches) * interleave;
    const tpSplit = sh.sequenceParallel ? p.tensor : 1;
    let edges = 0;
    if (s === 0) edges += (T * sh.bytes * ir.hidden) / tpSplit;
    const logits = (T * ir.vocab * 4) / p.tensor;
    if (s === p.pipeline - 1) edges += (T * sh.bytes * ir.hidden) / tpSplit + logits * (1 + ir.mtpDepth);
    // Recomputation happens one layer at a time in backward, so each mode that recomputes adds
    // that layer's rebuilt tensors once: full the whole layer, selective its attention core (the
    // score matrix is materialized again while that layer's backward runs). Without the latter
    // selective would read lower than full at long context, which no run shows.
    const workingSet = Math.max(0, ...per.map((x) => x.none));
    const coreSet = Math.max(0, ...per.map((x) => x.none - x.selective));
    const activations: Record<CheckpointMode, number> = {
      none: sum('none') * inFlight + edges,
      selective: sum('selective') * inFlight + edges + coreSet,
      full: sum('full') * inFlight + edges + workingSet,
    };
    const activationsUsed = activations[checkpointing];
    return {
      stage: s,
      devices: sp.devices,
      params: { dense, expert },
      weights,
      grads,
      optimizer,
      activations,
      activationsUsed,
      inFlight,
      total: weights + grads + optimizer + activationsUsed,
    };
  });
  const peak = stages.reduce((a, b) => (b.total > a.total ? b : a));
  return {
    precision: ir.train.precision,
    zero: p.zero,
    checkpointing,
    microBatches,
    bytesPerParam: { weights: w, grads: w, optimizer: opt },
    stages,
    peak,
    ...(p.device ? { capacity: p.device.memory } : {}),
  };
}
