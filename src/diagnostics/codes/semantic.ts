/**
 * Diagnostic codes MOE3xxx (semantic). Codes are stable: never renumber or reuse one;
 * retire a code by leaving it here with `retired: why`. Each is documented in docs/diagnostics.md.
 *
 * Ranges follow the check files in src/validate/checks/: 31xx attention, 32xx experts and
 * router, 33xx layer selections, 34xx parallel layout, 35xx quantization, 36xx training,
 * 37xx settings a target cannot honour, 38xx router losses and their mapping to other engines.
 */
import { defineCodes } from './entry.js';

export const semanticCodes = defineCodes({
  // 31xx attention
  MOE3101: { severity: 'error', title: 'hidden not divisible by heads', message: 'hidden {hidden} is not divisible by attention.heads {heads}, so head_dim cannot default to hidden / heads' },
  MOE3102: { severity: 'error', title: 'kv_heads does not divide heads', message: 'attention.kv_heads {kv_heads} does not divide heads {heads}: every key/value head must serve the same number of query heads' },
  MOE3103: { severity: 'error', title: 'odd head_dim with rope', message: 'rotary embedding needs an even head_dim, but head_dim is {head_dim}{why}' },
  MOE3104: { severity: 'error', title: 'rope.dim too large', message: 'rope.dim {dim} exceeds the {max} dimensions per head that can rotate ({what})' },
  MOE3105: { severity: 'error', title: 'odd rope.dim', message: 'rope.dim {dim} is odd: rotary embedding rotates pairs of dimensions' },
  MOE3106: { severity: 'error', title: 'odd MLA rope dims', message: 'mla.qk_rope_head_dim {dim} is odd: rotary embedding rotates pairs of dimensions' },
  MOE3107: { severity: 'warning', title: 'key ignored with MLA', message: 'attention.{key} {value} is ignored with mla: {why}' },
  MOE3108: { severity: 'warning', title: 'window never limits attention', message: 'attention.window {window} is not smaller than context {context}: the sliding window never limits attention' },
  MOE3109: { severity: 'warning', title: 'window_layers without window', message: 'attention.window_layers has no effect without attention.window' },
  MOE3110: { severity: 'warning', title: 'rope.factor without scaling', message: 'rope.factor {factor} has no effect with scaling {scaling}' },
  MOE3111: { severity: 'warning', title: 'rope scaling factor ≤ 1', message: 'rope scaling {scaling} with factor {factor} does not extend the context (factor must be > 1)' },
  MOE3112: { severity: 'error', title: 'rope.dim conflicts with MLA', message: 'rope.dim {dim} conflicts with mla.qk_rope_head_dim {rope_dim}: with MLA the rotary part of each head is qk_rope_head_dim' },

  // 32xx experts and router
  MOE3201: { severity: 'error', title: 'top_k exceeds experts', message: 'router.top_k {top_k} exceeds the {experts} routed experts' },
  MOE3202: { severity: 'warning', title: 'top_k selects every expert', message: 'router.top_k {top_k} selects all {experts} experts: every token goes to every expert, so the layer is dense with extra routing cost' },
  MOE3203: { severity: 'error', title: 'groups does not divide experts', message: 'router.groups {groups} does not divide the {experts} routed experts' },
  MOE3204: { severity: 'error', title: 'top_groups exceeds groups', message: 'router.top_groups {top_groups} exceeds groups {groups}' },
  MOE3205: { severity: 'error', title: 'top_k exceeds experts reachable in top groups', message: 'router.top_k {top_k} exceeds the {reachable} experts in the top {top_groups} groups (top_groups {top_groups} × {per_group} experts per group)' },
  MOE3206: { severity: 'error', title: 'groups and top_groups must be set together', message: 'router.{given} is set without router.{missing}: group-limited routing needs both' },
  MOE3207: { severity: 'warning', title: 'overflow without capacity', message: 'router.overflow {overflow} has no effect without capacity_factor: experts have no capacity limit' },
  MOE3208: { severity: 'warning', title: 'norm_topk with top_k 1', message: 'router.norm_topk with top_k 1 and softmax scores makes every routing weight exactly 1: the router gets no gradient from the expert output' },
  MOE3209: { severity: 'warning', title: 'group_score without groups', message: 'router.group_score has no effect without group-limited routing (groups, top_groups)' },
  MOE3210: { severity: 'warning', title: 'capacity_factor below 1', message: 'router.capacity_factor {capacity_factor} < 1 drops tokens even when routing is perfectly balanced' },
  MOE3211: { severity: 'error', title: 'top2_sum needs two experts per group', message: 'router.group_score top2_sum needs at least 2 experts per group, but {experts} experts in {groups} groups give {per_group}' },
  MOE3212: { severity: 'warning', title: 'no load balancing', message: 'the router has no load balancing (aux_loss, bias_update and capacity_factor unset): training tends to collapse onto a few experts' },

  MOE3213: { severity: 'warning', title: 'a single routed expert', message: 'moe.experts has 1 routed expert: every token goes to it, so the layer is a dense FFN with an extra router' },

  // 33xx layer selections
  MOE3301: { severity: 'error', title: 'layer out of range', message: 'layer {index} in `{path}` is out of range: the model has {layers} layers (0..{last})' },
  MOE3302: { severity: 'error', title: 'reversed range', message: 'range {range} in `{path}` is reversed: the start must not exceed the end' },
  MOE3303: { severity: 'error', title: 'layer both dense and MoE', message: '{list}: selected by both dense.layers and moe.layers' },
  MOE3304: { severity: 'error', title: 'layer without FFN', message: '{list}: no feed-forward block (not an MoE layer, and {why})' },
  MOE3305: { severity: 'warning', title: 'layer listed twice', message: 'layer {index} is selected more than once in `{path}`' },
  MOE3306: { severity: 'warning', title: 'moe selects no layer', message: 'the moe block selects no layer ({why}): the model has no MoE layers' },
  MOE3307: { severity: 'warning', title: 'dense block unused', message: 'the dense block is used by no layer: every layer is an MoE layer' },

  // 34xx parallel layout
  MOE3401: { severity: 'error', title: 'experts not divisible by expert parallelism', message: 'the {experts} routed experts cannot be split evenly over parallel.expert {expert}' },
  MOE3402: { severity: 'warning', title: 'uneven pipeline stages', message: '{layers} layers do not split evenly over pipeline {pipeline} × virtual_stages {virtual} = {stages} stages: stages get {low} or {high} layers' },
  MOE3403: { severity: 'error', title: 'more pipeline stages than layers', message: 'pipeline {pipeline} × virtual_stages {virtual} = {stages} stages for {layers} layers: some stages would hold no layer' },
  MOE3404: { severity: 'error', title: 'not divisible by tensor parallelism', message: '{what} {value} is not divisible by parallel.{degree_key} {degree}' },
  MOE3405: { severity: 'warning', title: 'kv heads replicated over tensor ranks', message: 'attention.kv_heads {kv_heads} < parallel.tensor {tensor}: each key/value head is replicated on {copies} tensor ranks' },
  MOE3406: { severity: 'error', title: 'degrees do not multiply to world', message: 'data {data} × tensor {tensor} × pipeline {pipeline} × context {context} = {product}, but world is {world}' },
  MOE3407: { severity: 'error', title: 'world not divisible', message: 'world {world} is not divisible by tensor {tensor} × pipeline {pipeline} × context {context} = {product}, so the data-parallel degree cannot be derived' },
  MOE3408: { severity: 'error', title: 'expert parallelism does not fold into the layout', message: 'expert {expert} × expert_tensor {expert_tensor} = {product} does not divide data {data} × tensor {tensor} × context {context} = {ranks}, the ranks of one pipeline stage' },
  MOE3409: { severity: 'warning', title: 'ZeRO-3 with pipeline parallelism', message: 'zero 3 with pipeline {pipeline}: DeepSpeed does not support ZeRO stage 3 with pipeline parallelism' },
  MOE3410: { severity: 'warning', title: 'sequence_parallel without tensor parallelism', message: 'parallel.sequence_parallel has no effect with tensor 1: it shards activations over tensor-parallel ranks' },
  MOE3411: { severity: 'warning', title: 'expert and tensor parallelism without sequence parallelism', message: 'expert {expert} with tensor {tensor} needs sequence_parallel: Megatron-Core requires sequence parallelism when expert and tensor parallelism are combined' },
  MOE3412: { severity: 'error', title: 'batch does not match micro_batch × data × grad_accum', message: 'micro_batch {micro_batch} × data {data} × grad_accum {grad_accum} = {product}, but train.batch is {batch}' },
  MOE3413: { severity: 'warning', title: 'virtual_stages without pipeline', message: 'parallel.virtual_stages {virtual} has no effect with pipeline 1' },
  MOE3414: { severity: 'error', title: 'sequence not divisible by context parallelism', message: 'sequence length {seq_len} is not divisible by 2 × context {context} = {chunks}: context parallelism splits each sequence into 2 × context chunks' },
  MOE3415: { severity: 'error', title: 'sequence not divisible by tensor for sequence parallelism', message: 'sequence length {seq_len} is not divisible by tensor {tensor}: sequence parallelism splits each sequence over the tensor ranks' },
  MOE3416: { severity: 'warning', title: 'ZeRO without data parallelism', message: 'zero {zero} with data 1: there are no data-parallel ranks to shard over' },
  MOE3417: { severity: 'warning', title: 'expert parallelism without MoE', message: 'parallel.{key} {value} has no effect: the model has no MoE layers' },
  MOE3418: { severity: 'error', title: 'batch not divisible into micro-batches', message: 'train.batch {batch} is not divisible by micro_batch {micro_batch} × data {data} = {per}: each data-parallel rank must get whole micro-batches' },

  // 3420–3449 what real models compute (issue 8 §1): MLA exclusions, YaRN, activation and norm options
  MOE3420: { severity: 'error', title: 'attention option not available with MLA', message: 'attention.{key} {value} cannot be used with mla: {why}' },
  MOE3421: { severity: 'warning', title: 'YaRN key without yarn scaling', message: 'rope.{key} has no effect with scaling {scaling}: it is a YaRN parameter' },
  MOE3422: { severity: 'warning', title: 'YaRN factor disagrees with the contexts', message: 'rope.factor {factor} ≠ context {context} / original_context {original} = {ratio}: transformers v5 uses factor, v4 uses the ratio' },
  MOE3423: { severity: 'warning', title: 'clamped_swiglu key on another activation', message: '{block}.{key} has no effect with activation {activation}: it belongs to clamped_swiglu' },
  MOE3424: { severity: 'warning', title: 'norm bias with rmsnorm', message: 'norm.bias has no effect with rmsnorm: RMSNorm has no bias' },
  MOE3425: { severity: 'warning', title: 'YaRN beta_fast below beta_slow', message: 'rope.beta_fast {fast} < beta_slow {slow}: the ramp between extrapolated and interpolated frequencies runs backwards' },
  MOE3426: { severity: 'warning', title: 'YaRN mscale ignored', message: 'rope.mscale {mscale} has no effect: {why}' },
  // 38xx router losses and their mapping to other engines (src/validate/checks/router.ts, src/interop/router-losses.ts)
  MOE3801: { severity: 'warning', title: 'aux_loss_type without aux_loss', message: 'router.aux_loss_type {type} has no effect: aux_loss is 0, so there is no balance loss' },
  MOE3802: { severity: 'warning', title: 'drop_policy without drops', message: 'router.drop_policy {policy} has no effect: {why}' },
  MOE3810: { severity: 'error', title: 'router setting not expressible in the target', message: '{target} cannot express router.{key} {value}: {why}' },
  MOE3811: { severity: 'warning', title: 'router setting differs in the target', message: '{target}: router.{key} {value} is emitted as {emitted}, which differs: {why}' },
  MOE3812: { severity: 'info', title: 'router coefficient converted for the target', message: '{target}: router.{key} {value} is emitted as {emitted}: {why}' },

  // 35xx quantization
  MOE3501: { severity: 'error', title: 'block does not divide the dimension', message: 'quantize.{group}.block {block} does not divide {dim_name} {dim}, the input dimension of {tensors}' },
  MOE3502: { severity: 'error', title: 'int4 with per-tensor scales', message: 'quantize.{group} {dtype} needs per-channel or block scales, not granularity tensor' },
  MOE3503: { severity: 'error', title: 'block without granularity block', message: 'quantize.{group}.block is set but granularity is {granularity}' },
  MOE3504: { severity: 'error', title: 'granularity block without block size', message: 'quantize.{group} has granularity block but no block size' },
  MOE3505: { severity: 'warning', title: 'quantized router', message: 'quantize.{group} {dtype} quantizes the router weights: routing decisions are sensitive to small errors (DeepSeek-V3 keeps the gate in BF16/FP32 even when training in FP8)' },
  MOE3506: { severity: 'error', title: 'int4 activations', message: 'quantize.activations int4 is not supported: activations can be fp32, fp16, bf16 or int8 (dynamic quantization)' },
  MOE3507: { severity: 'warning', title: 'quantize group matches no tensor', message: 'quantize.{group} has no effect: {why}' },
  MOE3508: { severity: 'error', title: 'tied embeddings with two dtypes', message: 'tie_embeddings shares one matrix between embeddings and lm_head, but quantize gives them {embeddings} and {lm_head}' },
  MOE3509: { severity: 'warning', title: 'integer options on a float dtype', message: 'quantize.{group}.{key} has no effect on {dtype}: float dtypes are cast, not scaled' },

  // 36xx training
  MOE3601: { severity: 'error', title: 'warmup longer than training', message: 'schedule.warmup {warmup} exceeds train.steps {steps}: the learning rate never reaches its peak' },
  MOE3602: { severity: 'error', title: 'min_lr above lr', message: 'schedule.min_lr {min_lr} exceeds optimizer lr {lr}' },
  MOE3603: { severity: 'error', title: 'seq_len exceeds context', message: 'train.seq_len {seq_len} exceeds the model context {context}' },
  MOE3604: { severity: 'error', title: 'batch not divisible by grad_accum', message: 'train.batch {batch} is not divisible by grad_accum {grad_accum}' },
  MOE3605: { severity: 'warning', title: 'min_lr on a constant schedule', message: 'schedule.min_lr has no effect on a constant schedule' },
  MOE3606: { severity: 'warning', title: 'warmup not shorter than decay', message: 'schedule.warmup {warmup} is not shorter than decay_steps {decay_steps}: there is no decay phase' },
  MOE3607: { severity: 'warning', title: 'checkpoint interval exceeds steps', message: 'train.checkpoint_every {every} exceeds steps {steps}: no checkpoint is written before the run ends' },
  MOE3608: { severity: 'warning', title: 'optimizer option ignored', message: 'optimizer.{key} is ignored by {type}' },
  MOE3609: { severity: 'warning', title: 'decay longer than training', message: 'schedule.decay_steps {decay_steps} exceeds train.steps {steps}: the learning rate stops before reaching min_lr' },

  // 37xx settings a target cannot honour
  MOE3701: { severity: 'warning', title: 'precision not available in tfjs', message: 'train.precision {precision}: the tfjs target will train in fp32 (TensorFlow.js has no fp16/bf16 kernels)' },
  MOE3702: { severity: 'warning', title: 'optimizer not available in tfjs', message: 'optimizer {type}: the tfjs target cannot train with it' },
  MOE3703: { severity: 'warning', title: 'feature not implemented by a target', message: '{feature}: {consequence}' },
});
