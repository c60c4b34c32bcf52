/**
 * The canonical spec object: what a `.moe` file lowers to (and what a `.moe.json` /
 * `.moe.yaml` file contains directly). Keys are exactly the keys written in the language,
 * so a JSON pointer into this object names the same thing as a path of blocks in the source.
 *
 * This is the contract between the front end (grammar/, src/spec/), validation
 * (src/validate/: the JSON Schema in src/validate/schema.ts must describe exactly this type)
 * and IR resolution (src/ir/). Optional fields have defaults, applied in src/ir/ — never here,
 * so `moec fmt` and error messages see what the user wrote.
 *
 * Block primary values: in the language `key VALUE { ... }` sets the block's primary field,
 * e.g. `experts 64 { ffn 1408 }` → `{ count: 64, ffn: 1408 }`. The table of primary fields is
 * PRIMARY_FIELDS below.
 */

/**
 * `clamped_swiglu` is gpt-oss's expert activation (transformers gpt_oss/modular_gpt_oss.py,
 * GptOssExperts): g = min(gate, limit), u = clamp(up, −limit, limit), (u + 1) · g · sigmoid(alpha · g).
 */
export type Activation = 'swiglu' | 'clamped_swiglu' | 'geglu' | 'gelu' | 'relu' | 'silu';
export type NormType = 'rmsnorm' | 'layernorm';
export type DType = 'fp32' | 'fp16' | 'bf16' | 'int8' | 'int4';
export type Granularity = 'tensor' | 'channel' | 'block';

/**
 * Layer selection: `"all"`, `"none"`, a range `"a..b"` (inclusive, 0-based), or a list of
 * layer indices and ranges, e.g. `[0, "3..5"]`. In the language: `all`, `0..2`, `[0, 3..5]`.
 */
export type LayerSelection = 'all' | 'none' | RangeString | Array<number | RangeString>;
/** `"a..b"`: layers a through b inclusive. */
export type RangeString = string;

export interface NormSpec {
  type?: NormType; // default rmsnorm
  eps?: number; // default 1e-6 (rmsnorm) / 1e-5 (layernorm)
  /** LayerNorm with a bias (default true); DBRX's LayerNorms have none. No effect on rmsnorm. */
  bias?: boolean;
}

export interface MlaSpec {
  /** Rank of the query down-projection; 0 or absent: queries are projected directly (DeepSeek-V2-Lite). */
  q_lora_rank?: number;
  kv_lora_rank: number;
  qk_nope_head_dim: number;
  qk_rope_head_dim: number;
  v_head_dim: number;
  /** Epsilon of q_a_norm / kv_a_norm. Default 1e-6: transformers builds them with the RMSNorm default, not rms_norm_eps. */
  norm_eps?: number;
}

export interface RopeSpec {
  theta?: number; // default 10000
  /** Number of rotary dimensions per head (partial rotary); default: the whole head (or qk_rope_head_dim for MLA). */
  dim?: number;
  /** Context-extension scaling: linear position interpolation, or YaRN as transformers computes it. */
  scaling?: 'none' | 'linear' | 'yarn';
  /** Default 1; for yarn, context / original_context when original_context is given. */
  factor?: number;
  /** YaRN: the pre-training context (HF `original_max_position_embeddings`). Default: context. */
  original_context?: number;
  /** YaRN ramp bounds in rotations (defaults 32 and 1). */
  beta_fast?: number;
  beta_slow?: number;
  /** YaRN (DeepSeek): attention factor = mscale(factor, mscale) / mscale(factor, mscale_all_dim) when both are set. */
  mscale?: number;
  /** YaRN (DeepSeek): with MLA, the softmax scale is also multiplied by mscale(factor, mscale_all_dim)². */
  mscale_all_dim?: number;
  /** YaRN: explicit factor on cos/sin (default 0.1·ln(factor) + 1, or the mscale ratio). */
  attention_factor?: number;
  /** YaRN: round the ramp bounds to whole dimensions (default true; gpt-oss: false). */
  truncate?: boolean;
}

export interface AttentionSpec {
  heads: number;
  /** Key/value heads: = heads → MHA, 1 → MQA, otherwise GQA. Default: heads. Ignored with MLA. */
  kv_heads?: number;
  /** Default hidden / heads. */
  head_dim?: number;
  rope?: RopeSpec;
  qkv_bias?: boolean; // default false
  out_bias?: boolean; // default false
  /**
   * RMSNorm on q and k before RoPE. `head` (or `true`): per head with a [head_dim] weight
   * (Qwen3); `full`: over the whole q and k projections, [heads·head_dim] and
   * [kv_heads·head_dim] weights (OLMoE). Default false.
   */
  qk_norm?: boolean | 'head' | 'full';
  /** Clamp the q, k and v projections to [−clip_qkv, clip_qkv] (OLMoE/DBRX `clip_qkv`). */
  clip_qkv?: number;
  /** Sliding-window size in tokens for the layers in window_layers (gpt-oss alternates). */
  window?: number;
  window_layers?: LayerSelection;
  /** Learned per-head attention sinks (gpt-oss). Default false. */
  sinks?: boolean;
  /**
   * The softmax scale on q·kᵀ, replacing the default 1/√(qk head dim) (× YaRN's mscale² with
   * MLA): Granite's `attention_multiplier` (GraniteMoeAttention.scaling). Default: the computed one.
   */
  softmax_scale?: number;
  /** Multi-head latent attention (DeepSeek-V2/V3). Present → attention kind is MLA. */
  mla?: MlaSpec;
}

export interface DenseSpec {
  ffn: number;
  activation?: Activation; // default swiglu
  bias?: boolean; // default false
  swiglu_limit?: number; // clamped_swiglu only, default 7.0
  swiglu_alpha?: number; // clamped_swiglu only, default 1.702
  /** Which layers use the dense FFN. Default: every layer that is not an MoE layer. */
  layers?: LayerSelection;
}

export interface ExpertsSpec {
  count: number;
  ffn: number;
  activation?: Activation; // default swiglu
  bias?: boolean; // default false (gpt-oss: true)
  swiglu_limit?: number; // clamped_swiglu only, default 7.0
  swiglu_alpha?: number; // clamped_swiglu only, default 1.702
}

export interface SharedExpertsSpec {
  count: number;
  ffn: number;
  activation?: Activation; // default: the routed experts' activation
  /** clamped_swiglu only; default: the routed experts' values when they use it, else 7.0 / 1.702. */
  swiglu_limit?: number;
  swiglu_alpha?: number;
  /** A learned sigmoid gate on the shared experts' output (Qwen-MoE). Default false. */
  gate?: boolean;
}

export type RouterScore = 'softmax' | 'sigmoid';
export type GroupScore = 'max' | 'top2_sum';
export type Overflow = 'drop' | 'no_drop';
/**
 * What one load-balancing term averages over (docs/semantics.md §Router losses): `batch` = each
 * micro-batch of one data-parallel rank (Megatron `aux_loss`, Switch/GShard), `sequence` = each
 * sequence (DeepSeek-V2/V3, Megatron `seq_aux_loss`), `global` = the whole global batch
 * (Megatron `global_aux_loss`, Qwen's global-batch balance).
 */
export type AuxLossType = 'batch' | 'sequence' | 'global';
/**
 * Which assignments an over-capacity expert keeps: `probs` = highest routing weight (Megatron's
 * default), `position` = earliest tokens (Megatron `position`), `gshard` = every token's first
 * choice in token order, then every second choice, … (GShard / Mesh-TensorFlow).
 */
export type DropPolicy = 'probs' | 'position' | 'gshard';

export interface RouterSpec {
  top_k: number;
  score?: RouterScore; // default softmax
  /** Renormalize the selected top-k weights to sum to 1. Default: true for softmax (Mixtral), true for sigmoid. */
  norm_topk?: boolean;
  /** Routed scaling factor applied to the combined routed output (DeepSeek-V2: 16, V3: 2.5). Default 1. */
  scaling?: number;
  /** Group-limited routing: experts are split into `groups` groups; tokens route within the best `top_groups`. */
  groups?: number;
  top_groups?: number;
  /** How a group is scored for group-limited routing: V2 uses the max, V3 the sum of the top two. Default max. */
  group_score?: GroupScore;
  /** Expert capacity = ceil(tokens * top_k / experts * capacity_factor) (Megatron get_capacity). Absent: no capacity limit. */
  capacity_factor?: number;
  /** What happens to tokens over capacity. Default drop when capacity_factor is set. */
  overflow?: Overflow;
  /** Which assignments an over-capacity expert keeps. Default probs (Megatron). */
  drop_policy?: DropPolicy;
  /** Multiplicative jitter noise on router inputs during training (Switch Transformer). Default 0. */
  jitter?: number;
  /** Auxiliary load-balancing loss coefficient. Default 0. */
  aux_loss?: number;
  /** What one balance term averages over. Default batch (Megatron aux_loss). */
  aux_loss_type?: AuxLossType;
  /** Router z-loss coefficient (ST-MoE). Default 0. */
  z_loss?: number;
  /** Aux-loss-free balancing: bias update speed γ (DeepSeek-V3: 0.001). Default 0 (off). */
  bias_update?: number;
  /** A learned bias on router logits (gpt-oss). Default false. */
  bias?: boolean;
}

export interface MoeSpec {
  /** Which layers are MoE layers. Default: all layers not listed in dense.layers. */
  layers?: LayerSelection;
  /** Only every n-th selected layer is MoE (counting from `offset`); others are dense. Default 1. */
  every?: number;
  offset?: number; // default 0
  experts: ExpertsSpec;
  shared?: SharedExpertsSpec;
  router: RouterSpec;
}

export interface MtpSpec {
  /** Number of multi-token-prediction modules (DeepSeek-V3: 1). */
  depth: number;
}

export interface DeviceSpec {
  /** Device model, informational (e.g. "h100"). */
  name?: string;
  /** Memory per device in bytes (the language accepts `80GiB`, `80GB`). */
  memory: number;
  /** Peak dense bf16 throughput, TFLOP/s, for time estimates. */
  tflops?: number;
}

export interface ParallelSpec {
  /** Total devices. Default: data × tensor × pipeline × context. */
  world?: number;
  data?: number; // default 1 (or world / (tensor × pipeline × context))
  tensor?: number; // default 1
  pipeline?: number; // default 1
  expert?: number; // default 1
  context?: number; // default 1
  /** Expert tensor parallelism (Megatron-Core ETP). Default 1. */
  expert_tensor?: number;
  /** ZeRO / FSDP sharding stage 0–3. Default 0. */
  zero?: 0 | 1 | 2 | 3;
  micro_batch?: number; // default 1
  /** Megatron sequence parallelism (shards norm/dropout activations over tensor ranks). Default false. */
  sequence_parallel?: boolean;
  /** Interleaved pipeline: virtual stages per device. Default 1. */
  virtual_stages?: number;
  device?: DeviceSpec;
}

export interface QuantGroupSpec {
  dtype: DType;
  /** Default: block when `block` is given, channel for int8/int4, tensor otherwise. */
  granularity?: Granularity;
  block?: number;
  symmetric?: boolean; // default true
}

/** Per tensor group. `default` applies to every group not listed. */
export interface QuantizeSpec {
  default?: QuantGroupSpec;
  embeddings?: QuantGroupSpec;
  attention?: QuantGroupSpec;
  dense?: QuantGroupSpec;
  experts?: QuantGroupSpec;
  shared?: QuantGroupSpec;
  router?: QuantGroupSpec;
  lm_head?: QuantGroupSpec;
  /** Activation dtype at inference (fp32, fp16, bf16; int8 → dynamic quantization). */
  activations?: QuantGroupSpec;
}

export type OptimizerType = 'adamw' | 'adam' | 'sgd' | 'momentum' | 'adafactor' | 'lion';
export interface OptimizerSpec {
  type: OptimizerType;
  lr?: number; // default 3e-4
  beta1?: number; // default 0.9
  beta2?: number; // default 0.95
  eps?: number; // default 1e-8
  weight_decay?: number; // default 0.1 for adamw, 0 otherwise
  momentum?: number; // sgd/momentum, default 0.9
}

export type ScheduleType = 'constant' | 'cosine' | 'linear';
export interface ScheduleSpec {
  type: ScheduleType;
  warmup?: number; // steps, default 0
  min_lr?: number; // default 0.1 × lr for cosine/linear
  /** Steps over which to decay. Default: train.steps. */
  decay_steps?: number;
}

/**
 * Where LoRA adapters go (PEFT's `target_modules`): a projection name adapts that projection
 * wherever the model has it (`gate_proj` matches dense, routed and shared FFNs, as in PEFT);
 * a group name adapts every projection of the group.
 */
export type LoraTarget =
  | 'q_proj' | 'k_proj' | 'v_proj' | 'o_proj'
  | 'q_a_proj' | 'q_b_proj' | 'kv_a_proj' | 'kv_b_proj'
  | 'gate_proj' | 'up_proj' | 'down_proj'
  | 'attention' | 'experts' | 'shared' | 'dense' | 'router';
export const LORA_TARGETS: readonly LoraTarget[] = [
  'q_proj', 'k_proj', 'v_proj', 'o_proj', 'q_a_proj', 'q_b_proj', 'kv_a_proj', 'kv_b_proj',
  'gate_proj', 'up_proj', 'down_proj', 'attention', 'experts', 'shared', 'dense', 'router',
];

/** Low-rank adapters (LoRA, Hu et al. 2021) as PEFT's LoraConfig states them; base weights frozen. */
export interface LoraSpec {
  rank?: number; // default 8 (PEFT's r)
  alpha?: number; // default 8 (PEFT's lora_alpha)
  /** Dropout on the adapter's input only. Default 0. */
  dropout?: number;
  /** Scale alpha/√rank instead of alpha/rank (rsLoRA). Default false. */
  rslora?: boolean;
  targets: LoraTarget[];
  /** Layers that get adapters (PEFT's layers_to_transform). Default all. */
  layers?: LayerSelection;
}

export type Precision = 'fp32' | 'bf16' | 'fp16';
export type Checkpointing = 'none' | 'full' | 'selective';
export interface TrainSpec {
  optimizer?: OptimizerSpec; // default adamw
  schedule?: ScheduleSpec; // default constant
  /** Global batch size in sequences. */
  batch?: number; // default 8
  seq_len?: number; // default: context
  steps?: number; // default 1000
  grad_accum?: number; // default 1
  grad_clip?: number; // default 1.0; 0 disables
  precision?: Precision; // default fp32
  checkpointing?: Checkpointing; // activation checkpointing, default none
  seed?: number; // default 0
  /** Write a checkpoint every N steps. Default 100. */
  checkpoint_every?: number;
  log_every?: number; // default 1
  dropout?: number; // default 0
  /** Train low-rank adapters on frozen base weights instead of every weight. */
  lora?: LoraSpec;
  /**
   * The model's tokenizer: a tokenizer.json or a Hugging Face model directory, relative to the
   * spec file. Default: moec's byte-level tokenizer.
   */
  tokenizer?: string;
}

/** Tokenizers a Megatron launch can name (those that load from `--tokenizer-model`, or none). */
export type MegatronTokenizer = 'NullTokenizer' | 'HuggingFaceTokenizer' | 'SentencePieceTokenizer' | 'GPTSentencePieceTokenizer' | 'Llama2Tokenizer' | 'TikTokenizer';
export const MEGATRON_TOKENIZERS: readonly MegatronTokenizer[] = ['NullTokenizer', 'HuggingFaceTokenizer', 'SentencePieceTokenizer', 'GPTSentencePieceTokenizer', 'Llama2Tokenizer', 'TikTokenizer'];

/**
 * What a Megatron-Core launch needs that the model does not say (docs/megatron.md): cluster
 * shape, data, tokenizer, checkpoint paths, dispatcher. Only `moec compile --target megatron`
 * reads it; `--megatron key=value` on the command line overrides a key.
 */
export interface MegatronSpec {
  nodes?: number; // default world / gpus_per_node
  gpus_per_node?: number; // default the largest divisor of world up to 8
  /** `--data-path` items (indexed dataset prefixes, optionally weighted). Absent: `--mock-data`. */
  data?: string[];
  split?: string; // default "969,30,1" (Megatron's own legacy default, written out)
  tokenizer?: MegatronTokenizer; // default NullTokenizer (with --vocab-size = vocab)
  tokenizer_model?: string;
  save?: string;
  load?: string;
  dispatcher?: 'allgather' | 'alltoall' | 'flex'; // default alltoall
  flex_backend?: 'deepep' | 'hybridep' | 'ncclep'; // with dispatcher flex; default deepep
  grouped_gemm?: boolean; // default true
  mtp_loss_scale?: number; // default 0.1 (Megatron's)
  /** The sharded data-parallel implementation for zero 2/3. Default megatron (Megatron-FSDP). */
  fsdp?: 'megatron' | 'torch';
}

/**
 * The tools a spec is meant for. Target-specific rules (what the tfjs trainer cannot honour, what
 * Megatron-Core would refuse at launch) run only for the targets in effect: the ones a command
 * compiles to (`--target`), else the ones the spec declares here. A spec without `targets` gets
 * the target-neutral checks only.
 */
export type Target = 'onnx' | 'tfjs' | 'megatron' | 'hf';
export const TARGETS: readonly Target[] = ['onnx', 'tfjs', 'megatron', 'hf'];

/**
 * Granite's constant multipliers (transformers modeling_granitemoe.py): the token embeddings are
 * multiplied by `embedding` (embedding_multiplier), each residual branch (attention output, FFN
 * or MoE output) by `residual` before it is added (residual_multiplier), and the logits are
 * divided by `logits_divisor` (logits_scaling). Defaults 1: the plain pre-norm decoder.
 */
export interface ScalingSpec {
  embedding?: number;
  residual?: number;
  logits_divisor?: number;
}

/** The whole spec. */
export interface ModelSpec {
  name: string;
  vocab: number;
  hidden: number;
  layers: number;
  context: number;
  tie_embeddings?: boolean; // default false
  /** A bias on the LM head, `lm_head.bias` [vocab] (Phi-3.5-MoE). Default false. */
  lm_head_bias?: boolean;
  /** Constant multipliers on the residual stream and the logits (IBM Granite). */
  scaling?: ScalingSpec;
  norm?: NormSpec;
  attention: AttentionSpec;
  dense?: DenseSpec;
  moe?: MoeSpec;
  mtp?: MtpSpec;
  parallel?: ParallelSpec;
  quantize?: QuantizeSpec;
  train?: TrainSpec;
  /** The targets this spec is written for (see Target). Default: none declared. */
  targets?: Target[];
  /** Launch settings for the Megatron-Core target. */
  megatron?: MegatronSpec;
}

/**
 * Blocks whose header may carry one value before the braces: `key VALUE { ... }` or just
 * `key VALUE` sets the block's primary field. Keyed by the block's path from the model
 * (dot-joined keys); `*` matches any one key. The same key means different things in
 * different places (`experts 64` in moe is a count, `experts int4` in quantize a dtype).
 */
export const PRIMARY_FIELDS: ReadonlyArray<readonly [pattern: string, field: string]> = [
  ['model', 'name'],
  ['norm', 'type'],
  ['moe.experts', 'count'],
  ['moe.shared', 'count'],
  ['mtp', 'depth'],
  ['parallel.device', 'name'],
  ['quantize.*', 'dtype'],
  ['train.optimizer', 'type'],
  ['train.schedule', 'type'],
  ['train.lora', 'rank'],
];

/** The primary field of the block at `path` (keys from the model block down), if it has one. */
export function primaryField(path: readonly string[]): string | undefined {
  const joined = path.join('.');
  for (const [pattern, field] of PRIMARY_FIELDS) {
    const parts = pattern.split('.');
    if (parts.length === path.length && parts.every((p, i) => p === '*' || p === path[i])) return field;
    if (pattern === joined) return field;
  }
  return undefined;
}
