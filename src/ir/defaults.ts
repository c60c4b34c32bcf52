/**
 * IR phase — defaults. Every optional field of the spec object gets its value here and only
 * here (the spec object keeps what the user wrote, so `moec fmt` and messages see that).
 * Each default is listed in docs/ir.md; the comments in src/spec/types.ts state the same.
 */
import type {
  AttentionSpec,
  DenseSpec,
  ExpertsSpec,
  LoraSpec,
  ModelSpec,
  ParallelSpec,
  QuantGroupSpec,
  QuantizeSpec,
  RouterSpec,
  SharedExpertsSpec,
  TrainSpec,
} from '../spec/types.js';
import { mlaSoftmaxFactor, resolveRope } from './rope.js';
import type {
  AttentionIR,
  FfnIR,
  LoraIR,
  ModelIR,
  MoeIR,
  ParallelIR,
  QuantIR,
  RouterIR,
  TensorGroup,
  TrainIR,
} from './types.js';
import { resolveLayerSelection } from './layer-selection.js';

/** Granite's multipliers; undefined when all are 1 (the plain decoder, same architecture hash). */
export function resolveScaling(spec: Pick<ModelSpec, 'scaling'>): ModelIR['scaling'] {
  const s = { embedding: spec.scaling?.embedding ?? 1, residual: spec.scaling?.residual ?? 1, logitsDivisor: spec.scaling?.logits_divisor ?? 1 };
  return s.embedding === 1 && s.residual === 1 && s.logitsDivisor === 1 ? undefined : s;
}

export function resolveNorm(spec: ModelSpec): ModelIR['norm'] {
  const type = spec.norm?.type ?? 'rmsnorm';
  return { type, eps: spec.norm?.eps ?? (type === 'rmsnorm' ? 1e-6 : 1e-5), bias: type === 'layernorm' && (spec.norm?.bias ?? true) };
}

const QK_NORM = { false: 'none', true: 'head', head: 'head', full: 'full' } as const;

/**
 * Attention for one layer; `windowed` says whether the layer is in `window_layers`. MLA's
 * latent norms default to eps 1e-6: transformers builds `q_a_layernorm` / `kv_a_layernorm`
 * with the RMSNorm default, not `rms_norm_eps` (deepseek_v2 and deepseek_v3 modeling code).
 */
export function resolveAttention(spec: Pick<ModelSpec, 'attention' | 'hidden' | 'context'>, windowed: boolean): AttentionIR {
  const a = spec.attention;
  const heads = a.heads;
  const common = {
    heads,
    qkvBias: a.qkv_bias ?? false,
    outBias: a.out_bias ?? false,
    qkNorm: QK_NORM[String(a.qk_norm ?? false) as keyof typeof QK_NORM],
    ...(a.clip_qkv !== undefined ? { clipQkv: a.clip_qkv } : {}),
    sinks: a.sinks ?? false,
    ...(windowed && a.window !== undefined ? { window: a.window } : {}),
  };
  if (a.mla) {
    const m = a.mla;
    const rope = resolveRope(a.rope, a.rope?.dim ?? m.qk_rope_head_dim, spec.context);
    const headDim = m.qk_nope_head_dim + m.qk_rope_head_dim;
    return {
      kind: 'mla',
      kvHeads: heads,
      headDim,
      vHeadDim: m.v_head_dim,
      rope,
      scale: a.softmax_scale ?? mlaSoftmaxFactor(spec, rope) / Math.sqrt(headDim),
      ...common,
      mla: {
        qLoraRank: m.q_lora_rank ?? 0,
        kvLoraRank: m.kv_lora_rank,
        qkNopeHeadDim: m.qk_nope_head_dim,
        qkRopeHeadDim: m.qk_rope_head_dim,
        vHeadDim: m.v_head_dim,
        normEps: m.norm_eps ?? 1e-6,
      },
    };
  }
  const kvHeads = a.kv_heads ?? heads;
  const headDim = a.head_dim ?? Math.floor(spec.hidden / heads);
  const rope = resolveRope(a.rope, a.rope?.dim ?? headDim, spec.context);
  const kind = kvHeads === heads ? 'mha' : kvHeads === 1 ? 'mqa' : 'gqa';
  return { kind, kvHeads, headDim, vHeadDim: headDim, rope, scale: a.softmax_scale ?? 1 / Math.sqrt(headDim), ...common };
}

/** gpt-oss's constants (GptOssExperts: alpha 1.702, limit 7.0; GptOssConfig swiglu_alpha / swiglu_limit). */
export const SWIGLU_LIMIT = 7;
export const SWIGLU_ALPHA = 1.702;

type ActivationKeys = Pick<DenseSpec, 'activation' | 'swiglu_limit' | 'swiglu_alpha'>;

/** clamped_swiglu's constants, present only for that activation; `inherit` supplies unset ones. */
function clampKeys(f: ActivationKeys, activation: FfnIR['activation'], inherit?: FfnIR): Pick<FfnIR, 'swigluLimit' | 'swigluAlpha'> {
  if (activation !== 'clamped_swiglu') return {};
  return {
    swigluLimit: f.swiglu_limit ?? inherit?.swigluLimit ?? SWIGLU_LIMIT,
    swigluAlpha: f.swiglu_alpha ?? inherit?.swigluAlpha ?? SWIGLU_ALPHA,
  };
}

export function resolveFfn(f: DenseSpec | ExpertsSpec): FfnIR {
  const activation = f.activation ?? 'swiglu';
  return { ffn: f.ffn, activation, bias: f.bias ?? false, ...clampKeys(f, activation) };
}

export function resolveShared(s: SharedExpertsSpec, experts: FfnIR): NonNullable<MoeIR['shared']> {
  // Shared experts have no bias option in the spec; they follow the routed experts' bias.
  const activation = s.activation ?? experts.activation;
  return {
    count: s.count,
    ffn: s.ffn,
    activation,
    bias: experts.bias,
    ...clampKeys(s, activation, experts),
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

export function resolveTrain(t: TrainSpec | undefined, context: number, layers = 0): TrainIR {
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
    ...(t?.lora ? { lora: resolveLora(t.lora, layers) } : {}),
    ...(t?.tokenizer !== undefined ? { tokenizer: t.tokenizer } : {}),
  };
}

/**
 * LoRA defaults are PEFT's LoraConfig (peft/tuners/lora/config.py: r=8, lora_alpha=8,
 * lora_dropout=0.0, use_rslora=False); scale as LoraLayer.update_layer (tuners/lora/layer.py).
 */
export function resolveLora(l: LoraSpec, layers: number): LoraIR {
  const rank = l.rank ?? 8;
  const alpha = l.alpha ?? 8;
  const rslora = l.rslora ?? false;
  const selected = l.layers === undefined ? [...Array(layers).keys()] : resolveLayerSelection(l.layers, layers).layers;
  return {
    rank,
    alpha,
    dropout: l.dropout ?? 0,
    rslora,
    scale: rslora ? alpha / Math.sqrt(rank) : alpha / rank,
    targets: [...l.targets],
    layers: [...new Set(selected)].sort((a, b) => a - b),
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
