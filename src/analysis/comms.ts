/**
 * Analysis phase — communication volume per training step, bytes sent per device
 * (docs/explain.md). Routing is assumed balanced.
 *
 * All-to-all, per MoE layer: each device dispatches the k copies of its T tokens
 * (T = micro_batch × seq_len / context, ÷ tensor with sequence parallelism) to the experts'
 * ranks and gets the outputs back (combine); the backward pass sends the gradients of both.
 * The fraction (E−1)/E of that stays off-device with E expert ranks:
 *   per layer per micro-batch = 4 × T × k × hidden × bytes × (E−1)/E, times m micro-batches.
 * Data-parallel gradient reduction per step (ring all-reduce, or reduce-scatter + all-gather
 * of parameters under ZeRO — the same volume): 2(N−1)/N × gradient bytes, over N = data ×
 * context for non-expert gradients and the expert-data-parallel degree for expert gradients.
 * Pipeline: each stage boundary carries T × hidden × bytes forward and the same back per micro-batch.
 * Tensor-parallel all-reduces inside layers are not counted.
 */
import type { ModelIR } from '../ir/types.js';
import { activationShape } from './activations.js';
import { createMemoryPlan, type MemoryPlan } from './memory.js';
import { createPlacement } from './placement.js';

export interface CommPlan {
  microBatches: number;
  /** Tokens per device per micro-batch entering the dispatch. */
  tokens: number;
  /** Per MoE layer per step, sent by one device (0 when expert degree is 1). */
  allToAllPerMoeLayer: number;
  /** All MoE layers of the busiest stage, per step, per device. */
  allToAllPerStep: number;
  /** Gradient reduction per step per device (peak stage): non-expert and expert parts. */
  dataParallel: { dense: number; expert: number; total: number; denseGroup: number; expertGroup: number };
  /** Per stage boundary per step, each direction. */
  pipelinePerBoundary: number;
}

const ring = (n: number): number => (n > 1 ? (2 * (n - 1)) / n : 0);

export function createCommPlan(ir: ModelIR, memory: MemoryPlan = createMemoryPlan(ir)): CommPlan {
  const p = ir.parallel;
  const sh = activationShape(ir);
  const T = sh.tokens / (p.sequenceParallel ? p.tensor : 1);
  const m = memory.microBatches;
  const moe = ir.layers.find((l) => l.ffn.kind === 'moe')?.ffn;
  const k = moe?.kind === 'moe' ? moe.router.topK : 0;
  const E = p.expert;
  const perLayer = E > 1 ? 4 * T * k * ir.hidden * sh.bytes * ((E - 1) / E) * m : 0;
  const moeOnStage = Math.max(0, ...Array.from({ length: p.pipeline }, (_, s) => ir.layers.filter((l) => l.stage === s && l.ffn.kind === 'moe').length));
  const placement = createPlacement(ir);
  const peak = memory.peak;
  const gradBytes = memory.bytesPerParam.grads;
  const dense = ring(placement.denseDataParallel) * peak.params.dense * gradBytes;
  const expert = ring(placement.expertDataParallel) * peak.params.expert * gradBytes;
  return {
    microBatches: m,
    tokens: T,
    allToAllPerMoeLayer: perLayer,
    allToAllPerStep: perLayer * moeOnStage,
    dataParallel: { dense, expert, total: dense + expert, denseGroup: placement.denseDataParallel, expertGroup: placement.expertDataParallel },
    pipelinePerBoundary: p.pipeline > 1 ? 2 * sh.tokens * ir.hidden * sh.bytes * m / (p.sequenceParallel ? p.tensor : 1) : 0,
  };
}
