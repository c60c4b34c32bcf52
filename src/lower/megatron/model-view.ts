/**
 * Megatron-Core target — the resolved facts a Megatron launch is made of, in one flat value. The
 * emitter takes them from the IR (`fromIR`); the `moec check --target megatron` rules take them
 * from the spec through the IR's own default resolvers (`fromSpec`), so a rule never needs a
 * built IR and both sides see the same numbers (a test checks fromSpec = fromIR on every
 * shipped spec). Megatron builds one layer kind per FFN type, so one dense FFN, one MoE block
 * and one attention describe the model; which layers are which is `ffnKinds` / `windowed`.
 */
import { resolveAttention, resolveFfn, resolveNorm, resolveParallel, resolveRouter, resolveScaling, resolveShared, resolveTrain } from '../../ir/defaults.js';
import { ffnLayout, resolveLayerSelection } from '../../ir/layer-selection.js';
import type { AttentionIR, FfnIR, ModelIR, MoeIR, ParallelIR, ScalingIR, TrainIR } from '../../ir/types.js';
import type { ModelSpec, NormType } from '../../spec/types.js';

export type MoeFacts = Omit<MoeIR, 'kind'>;

export interface MegatronModel {
  name: string;
  vocab: number;
  hidden: number;
  layers: number;
  context: number;
  tieEmbeddings: boolean;
  lmHeadBias: boolean;
  /** Granite's multipliers; absent when all are 1. */
  scaling?: ScalingIR;
  /** `bias`: a LayerNorm with its bias (false for rmsnorm). */
  norm: { type: NormType; eps: number; bias: boolean };
  /** Every layer's attention without its window (the same for all layers). */
  attention: Omit<AttentionIR, 'window'>;
  window?: number;
  /** Per layer: inside the sliding window. */
  windowed: boolean[];
  /** Per layer; `none` only in a spec that other rules reject (a layer without FFN). */
  ffnKinds: ('moe' | 'dense' | 'none')[];
  /** Present when some layer is dense. */
  dense?: FfnIR;
  /** Present when some layer is MoE. */
  moe?: MoeFacts;
  mtpDepth: number;
  parallel: ParallelIR;
  train: TrainIR;
}

function stripWindow(a: AttentionIR): Omit<AttentionIR, 'window'> {
  const { window: _window, ...rest } = a;
  return rest;
}

export function fromIR(ir: ModelIR): MegatronModel {
  const dense = ir.layers.find((l) => l.ffn.kind === 'dense')?.ffn;
  const moe = ir.layers.find((l) => l.ffn.kind === 'moe')?.ffn;
  const window = ir.layers.find((l) => l.attention.window !== undefined)?.attention.window;
  const m: MegatronModel = {
    name: ir.name,
    vocab: ir.vocab,
    hidden: ir.hidden,
    layers: ir.layers.length,
    context: ir.context,
    tieEmbeddings: ir.tieEmbeddings,
    lmHeadBias: ir.lmHeadBias,
    norm: { ...ir.norm },
    attention: stripWindow(ir.layers[0].attention),
    windowed: ir.layers.map((l) => l.attention.window !== undefined),
    ffnKinds: ir.layers.map((l) => l.ffn.kind),
    mtpDepth: ir.mtpDepth,
    parallel: ir.parallel,
    train: ir.train,
  };
  if (window !== undefined) m.window = window;
  if (ir.scaling) m.scaling = ir.scaling;
  if (dense && dense.kind === 'dense') {
    const { kind: _kind, ...ffn } = dense;
    m.dense = ffn;
  }
  if (moe && moe.kind === 'moe') {
    const { kind: _kind, ...facts } = moe;
    m.moe = facts;
  }
  return m;
}

export function fromSpec(spec: ModelSpec): MegatronModel {
  const n = spec.layers;
  const { moe, dense } = ffnLayout(spec);
  const a = spec.attention;
  const windowLayers = a.window_layers !== undefined ? new Set(resolveLayerSelection(a.window_layers, n).layers) : undefined;
  const ffnKinds = Array.from({ length: n }, (_, i) => (moe.has(i) ? 'moe' : dense.has(i) && spec.dense ? 'dense' : 'none') as MegatronModel['ffnKinds'][number]);
  const m: MegatronModel = {
    name: spec.name,
    vocab: spec.vocab,
    hidden: spec.hidden,
    layers: n,
    context: spec.context,
    tieEmbeddings: spec.tie_embeddings ?? false,
    lmHeadBias: spec.lm_head_bias ?? false,
    norm: resolveNorm(spec),
    attention: stripWindow(resolveAttention(spec, false)),
    windowed: Array.from({ length: n }, (_, i) => a.window !== undefined && (windowLayers ? windowLayers.has(i) : true)),
    ffnKinds,
    mtpDepth: spec.mtp?.depth ?? 0,
    parallel: resolveParallel(spec.parallel),
    train: resolveTrain(spec.train, spec.context),
  };
  if (a.window !== undefined && m.windowed.some(Boolean)) m.window = a.window;
  const scaling = resolveScaling(spec);
  if (scaling) m.scaling = scaling;
  if (spec.dense && ffnKinds.includes('dense')) m.dense = resolveFfn(spec.dense);
  if (spec.moe && ffnKinds.includes('moe')) {
    const expert = resolveFfn(spec.moe.experts);
    m.moe = { experts: spec.moe.experts.count, expert, router: resolveRouter(spec.moe.router) };
    if (spec.moe.shared) m.moe.shared = resolveShared(spec.moe.shared, expert);
  }
  return m;
}
