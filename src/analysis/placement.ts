/**
 * Analysis phase — where things sit in the parallel layout (docs/explain.md).
 * Pipeline: each layer's stage comes from the IR (Megatron-style contiguous chunks, see
 * src/ir/stages.ts); the embedding is on the first stage, the final norm, LM head and MTP
 * modules on the last (a tied embedding is kept on both, as Megatron does).
 * Experts: expert-parallel rank r of E ranks holds the contiguous block of experts
 * [r·n/E, (r+1)·n/E) of every MoE layer on its stage (Megatron-Core's local expert indices).
 * Each stage's devices: data × tensor × context of them; the expert ranks are folded onto
 * those same devices (MoE parallel folding), so an expert-data-parallel group has
 * data × tensor × context / (expert × expert_tensor) replicas of each expert shard.
 */
import type { ModelIR, TensorIR } from '../ir/types.js';
import { formatLayerSet } from '../ir/layer-selection.js';

export interface StagePlacement {
  stage: number;
  layers: number[];
  /** Compact text, e.g. `0..3`. */
  layerText: string;
  /** Non-layer parts on this stage: embedding, final norm, LM head, MTP modules. */
  extras: string[];
  /** Devices running this stage. */
  devices: number;
}

export interface ExpertPlacement {
  rank: number;
  /** First and last routed expert index held (inclusive). */
  first: number;
  last: number;
}

export interface Placement {
  stages: StagePlacement[];
  /** Routed experts per expert-parallel rank (same for every MoE layer); empty for dense models. */
  experts: ExpertPlacement[];
  expertsPerRank: number;
  /** Replicas of each expert shard: the expert-data-parallel degree. */
  expertDataParallel: number;
  /** Replicas of each non-expert shard: the data-parallel degree (× context, which shards sequence, not weights). */
  denseDataParallel: number;
}

/** The pipeline stage that holds a tensor. */
export function stageOf(ir: ModelIR, t: TensorIR, layerStage?: ReadonlyMap<number, number>): number {
  const last = ir.parallel.pipeline - 1;
  if (t.mtp) return last;
  if (t.layer !== undefined) return (layerStage ? layerStage.get(t.layer) : ir.layers.find((l) => l.index === t.layer)?.stage) ?? last;
  return t.group === 'embeddings' ? 0 : last;
}

export function createPlacement(ir: ModelIR): Placement {
  const p = ir.parallel;
  const devicesPerStage = p.data * p.tensor * p.context;
  const stages: StagePlacement[] = Array.from({ length: p.pipeline }, (_, s) => {
    const layers = ir.layers.filter((l) => l.stage === s).map((l) => l.index);
    const extras: string[] = [];
    if (s === 0) extras.push('embedding');
    if (s === p.pipeline - 1) {
      extras.push('final norm', ir.tieEmbeddings ? 'LM head (tied: embedding copy)' : 'LM head');
      if (ir.mtpDepth > 0) extras.push(`${ir.mtpDepth} MTP module${ir.mtpDepth > 1 ? 's' : ''}`);
    }
    return { stage: s, layers, layerText: formatLayerSet(layers), extras, devices: devicesPerStage };
  });
  const moe = ir.layers.find((l) => l.ffn.kind === 'moe')?.ffn;
  const count = moe?.kind === 'moe' ? moe.experts : 0;
  const perRank = count / p.expert;
  const experts: ExpertPlacement[] =
    count === 0
      ? []
      : Array.from({ length: p.expert }, (_, r) => ({ rank: r, first: Math.floor(r * perRank), last: Math.floor((r + 1) * perRank) - 1 }));
  return {
    stages,
    experts,
    expertsPerRank: perRank,
    expertDataParallel: devicesPerStage / (p.expert * p.expertTensor),
    denseDataParallel: p.data * p.context,
  };
}
