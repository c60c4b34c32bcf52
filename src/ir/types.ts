/**
 * The resolved model IR: one fully resolved description of the model that every target
 * (ONNX, TensorFlow.js) and every analysis (`moec explain`) reads. Built from a validated
 * spec object by src/ir/build-ir.ts. Every default is filled, every layer expanded, every
 * parameter tensor named. No target-specific knowledge lives here.
 *
 * Conventions (documented in docs/ir.md):
 * - Linear weights are stored [in, out]: y = x · W (+ b). Both ONNX MatMul and tf.matMul use
 *   this orientation directly. (Hugging Face stores [out, in]; importers transpose.)
 * - Tensor names are stable; they are checkpoint keys and ONNX initializer names.
 * - Gated activations (swiglu, geglu) have gate_proj and up_proj: act(x·Wg) ⊙ (x·Wu) · Wd.
 *   Ungated ones (gelu, relu, silu) have up_proj and down_proj only.
 */
import type {
  Activation,
  AuxLossType,
  DropPolicy,
  Checkpointing,
  DType,
  Granularity,
  GroupScore,
  LoraTarget,
  NormType,
  OptimizerType,
  Overflow,
  Precision,
  RouterScore,
  ScheduleType,
} from '../spec/types.js';

/** Tensor groups: the unit of quantization and of the parameter breakdown. */
export type TensorGroup =
  | 'embeddings'
  | 'attention'
  | 'dense'
  | 'experts'
  | 'shared'
  | 'router'
  | 'norms'
  | 'lm_head';

export interface QuantIR {
  dtype: DType;
  granularity: Granularity;
  /** Block size along the input (reduction) dimension when granularity is 'block'. */
  block?: number;
  symmetric: boolean;
}

export type InitIR =
  | { kind: 'normal'; std: number }
  | { kind: 'ones' }
  | { kind: 'zeros' };

export interface TensorIR {
  /** Stable name, e.g. `layers.3.moe.experts.7.down_proj.weight`. */
  name: string;
  shape: number[];
  group: TensorGroup;
  /** Storage quantization from the spec's quantize block (norms and biases stay fp32). */
  quant: QuantIR;
  init: InitIR;
  /** False for buffers that are not trained by gradient (the aux-loss-free routing bias). */
  trainable: boolean;
  /** Layer index, for tensors that belong to a decoder layer. */
  layer?: number;
  /** Routed expert index, for expert tensors. */
  expert?: number;
  /** Part of a multi-token-prediction module (counted separately). */
  mtp?: boolean;
}

export interface RopeIR {
  theta: number;
  /** Rotary dimensions per head (even). */
  dim: number;
  scaling: 'none' | 'linear' | 'yarn';
  factor: number;
  /** YaRN parameters, resolved as transformers' `_compute_yarn_parameters` does; present iff scaling is yarn. */
  yarn?: YarnIR;
}

/** docs/semantics.md §RoPE: the inverse frequencies blend and the factor on cos/sin (src/ir/rope.ts). */
export interface YarnIR {
  /** HF `original_max_position_embeddings`. */
  originalContext: number;
  betaFast: number;
  betaSlow: number;
  /** Round the ramp bounds to whole dimensions (floor / ceil). */
  truncate: boolean;
  /** Factor on cos and sin (HF `attention_factor`), resolved. */
  attentionFactor: number;
  /** As written (DeepSeek); mscaleAllDim also scales MLA's softmax (AttentionIR.scale). */
  mscale?: number;
  mscaleAllDim?: number;
}

/** RMSNorm on q and k: none, per head with a [headDim] weight (Qwen3), or over the whole projection (OLMoE). */
export type QkNorm = 'none' | 'head' | 'full';

export interface AttentionIR {
  kind: 'mha' | 'gqa' | 'mqa' | 'mla';
  heads: number;
  kvHeads: number;
  /** Query/key head dim (for MLA: qkNopeHeadDim + qkRopeHeadDim). */
  headDim: number;
  /** Value head dim (= headDim except MLA). */
  vHeadDim: number;
  rope: RopeIR;
  qkvBias: boolean;
  outBias: boolean;
  qkNorm: QkNorm;
  /** Clamp q, k, v projections to [−clipQkv, clipQkv] (after a full-width qk norm, as OLMoE). */
  clipQkv?: number;
  /**
   * Softmax scale: 1/√headDim, × mscale(factor, mscale_all_dim)² for MLA with YaRN (DeepSeek);
   * `attention.softmax_scale` replaces it (Granite's attention_multiplier).
   */
  scale: number;
  /** Sliding window in tokens for this layer; absent = full causal attention. */
  window?: number;
  sinks: boolean;
  mla?: {
    qLoraRank: number; // 0 = no query compression
    kvLoraRank: number;
    qkNopeHeadDim: number;
    qkRopeHeadDim: number;
    vHeadDim: number;
    /** Epsilon of q_a_norm / kv_a_norm. */
    normEps: number;
  };
}

export interface FfnIR {
  ffn: number;
  activation: Activation;
  bias: boolean;
  /** clamped_swiglu only (gpt-oss): gate ≤ limit, |up| ≤ limit, g · sigmoid(alpha · g). */
  swigluLimit?: number;
  swigluAlpha?: number;
}

export interface RouterIR {
  topK: number;
  score: RouterScore;
  normTopK: boolean;
  scaling: number;
  /** 1 = no group-limited routing. */
  groups: number;
  topGroups: number;
  groupScore: GroupScore;
  /** Absent: no capacity limit (every routed token is processed). */
  capacityFactor?: number;
  overflow: Overflow;
  /** Which assignments an over-capacity expert keeps (only matters when overflow is drop). */
  dropPolicy: DropPolicy;
  jitter: number;
  auxLoss: number;
  /** What one balance term averages over (docs/semantics.md §Router losses). */
  auxLossType: AuxLossType;
  zLoss: number;
  /** Aux-loss-free bias update speed; 0 = off. When > 0 the layer has a `router.score_bias` buffer. */
  biasUpdate: number;
  bias: boolean;
}

export interface MoeIR {
  kind: 'moe';
  experts: number;
  expert: FfnIR;
  /** Shared experts fused into one FFN of width count × ffn (as DeepSeek does). */
  shared?: FfnIR & { count: number; gate: boolean };
  router: RouterIR;
}

export interface DenseIR extends FfnIR {
  kind: 'dense';
}

export interface LayerIR {
  index: number;
  attention: AttentionIR;
  ffn: DenseIR | MoeIR;
  /** Pipeline stage this layer is placed on. */
  stage: number;
}

export interface ParallelIR {
  world: number;
  data: number;
  tensor: number;
  pipeline: number;
  expert: number;
  context: number;
  expertTensor: number;
  zero: 0 | 1 | 2 | 3;
  microBatch: number;
  sequenceParallel: boolean;
  virtualStages: number;
  device?: { name?: string; memory: number; tflops?: number };
}

export interface TrainIR {
  optimizer: {
    type: OptimizerType;
    lr: number;
    beta1: number;
    beta2: number;
    eps: number;
    weightDecay: number;
    momentum: number;
  };
  schedule: { type: ScheduleType; warmup: number; minLr: number; decaySteps: number };
  batch: number;
  seqLen: number;
  steps: number;
  gradAccum: number;
  gradClip: number;
  precision: Precision;
  checkpointing: Checkpointing;
  seed: number;
  checkpointEvery: number;
  logEvery: number;
  dropout: number;
  /** Low-rank adapters on frozen base weights (src/ir/lora.ts lists the adapted projections). */
  lora?: LoraIR;
  /** The spec's `train.tokenizer` as written (relative to the spec file); absent: byte-level. */
  tokenizer?: string;
}

export interface LoraIR {
  rank: number;
  alpha: number;
  dropout: number;
  rslora: boolean;
  /** alpha/rank, or alpha/√rank with rslora (PEFT's `scaling`). */
  scale: number;
  targets: LoraTarget[];
  /** Layers that get adapters, ascending. */
  layers: number[];
}

export interface ScalingIR {
  embedding: number;
  residual: number;
  logitsDivisor: number;
}

export interface ModelIR {
  name: string;
  /** sha256 of the canonical JSON of the spec object (hex): provenance. */
  specHash: string;
  /**
   * sha256 of the architecture (src/ir/architecture.ts): what decides the weights and the
   * function. Checkpoints are matched to a spec by this, not by specHash.
   */
  architectureHash: string;
  vocab: number;
  hidden: number;
  context: number;
  tieEmbeddings: boolean;
  /** `lm_head.bias` [vocab] is added to the logits (tied or not). */
  lmHeadBias: boolean;
  /** `bias`: layernorm with a `.bias` tensor (false for rmsnorm and for `norm layernorm { bias false }`). */
  norm: { type: NormType; eps: number; bias: boolean };
  /**
   * Granite's multipliers (spec `scaling`): embeddings × embedding, each residual branch ×
   * residual before its add, logits ÷ logitsDivisor. Absent when all three are 1, so specs
   * without them keep their architecture hash.
   */
  scaling?: ScalingIR;
  layers: LayerIR[];
  /** Multi-token-prediction depth (0 = none). */
  mtpDepth: number;
  /**
   * The decoder layer of each MTP module (length mtpDepth), shaped like the model's last layer;
   * `index` is layers + d (DeepSeek-V3's checkpoint numbers its MTP layer 61). Tensors `mtp.{d}.…`.
   */
  mtpLayers: LayerIR[];
  parallel: ParallelIR;
  train: TrainIR;
  /** Resolved quantization per tensor group, plus activations. */
  quantize: Record<TensorGroup | 'activations', QuantIR>;
  /** Every parameter tensor, in a deterministic order (embedding, layers in order, final norm, head, mtp). */
  tensors: TensorIR[];
}
