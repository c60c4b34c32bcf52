/**
 * Diagnostic codes MOE8xxx (Megatron-Core target). Codes are stable: never renumber or reuse one;
 * retire a code by leaving it here with `retired: why`. Each is documented in docs/diagnostics.md,
 * and docs/megatron.md says which Megatron source line each rule comes from.
 *
 *   80xx  spec keys Megatron cannot state (refusals, src/lower/megatron/refusals.ts)
 *   81xx  what Megatron would refuse at launch or when its process groups start
 *         (src/lower/megatron/launch-checks.ts)
 *   82xx  `moec compile --target megatron` usage and launch settings
 */
import { defineCodes } from './entry.js';

export const megatronCodes = defineCodes({
  // 80xx: refusals — the spec says something no Megatron-Core argument can say.
  MOE8001: {
    severity: 'error',
    title: 'FFN activations differ',
    message: 'Megatron-Core uses one activation for every FFN, but {list}',
    hint: 'use one activation for the dense, routed and shared FFNs',
  },
  MOE8002: {
    severity: 'error',
    title: 'activation Megatron cannot state',
    message: '{key} {value}: Megatron-Core has no {what}',
    hint: 'nearest: swiglu (--swiglu) or gelu (Megatron\'s default activation)',
  },
  MOE8003: {
    severity: 'error',
    title: 'bias set Megatron cannot state',
    message: 'biases on {on} but not on {off}: Megatron-Core switches every linear bias together (--disable-bias-linear), with q/k/v as the only separate switch (--add-qkv-bias)',
  },
  MOE8004: {
    severity: 'error',
    title: 'non-integer rope theta',
    message: 'rope.theta {theta} is not a whole number: Megatron-Core parses --rotary-base as an integer',
  },
  MOE8005: {
    severity: 'error',
    title: 'non-integer linear rope factor',
    message: 'rope scaling linear with factor {factor}: Megatron-Core parses --rotary-seq-len-interpolation-factor as an integer',
  },
  MOE8006: {
    severity: 'error',
    title: 'YaRN setting Megatron cannot state',
    message: 'rope scaling yarn: {why}',
  },
  MOE8007: {
    severity: 'error',
    title: 'sigmoid routing weights Megatron cannot state',
    message: 'router.score sigmoid with norm_topk {norm_topk} and top_k {top_k}: {why}',
  },
  MOE8008: {
    severity: 'error',
    title: 'group score Megatron cannot state',
    message: 'router.group_score {group_score} with top_k {top_k} and top_groups {top_groups}: Megatron-Core scores a group by the sum of its top top_k ÷ top_groups = {per} scores',
  },
  MOE8009: {
    severity: 'error',
    title: 'groups chosen on logits',
    message: 'router.group_score top2_sum with softmax scores and norm_topk true: Megatron-Core (without --moe-router-pre-softmax) picks groups by the sum of their top logits, not of their softmax scores',
    hint: 'set norm_topk false (Megatron\'s --moe-router-pre-softmax), or use sigmoid scores',
  },
  MOE8010: {
    severity: 'error',
    title: 'token drop order Megatron cannot state',
    message: 'router.overflow drop: moec drops over-capacity tokens in GShard priority order (all first choices, then all second choices, ...); Megatron-Core keeps the highest-probability tokens (--moe-token-drop-policy probs) or the earliest ones (position)',
    hint: 'remove capacity_factor (or set overflow no_drop) for a dropless run, which is also Megatron\'s default',
    retired: 'router.drop_policy (probs, position) states Megatron\'s --moe-token-drop-policy; only gshard is inexpressible, and src/interop/router-losses.ts reports it as MOE3810',
  },
  MOE8011: {
    severity: 'error',
    title: 'optimizer Megatron cannot state',
    message: 'optimizer {type}: Megatron-Core has no {what}',
    hint: 'use adamw (Megatron\'s Adam, whose weight decay is decoupled)',
  },
  MOE8012: {
    severity: 'error',
    title: 'LayerNorm where moec uses RMSNorm',
    message: 'Megatron-Core builds {what} with the model\'s --normalization (LayerNorm here); moec\'s are RMSNorm',
    hint: 'use norm rmsnorm',
  },
  MOE8013: {
    severity: 'warning',
    title: 'dropout also on the embeddings',
    message: 'train.dropout {dropout}: Megatron-Core also applies --hidden-dropout to the embedding output, which moec does not',
    hint: 'fine for regularisation; the emitted run drops a little more than the spec says',
  },
  MOE8014: {
    severity: 'error',
    title: 'per-head q/k norm with MLA',
    message: 'attention.qk_norm with mla: Megatron-Core\'s MLA has no per-head q/k norm (its --qk-layernorm is the latent q/kv norms, which the launch always sets)',
    hint: 'remove qk_norm',
    retired: 'qk_norm with mla is an error for every target now (MOE3420), so the Megatron rule would only repeat it',
  },
  MOE8015: {
    severity: 'error',
    title: 'sliding window on the MTP layer differs',
    message: 'mtp with a sliding window: Megatron-Core numbers each MTP layer from 1 and windows it by that number, so MTP layer {depth} {megatron} the window, but moec\'s MTP layer copies layer {last}, which {moec}',
    hint: 'make the last layer\'s windowing match layer 0\'s, or remove mtp',
  },
  MOE8016: {
    severity: 'error',
    title: 'clamped_swiglu alpha Megatron cannot state',
    message: '{key} {alpha}: Megatron-Core states clamped SwiGLU as --quick-geglu, whose gate is x·σ(1.702·x) with the 1.702 fixed in the code (megatron/core/activations.py:17)',
    hint: 'use swiglu_alpha 1.702 (gpt-oss\'s value)',
  },
  MOE8017: {
    severity: 'error',
    title: 'full-width q/k norm',
    message: 'attention.qk_norm full: Megatron-Core\'s --qk-layernorm normalises each head separately (a [head_dim] weight, attention.py:1722), not the whole q and k projections as OLMoE does',
    hint: 'nearest: qk_norm head (per-head RMSNorm, as Qwen3) — a different model, so only when training from scratch',
  },
  MOE8018: {
    severity: 'error',
    title: 'q/k/v clamping',
    message: 'attention.clip_qkv {clip}: Megatron-Core has no clamp on the q, k, v projections (its --qk-clip rescales weights, MuonClip)',
    hint: 'remove clip_qkv',
  },
  MOE8019: {
    severity: 'error',
    title: 'LayerNorm without bias',
    message: 'norm layernorm with bias false: every Megatron-Core LayerNorm has a bias (Transformer Engine\'s LayerNorm, FusedLayerNorm, torch.nn.LayerNorm; extensions/transformer_engine.py:829, fusions/fused_layer_norm.py:113)',
    hint: 'nearest: norm layernorm with its bias (Megatron starts it at zero but trains it), or norm rmsnorm',
  },
  MOE8020: {
    severity: 'error',
    title: 'LM head bias',
    message: 'lm_head_bias true: Megatron-Core\'s output layer has no bias (gpt_model.py:278, bias=False)',
    hint: 'remove lm_head_bias',
  },
  MOE8021: {
    severity: 'error',
    title: 'MLA latent-norm eps differs from norm.eps',
    message: 'mla.norm_eps {mla_eps} ≠ norm.eps {eps}: Megatron-Core builds the q/kv latent norms with --norm-epsilon, the same eps as every other norm (multi_latent_attention.py:622, 628)',
    hint: 'set mla.norm_eps {eps}, or norm.eps {mla_eps}',
  },
  MOE8022: {
    severity: 'error',
    title: 'linear RoPE scaling with MLA',
    message: 'rope scaling linear with mla: Megatron-Core\'s MLA builds its rotary embedding without --rotary-seq-len-interpolation-factor (multi_latent_attention.py:182), so positions would not be interpolated',
    hint: 'use scaling yarn with mla (Megatron\'s MLA default), or no scaling',
  },
  MOE8023: {
    severity: 'error',
    title: 'softmax scale Megatron cannot state',
    message: 'attention.softmax_scale {scale} (computed: {computed}): no Megatron-Core launch argument sets the softmax scale (DotProductAttention takes softmax_scale only from MLA\'s own code, 1/√(qk head dim) × YaRN mscale²; megatron/training/arguments.py has no --softmax-scale)',
    hint: 'remove attention.softmax_scale (a different model unless training from scratch)',
  },
  MOE8024: {
    severity: 'error',
    title: 'Granite multipliers',
    message: 'scaling.{key} {value}: Megatron-Core has no embedding, residual-branch or logits multiplier (GPTModel adds each branch unscaled and returns the output layer\'s logits; megatron/training/arguments.py has none of Granite\'s embedding_multiplier, residual_multiplier, logits_scaling)',
    hint: 'remove scaling.{key} (a different model unless training from scratch)',
  },
  MOE8025: {
    severity: 'error',
    title: 'shared experts with biases',
    message: 'moe.shared with biases on every linear: Megatron-Core\'s shared experts have no bias (SharedExpertMLP asserts add_bias_linear false, moe/shared_experts.py:124), and the spec\'s shared experts take the routed experts\' biases',
    hint: 'turn the biases off (Megatron: --disable-bias-linear), or remove moe.shared',
  },

  // 81xx: launch checks — Megatron would stop in validate_args, a config __post_init__, or when its process groups start.
  MOE8101: {
    severity: 'error',
    title: 'MTP needs RoPE positions',
    message: 'mtp with rope scaling yarn: Megatron-Core runs multi-token prediction only with --position-embedding-type rope or none, and YaRN without mla is its own position-embedding type',
    hint: 'use rope scaling none or linear, or remove mtp',
  },
  MOE8102: {
    severity: 'error',
    title: 'top-1 softmax routing needs pre-softmax',
    message: 'router.top_k 1 with softmax scores and norm_topk true: Megatron-Core refuses it (softmax over one logit has no gradient) and wants --moe-router-pre-softmax',
    hint: 'set norm_topk false (--moe-router-pre-softmax: the weight is the softmax score over all experts)',
  },
  MOE8103: {
    severity: 'error',
    title: 'expert bias needs sigmoid scores',
    message: 'router.bias_update {bias_update} with {score} scores: Megatron-Core\'s aux-loss-free expert bias works only with sigmoid (or sqrtsoftplus) scores',
    hint: 'use score sigmoid, or balance with aux_loss instead',
    retired: 'src/interop/router-losses.ts, the one router-loss conversion, refuses it as MOE3810 at the same key',
  },
  MOE8104: {
    severity: 'error',
    title: 'MoE biases need expert_tensor 1',
    message: 'linear biases with MoE and expert_tensor {expert_tensor}: Megatron-Core supports MoE biases only with expert tensor parallelism 1',
    hint: 'set expert_tensor 1',
  },
  MOE8105: {
    severity: 'error',
    title: 'Megatron-FSDP optimizer',
    message: 'zero {zero} runs on Megatron-FSDP, which supports only the adam and sgd optimizers, not {type}',
    hint: 'use adamw, sgd or momentum, or zero 1 (the distributed optimizer)',
  },
  MOE8106: {
    severity: 'error',
    title: 'torch FSDP2 needs pipeline 1 and expert 1',
    message: 'megatron.fsdp torch with {key} {value}: Megatron-Core supports torch FSDP2 only without pipeline and expert parallelism',
    hint: 'use fsdp megatron (Megatron-FSDP), or pipeline 1 and expert 1',
  },
  MOE8107: {
    severity: 'error',
    title: 'torch FSDP2 requirement',
    message: 'megatron.fsdp torch: {why}',
  },
  MOE8108: {
    severity: 'warning',
    title: 'FSDP with tensor or context parallelism',
    message: 'zero {zero} (FSDP) with {what}: Megatron-Core wants CUDA_DEVICE_MAX_CONNECTIONS=1 for tensor/context parallelism but FSDP needs it unset or above 1, so the launch leaves it unset and overlaps less',
    hint: 'use zero 1 with tensor/context parallelism, or tensor 1 and context 1 with FSDP',
  },
  MOE8109: {
    severity: 'error',
    title: 'flex backend without the flex dispatcher',
    message: 'megatron.flex_backend {backend} with dispatcher {dispatcher}: the backend is used only by the flex dispatcher',
    hint: 'set dispatcher flex, or remove flex_backend',
  },
  MOE8110: {
    severity: 'error',
    title: 'tokenizer needs a model',
    message: 'megatron.tokenizer {tokenizer} loads its vocabulary from --tokenizer-model, which is not set',
    hint: 'set megatron.tokenizer_model (a Hugging Face id or a tokenizer file), or use NullTokenizer',
  },
  MOE8111: {
    severity: 'error',
    title: 'nodes × GPUs per node is not the world size',
    message: '{what}: torchrun starts nodes × gpus_per_node = {product} processes, but parallel.world is {world}',
    hint: 'choose nodes and gpus_per_node whose product is {world}',
  },
  MOE8112: {
    severity: 'error',
    title: 'interleaved pipeline: micro-batches not a multiple of pipeline',
    message: 'virtual_stages {virtual} with pipeline {pipeline}: Megatron-Core\'s interleaved schedule runs the micro-batches in groups of {pipeline} (microbatch_group_size_per_vp_stage) and stops at the first step, because train.batch {batch} ÷ (micro_batch {micro_batch} × data {data}) = {microbatches} micro-batches is not a multiple of {pipeline}',
    hint: 'use a train.batch that is a multiple of pipeline × micro_batch × data, or remove virtual_stages',
  },
  MOE8113: {
    severity: 'error',
    title: 'warmup not shorter than the decay',
    message: 'schedule.warmup {warmup} with decay over {decay_steps} steps: Megatron-Core\'s learning-rate scheduler requires the warmup to end before the decay does (--lr-warmup-iters < --lr-decay-iters) and stops at start-up otherwise, whatever the schedule type',
    hint: 'use a warmup shorter than {decay_steps} steps',
  },
  MOE8114: {
    severity: 'error',
    title: 'flex dispatcher without expert communication',
    message: 'megatron.dispatcher flex with the {backend} backend: Megatron-Core\'s dispatcher asserts expert_tensor × expert > 1 when it builds the MoE layers, but here it is {expert_tensor} × {expert} = 1',
    hint: 'use dispatcher alltoall (or allgather) for this layout, or raise parallel.expert',
  },
  MOE8115: {
    severity: 'error',
    title: 'ncclep backend needs a per-rank capacity',
    message: 'megatron.flex_backend ncclep: Megatron-Core\'s NCCL EP backend requires --moe-expert-rank-capacity-factor (the size of its receive buffer), which the spec cannot state',
    hint: 'use flex_backend deepep or hybridep, or add --moe-expert-rank-capacity-factor <f> after `bash train.sh`',
  },

  // 82xx: the compile command.
  MOE8201: {
    severity: 'error',
    title: 'no output directory given',
    message: '`moec compile --target megatron` needs an output directory: -o <dir>',
    hint: 'e.g. moec compile model.moe --target megatron -o launch/',
  },
  MOE8202: {
    severity: 'error',
    title: 'option does not apply to the Megatron target',
    message: '`{option}` does not apply to `--target megatron`',
    hint: '{hint}',
  },
  MOE8203: {
    severity: 'error',
    title: 'bad --megatron setting',
    message: '`--megatron {pair}`: {why}',
    hint: 'write --megatron key=value with a key of the megatron block (docs/megatron.md), e.g. --megatron nodes=2',
  },
});
