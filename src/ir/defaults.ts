/**
 * IR phase — defaults. Every optional field of the spec object gets its value here and only
 * here (the spec object keeps what the user wrote, so `moec fmt` and messages see that).
 * Each default is listed in docs/ir.md; the comments in src/spec/types.ts state the same.
 */
import type {
  AttentionSpec,
  DenseSpec,
  ExpertsSpec,
  ModelSpec,
  ParallelSpec,
  QuantGroupSpec,
  QuantizeSpec,
  RouterSpec,
  SharedExpertsSpec,
  TrainSpec,
} from '../spec/types.js';
import type {
  AttentionIR,
  FfnIR,
  MoeIR,
  ParallelIR,
  QuantIR,
  RouterIR,
  TensorGroup,
  TrainIR,
} from './types.js';

export function resolveNorm(spec: ModelSpec): { type: 'rmsnorm' | 'layernorm'; eps: number } {
  const type = spec.norm?.type ?? 'rmsnorm';
  return { type, eps: spec.norm?.eps ?? (type === 'rmsnorm' ? 1e-6 : 1e-5) };
}

/** Attention for one layer; `windowed` says whether the layer is in `window_layers`. */
export function resolveAttention(a: AttentionSpec, hidden: number, windowed: boolean): AttentionIR {
  const heads = a.heads;
  const rope = {
    theta: a.rope?.theta ?? 10000,
    dim: a.rope?.dim ?? 0,
    scaling: a.rope?.scaling ?? 'none',
    factor: a.rope?.factor ?? 1,
  } as AttentionIR['rope'];
  const common = {
    heads,
    qkvBias: a.qkv_bias ?? false,
    outBias: a.out_bias ?? false,
    qkNorm: a.qk_norm ?? false,
    sinks: a.sinks ?? false,
    ...(windowed && a.window !== undefined ? { window: a.window } : {}),
  };
  if (a.mla) {
    const m = a.mla;
    rope.dim = a.rope?.dim ?? m.qk_rope_head_dim;
    return {
      kind: 'mla',
      kvHeads: heads,
      headDim: m.qk_nope_head_dim + m.qk_rope_head_dim,
      vHeadDim: m.v_head_dim,
      rope,
      ...common,
      mla: {
        qLoraRank: m.q_lora_rank ?? 0,
        kvLoraRank: m.kv_lora_rank,
        qkNopeHeadDim: m.qk_nope_head_dim,
        qkRopeHeadDim: m.qk_rope_head_dim,
        vHeadDim: m.v_head_dim,
      },
    };
  }
  const kvHeads = a.kv_heads ?? heads;
  const headDim = a.head_dim ?? Math.floor(hidden / heads);
  rope.dim = a.rope?.dim ?? headDim;
  const kind = kvHeads === heads ? 'mha' : kvHeads === 1 ? 'mqa' : 'gqa';
  return { kind, kvHeads, headDim, vHeadDim: headDim, rope, ...common };
}

export function resolveFfn(f: DenseSpec | ExpertsSpec): FfnIR {
  return { ffn: f.ffn, activation: f.activation ?? 'swiglu', bias: f.bias ?? false };
}

export function resolveShared(s: SharedExpertsSpec, experts: FfnIR): NonNullable<MoeIR['shared']> {
  // Shared experts have no bias option in the spec; they follow the routed experts' bias.
  return {
    count: s.count,
    ffn: s.ffn,
    activation: s.activation ?? experts.activation,
    bias: experts.bias,
    gate: s.gate ?? false,
  };
}

export function resolveRouter(r: RouterSpec): RouterIR {
  const groups = r.groups ?? 1;
  return {
    topK: r.top_k,
    score: r.score ?? 'softmax',
    normTopK: r.norm_topk ?? true,
    scaling: r.scaling ?? 1,
    groups,
    topGroups: r.top_groups ?? groups,
    groupScore: r.group_score ?? 'max',
    ...(r.capacity_factor !== undefined ? { capacityFactor: r.capacity_factor } : {}),
    overflow: r.overflow ?? (r.capacity_factor !== undefined ? 'drop' : 'no_drop'),
    dropPolicy: r.drop_policy ?? 'probs',
    jitter: r.jitter ?? 0,
    auxLoss: r.aux_loss ?? 0,
    auxLossType: r.aux_loss_type ?? 'batch',
    zLoss: r.z_loss ?? 0,
    biasUpdate: r.bias_update ?? 0,
    bias: r.bias ?? false,
  };
}

/**
 * Parallel layout. `world` defaults to data × tensor × pipeline × context; `data` to
 * world / (tensor × pipeline × context) when only `world` is given. A non-integer data
 * degree is left fractional here and reported by the caller.
 */
export function resolveParallel(p: ParallelSpec | undefined): ParallelIR {
  const tensor = p?.tensor ?? 1;
  const pipeline = p?.pipeline ?? 1;
  const context = p?.context ?? 1;
  const data = p?.data ?? (p?.world !== undefined ? p.world / (tensor * pipeline * context) : 1);
  const world = p?.world ?? data * tensor * pipeline * context;
  return {
    world,
    data,
    tensor,
    pipeline,
    expert: p?.expert ?? 1,
    context,
    expertTensor: p?.expert_tensor ?? 1,
    zero: p?.zero ?? 0,
    microBatch: p?.micro_batch ?? 1,
    sequenceParallel: p?.sequence_parallel ?? false,
    virtualStages: p?.virtual_stages ?? 1,
    ...(p?.device ? { device: { ...p.device } } : {}),
  };
}

export function resolveTrain(t: TrainSpec | undefined, context: number): TrainIR {
  const type = t?.optimizer?.type ?? 'adamw';
  const lr = t?.optimizer?.lr ?? 3e-4;
  const steps = t?.steps ?? 1000;
  const schedule = t?.schedule?.type ?? 'constant';
  return {
    optimizer: {
      type,
      lr,
      beta1: t?.optimizer?.beta1 ?? 0.9,
      beta2: t?.optimizer?.beta2 ?? 0.95,
      eps: t?.optimizer?.eps ?? 1e-8,
      weightDecay: t?.optimizer?.weight_decay ?? (type === 'adamw' ? 0.1 : 0),
      momentum: t?.optimizer?.momentum ?? 0.9,
    },
    schedule: {
      type: schedule,
      warmup: t?.schedule?.warmup ?? 0,
      // A constant schedule never decays, so its floor is the learning rate itself.
      minLr: t?.schedule?.min_lr ?? (schedule === 'constant' ? lr : 0.1 * lr),
      decaySteps: t?.schedule?.decay_steps ?? steps,
    },
    batch: t?.batch ?? 8,
    seqLen: t?.seq_len ?? context,
    steps,
    gradAccum: t?.grad_accum ?? 1,
    gradClip: t?.grad_clip ?? 1.0,
    precision: t?.precision ?? 'fp32',
    checkpointing: t?.checkpointing ?? 'none',
    seed: t?.seed ?? 0,
    checkpointEvery: t?.checkpoint_every ?? 100,
    logEvery: t?.log_every ?? 1,
    dropout: t?.dropout ?? 0,
  };
}

export function resolveQuantGroup(q: QuantGroupSpec): QuantIR {
  const integer = q.dtype === 'int8' || q.dtype === 'int4';
  const granularity = q.granularity ?? (q.block !== undefined ? 'block' : integer ? 'channel' : 'tensor');
  return {
    dtype: q.dtype,
    granularity,
    ...(granularity === 'block' ? { block: q.block ?? 32 } : {}),
    symmetric: q.symmetric ?? true,
  };
}

export const FP32: QuantIR = { dtype: 'fp32', granularity: 'tensor', symmetric: true };

const QUANT_GROUPS = ['embeddings', 'attention', 'dense', 'experts', 'shared', 'router', 'lm_head'] as const;

/**
 * Storage quantization per tensor group: the group's own entry, else `default`, else fp32.
 * Norms always stay fp32 (they are tiny and quantizing them costs accuracy for nothing);
 * activations default to fp32.
 */
export function resolveQuantize(q: QuantizeSpec | undefined): Record<TensorGroup | 'activations', QuantIR> {
  const fallback = q?.default ? resolveQuantGroup(q.default) : FP32;
  const out = { norms: FP32, activations: q?.activations ? resolveQuantGroup(q.activations) : FP32 } as Record<
    TensorGroup | 'activations',
    QuantIR
  >;
  for (const g of QUANT_GROUPS) out[g] = q?.[g] ? resolveQuantGroup(q[g]!) : fallback;
  return out;
}
