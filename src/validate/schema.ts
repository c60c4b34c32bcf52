/**
 * Validation phase: the JSON Schema (draft-07) of the canonical spec object, ModelSpec in
 * src/spec/types.ts — the same keys, types and enums, closed everywhere. It checks *shape*
 * (types, enums, ranges); rules that relate two values (heads divides hidden, top_k ≤ experts)
 * live in src/validate/checks/. Descriptions and defaults feed `moec schema` (editors validate
 * `.moe.json` files with it) and the reference tables in docs/language.md.
 */
import { LORA_TARGETS, MEGATRON_TOKENIZERS, TARGETS } from '../spec/types.js';
import { bool, int, layerSelection, nonNegative, object, oneOfValues, positive, string, type JsonSchema } from './schema-builders.js';

const ACTIVATIONS = ['swiglu', 'clamped_swiglu', 'geglu', 'gelu', 'relu', 'silu'] as const;
const DTYPES = ['fp32', 'fp16', 'bf16', 'int8', 'int4'] as const;
const activation = (d: string, dflt?: string) => oneOfValues(ACTIVATIONS, d, dflt);

/** clamped_swiglu's two constants (gpt-oss: GptOssExperts.limit and .alpha). */
const swigluKeys = (limit: unknown, alpha: unknown): Record<string, JsonSchema> => ({
  swiglu_limit: positive('clamped_swiglu: the gate is clamped above at limit, the up projection to ±limit.', limit),
  swiglu_alpha: positive('clamped_swiglu: the gain inside the sigmoid, g · sigmoid(alpha · g).', alpha),
});

const norm = object('Normalization used before attention, before the FFN and at the end.', {
  type: oneOfValues(['rmsnorm', 'layernorm'], 'Norm kind.', 'rmsnorm'),
  eps: positive('Epsilon added to the variance.', '1e-6 (rmsnorm), 1e-5 (layernorm)'),
  bias: bool('LayerNorm bias (`false`: DBRX); no effect on rmsnorm.', true),
});

const rope = object('Rotary position embedding.', {
  theta: positive('Base of the rotary frequencies.', 10000),
  dim: int(2, 'Rotary dimensions per head (partial rotary); even, ≤ head_dim.', 'head_dim (qk_rope_head_dim with mla)'),
  scaling: oneOfValues(['none', 'linear', 'yarn'], 'Context-extension scaling (yarn: as transformers `_compute_yarn_parameters`).', 'none'),
  factor: positive('Scaling factor for linear / yarn.', '1; yarn: context / original_context when that is set'),
  original_context: int(1, 'YaRN: the pre-training context (HF original_max_position_embeddings).', 'context'),
  beta_fast: positive('YaRN: rotations where the ramp starts (high-frequency end).', 32),
  beta_slow: positive('YaRN: rotations where the ramp ends (low-frequency end).', 1),
  mscale: positive('YaRN (DeepSeek): cos/sin factor = mscale(factor, mscale) / mscale(factor, mscale_all_dim) when both are set.'),
  mscale_all_dim: positive('YaRN (DeepSeek): with MLA the softmax scale is also multiplied by mscale(factor, mscale_all_dim)².'),
  attention_factor: positive('YaRN: factor on cos and sin.', '0.1·ln(factor) + 1, or the mscale ratio'),
  truncate: bool('YaRN: round the ramp bounds to whole dimensions (gpt-oss: false).', true),
});

const mla = object(
  'Multi-head latent attention (DeepSeek-V2/V3). Present → the attention kind is MLA.',
  {
    q_lora_rank: int(0, 'Rank of the query down-projection; 0: queries are projected directly.', 0),
    kv_lora_rank: int(1, 'Rank of the compressed key/value latent.'),
    qk_nope_head_dim: int(1, 'Per-head query/key dimensions without rotary embedding.'),
    qk_rope_head_dim: int(2, 'Per-head query/key dimensions with rotary embedding (even).'),
    v_head_dim: int(1, 'Per-head value dimensions.'),
    norm_eps: positive('Epsilon of q_a_norm and kv_a_norm (transformers fixes 1e-6).', 1e-6),
  },
  ['kv_lora_rank', 'qk_nope_head_dim', 'qk_rope_head_dim', 'v_head_dim'],
);

const attention = object(
  'Self-attention.',
  {
    heads: int(1, 'Query heads.'),
    kv_heads: int(1, 'Key/value heads: = heads → MHA, 1 → MQA, otherwise GQA. Ignored with mla.', 'heads'),
    head_dim: int(1, 'Dimensions per head.', 'hidden / heads'),
    rope,
    qkv_bias: bool('Bias on the q, k, v projections.', false),
    out_bias: bool('Bias on the output projection.', false),
    qk_norm: {
      enum: [false, true, 'head', 'full'],
      description: 'RMSNorm on q and k before RoPE: head (or true) per head, [head_dim] weights (Qwen3); full over the whole projections, [heads·head_dim] / [kv_heads·head_dim] weights (OLMoE).',
      default: false,
    },
    clip_qkv: positive('Clamp the q, k, v projections to [−clip_qkv, clip_qkv] (OLMoE, DBRX).'),
    window: int(1, 'Sliding-window size in tokens for the layers in window_layers.'),
    window_layers: layerSelection('Layers that use the sliding window.', 'all (when window is set)'),
    sinks: bool('Learned per-head attention sinks (gpt-oss).', false),
    softmax_scale: positive('Softmax scale on q·kᵀ, replacing the computed one (Granite attention_multiplier); with MLA not together with rope.mscale_all_dim.', '1/√(qk head dim), × mscale(factor, mscale_all_dim)² with MLA and YaRN'),
    mla,
  },
  ['heads'],
);

const dense = object(
  'Dense (non-MoE) feed-forward layers.',
  {
    ffn: int(1, 'Intermediate size.'),
    activation: activation('Activation; swiglu, clamped_swiglu and geglu are gated.', 'swiglu'),
    bias: bool('Biases on the FFN projections.', false),
    ...swigluKeys(7, 1.702),
    layers: layerSelection('Layers that use the dense FFN.', 'every layer that is not an MoE layer'),
  },
  ['ffn'],
);

const experts = object(
  'Routed experts.',
  {
    count: int(1, 'Number of routed experts per MoE layer.'),
    ffn: int(1, "Each expert's intermediate size."),
    activation: activation('Expert activation.', 'swiglu'),
    bias: bool('Biases on the expert projections (gpt-oss).', false),
    ...swigluKeys(7, 1.702),
  },
  ['count', 'ffn'],
);

const shared = object(
  'Shared experts, applied to every token (DeepSeek-MoE, Qwen-MoE); fused into one FFN of width count × ffn.',
  {
    count: int(1, 'Number of shared experts.'),
    ffn: int(1, "Each shared expert's intermediate size."),
    activation: activation('Shared-expert activation.', "the routed experts' activation"),
    ...swigluKeys("the routed experts' value, else 7", "the routed experts' value, else 1.702"),
    gate: bool("A learned sigmoid gate on the shared experts' output (Qwen-MoE).", false),
  },
  ['count', 'ffn'],
);

const router = object(
  'Token-to-expert router.',
  {
    top_k: int(1, 'Experts selected per token.'),
    score: oneOfValues(['softmax', 'sigmoid'], 'Router score function.', 'softmax'),
    norm_topk: bool('Renormalize the selected top-k weights to sum to 1.', true),
    scaling: positive('Factor applied to the combined routed output (DeepSeek-V2: 16, V3: 2.5).', 1),
    groups: int(1, 'Group-limited routing: number of expert groups.'),
    top_groups: int(1, 'Group-limited routing: groups each token may route into.'),
    group_score: oneOfValues(['max', 'top2_sum'], 'How a group is scored (V2: max, V3: top2_sum).', 'max'),
    capacity_factor: positive('Expert capacity = ceil(tokens × top_k / experts × capacity_factor) (Megatron get_capacity).', 'no capacity limit'),
    overflow: oneOfValues(['drop', 'no_drop'], 'What happens to tokens over capacity.', 'drop'),
    drop_policy: oneOfValues(
      ['probs', 'position', 'gshard'],
      'Which assignments an over-capacity expert keeps: probs = highest routing weight (Megatron default), position = earliest tokens, gshard = all first choices in token order, then all second choices, and so on.',
      'probs',
    ),
    jitter: nonNegative('Multiplicative jitter noise on router inputs during training.', 0, 1),
    aux_loss: nonNegative('Auxiliary load-balancing loss coefficient α (per MoE layer, summed over layers).', 0),
    aux_loss_type: oneOfValues(
      ['batch', 'sequence', 'global'],
      'What one balance term averages over: batch = each micro-batch (Megatron aux_loss), sequence = each sequence (DeepSeek-V2/V3, seq_aux_loss), global = the global batch (global_aux_loss).',
      'batch',
    ),
    z_loss: nonNegative('Router z-loss coefficient (ST-MoE).', 0),
    bias_update: nonNegative('Aux-loss-free balancing: bias update speed γ (DeepSeek-V3: 0.001).', 0),
    bias: bool('A learned bias on router logits (gpt-oss).', false),
  },
  ['top_k'],
);

const moe = object(
  'Mixture-of-experts feed-forward layers.',
  {
    layers: layerSelection('Which layers are MoE layers.', 'all layers not in dense.layers'),
    every: int(1, 'Only every n-th selected layer (counting from offset) is MoE; others are dense.', 1),
    offset: int(0, 'First layer index counted by every.', 0),
    experts,
    shared,
    router,
  },
  ['experts', 'router'],
);

const scaling = object('Constant multipliers on the residual stream and the logits (IBM Granite; transformers modeling_granitemoe.py).', {
  embedding: positive('The token embeddings are multiplied by this (Granite embedding_multiplier).', 1),
  residual: positive('Each residual branch (attention output, FFN or MoE output) is multiplied by this before it is added (Granite residual_multiplier).', 1),
  logits_divisor: positive('The logits are divided by this (Granite logits_scaling).', 1),
});

const mtp = object('Multi-token prediction (DeepSeek-V3).', { depth: int(1, 'Number of MTP modules.') }, ['depth']);

const device = object(
  'The accelerator each rank runs on.',
  {
    name: string('Device model, informational (e.g. h100).'),
    memory: int(1, 'Memory per device in bytes (the language accepts 80GiB, 80GB).'),
    tflops: positive('Peak dense bf16 throughput in TFLOP/s, for time estimates.'),
  },
  ['memory'],
);

const degree = (d: string, dflt: unknown = 1) => int(1, d, dflt);
const parallel = object('Distributed layout (Megatron-Core / DeepSpeed terms).', {
  world: degree('Total devices.', 'data × tensor × pipeline × context'),
  data: degree('Data-parallel degree.', 'world / (tensor × pipeline × context), else 1'),
  tensor: degree('Tensor-parallel degree.'),
  pipeline: degree('Pipeline-parallel degree.'),
  expert: degree('Expert-parallel degree.'),
  context: degree('Context-parallel degree.'),
  expert_tensor: degree('Expert tensor-parallel degree (Megatron-Core ETP).'),
  zero: { type: 'integer', enum: [0, 1, 2, 3], description: 'ZeRO / FSDP sharding stage.', default: 0 },
  micro_batch: degree('Sequences per micro-batch per data-parallel rank.'),
  sequence_parallel: bool('Megatron sequence parallelism (needs tensor > 1).', false),
  virtual_stages: degree('Interleaved pipeline: virtual stages per device.'),
  device,
});

const quantGroup = (description: string): JsonSchema =>
  object(
    description,
    {
      dtype: oneOfValues(DTYPES, 'Storage dtype.'),
      granularity: oneOfValues(
        ['tensor', 'channel', 'block'],
        'Scale granularity.',
        'block when block is set, channel for int8/int4, tensor otherwise',
      ),
      block: int(2, 'Block size along the input dimension (granularity block).'),
      symmetric: bool('Symmetric (no zero point) integer quantization.', true),
    },
    ['dtype'],
  );

const quantize = object('Weight storage quantization per tensor group (norms and biases stay fp32).', {
  default: quantGroup('Every group not listed.'),
  embeddings: quantGroup('Token embeddings.'),
  attention: quantGroup('Attention projections.'),
  dense: quantGroup('Dense FFN projections.'),
  experts: quantGroup('Routed expert projections.'),
  shared: quantGroup('Shared expert projections.'),
  router: quantGroup('Router weights.'),
  lm_head: quantGroup('Output projection.'),
  activations: quantGroup('Activation dtype at inference (int8: dynamic quantization).'),
});

const optimizer = object(
  'Optimizer.',
  {
    type: oneOfValues(['adamw', 'adam', 'sgd', 'momentum', 'adafactor', 'lion'], 'Optimizer kind.'),
    lr: positive('Peak learning rate.', 3e-4),
    beta1: nonNegative('First-moment decay.', 0.9, 1),
    beta2: nonNegative('Second-moment decay.', 0.95, 1),
    eps: positive('Epsilon.', 1e-8),
    weight_decay: nonNegative('Decoupled weight decay.', '0.1 for adamw, 0 otherwise'),
    momentum: nonNegative('Momentum (sgd, momentum).', 0.9, 1),
  },
  ['type'],
);

const schedule = object(
  'Learning-rate schedule.',
  {
    type: oneOfValues(['constant', 'cosine', 'linear'], 'Schedule kind.'),
    warmup: int(0, 'Linear warmup steps.', 0),
    min_lr: nonNegative('Final learning rate (cosine, linear).', '0.1 × lr'),
    decay_steps: int(1, 'Steps over which to decay.', 'train.steps'),
  },
  ['type'],
);

const lora = object(
  'Low-rank adapters (LoRA) on frozen base weights, as in PEFT LoraConfig: W x + (alpha/rank) B A x.',
  {
    rank: int(1, 'Adapter rank r (PEFT `r`).', 8),
    alpha: positive('Scale numerator (PEFT `lora_alpha`): the update is scaled by alpha/rank.', 8),
    dropout: nonNegative('Dropout on the adapter input (PEFT `lora_dropout`).', 0, 1),
    rslora: bool('Rank-stabilised scale alpha over sqrt(rank) (PEFT `use_rslora`).', false),
    targets: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { enum: [...LORA_TARGETS] },
      description: 'Projections that get adapters: q_proj … down_proj by name (wherever the model has them), or the groups attention, experts (every routed expert), shared, dense, router.',
    },
    layers: layerSelection('Layers that get adapters (PEFT `layers_to_transform`).', 'all'),
  },
  ['targets'],
);

const train = object('Training run.', {
  optimizer,
  schedule,
  batch: int(1, 'Global batch size in sequences.', 8),
  seq_len: int(1, 'Training sequence length.', 'context'),
  steps: int(1, 'Optimizer steps.', 1000),
  grad_accum: int(1, 'Gradient-accumulation steps.', 1),
  grad_clip: nonNegative('Global gradient-norm clip; 0 disables.', 1.0),
  precision: oneOfValues(['fp32', 'bf16', 'fp16'], 'Training compute precision.', 'fp32'),
  checkpointing: oneOfValues(['none', 'full', 'selective'], 'Activation checkpointing.', 'none'),
  seed: int(0, 'Random seed.', 0, 2 ** 32 - 1),
  checkpoint_every: int(1, 'Write a checkpoint every N steps.', 100),
  log_every: int(1, 'Log every N steps.', 1),
  dropout: nonNegative('Dropout probability.', 0, 1),
  lora,
  tokenizer: string('The model\'s tokenizer: a tokenizer.json file or a Hugging Face model directory, relative to the spec file. Absent: byte-level (UTF-8 bytes).'),
});

const megatron = object('Megatron-Core launch settings the model does not state (moec compile --target megatron; docs/megatron.md).', {
  nodes: int(1, 'Nodes in the torchrun launch.', 'world / gpus_per_node'),
  gpus_per_node: int(1, 'GPUs per node.', 'the largest divisor of world up to 8'),
  data: {
    type: 'array',
    minItems: 1,
    items: { type: 'string', minLength: 1 },
    description: 'Megatron --data-path items: prefixes of .bin/.idx datasets (tools/preprocess_data.py), optionally weighted.',
    $comment: 'default: none (--mock-data)',
  },
  split: string('Megatron --split: train/valid/test weights.', '969,30,1'),
  tokenizer: oneOfValues(MEGATRON_TOKENIZERS, 'Megatron --tokenizer-type.', 'NullTokenizer'),
  tokenizer_model: string('Megatron --tokenizer-model: a Hugging Face id or a tokenizer file.'),
  save: string('Megatron --save: checkpoint directory.'),
  load: string('Megatron --load: checkpoint directory to resume from.'),
  dispatcher: oneOfValues(['allgather', 'alltoall', 'flex'], 'MoE token dispatcher.', 'alltoall'),
  flex_backend: oneOfValues(['deepep', 'hybridep', 'ncclep'], 'Backend of the flex dispatcher.', 'deepep'),
  grouped_gemm: bool('Grouped GEMM for the experts (Transformer Engine).', true),
  mtp_loss_scale: nonNegative('Weight of the multi-token-prediction loss.', 0.1),
  fsdp: oneOfValues(['megatron', 'torch'], 'Sharded data parallelism for zero 2/3: Megatron-FSDP or torch FSDP2 (zero 3 only).', 'megatron'),
});

/** The schema of ModelSpec. `$id` lets editors cache it. */
export const modelSpecSchema: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://moec.dev/schema/model-spec.json',
  ...object(
    'A Mixture-of-Experts model spec (`.moe.json` / `.moe.yaml`, or what a `.moe` file lowers to).',
    {
      name: string('Model name.'),
      vocab: int(1, 'Vocabulary size.'),
      hidden: int(1, 'Model (residual stream) width.'),
      // Bounded so a typo (an extra `_000`) gets a message instead of moec enumerating the layers.
      layers: int(1, 'Decoder layers (at most 10,000).', undefined, 10_000),
      context: int(1, 'Maximum sequence length.'),
      tie_embeddings: bool('Share the token embedding with the output projection.', false),
      lm_head_bias: bool('A bias on the output projection, lm_head.bias [vocab] (Phi-3.5-MoE).', false),
      scaling,
      norm,
      attention,
      dense,
      moe,
      mtp,
      parallel,
      quantize,
      train,
      targets: {
        type: 'array',
        items: { enum: [...TARGETS] },
        uniqueItems: true,
        description: 'Targets the spec is written for; target-specific checks run for these (a command\'s --target overrides).',
      },
      megatron,
    },
    ['name', 'vocab', 'hidden', 'layers', 'context', 'attention'],
  ),
  title: 'moec model spec',
};
