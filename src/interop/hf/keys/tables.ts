/**
 * HF bridge — the checkpoint key tables per model_type, as rows (key-row.ts). Sources:
 * transformers `modeling_<type>.py` / `modular_<type>.py` module names (v4 per-expert layouts,
 * as on the Hub and as `save_pretrained` writes by default), `conversion_mapping.py` for the v5
 * fused expert layout it converts to at load time (`MergeModulelist(dim=0)` + `Concatenate(dim=1)`:
 * gate rows then up rows), gpt_oss `GptOssExperts` (gate_up_proj [E, H, 2F], gate = `[..., ::2]`,
 * up = `[..., 1::2]`; down_proj [E, F, H]) and `integrations/mxfp4.py` (`*_blocks`/`*_scales`),
 * DeepSeek-V3's Hub checkpoint and Megatron-Bridge `models/deepseek/common.py` for the MTP keys
 * (`model.layers.{L+d}.{enorm,hnorm,eh_proj,shared_head.norm}`). docs/hf.md prints these tables.
 */
import { copy, fusedPart, linear, linearWithBias, stacked, type KeyRow } from './key-row.js';

const L = 'layers.{i}';
const H = 'model.layers.{i}';

/** Embedding, per-layer norms, final norm, LM head (every model_type). */
export const BASE_ROWS: readonly KeyRow[] = [
  copy('embed_tokens.weight', 'model.embed_tokens.weight'),
  copy(`${L}.input_norm.weight`, `${H}.input_layernorm.weight`),
  copy(`${L}.post_attn_norm.weight`, `${H}.post_attention_layernorm.weight`),
  copy('norm.weight', 'model.norm.weight'),
  linear('lm_head.weight', 'lm_head.weight'),
];

/** Multi-head / grouped-query attention: the q, k, v, o projections. */
export const ATTENTION_ROWS: readonly KeyRow[] = ['q', 'k', 'v', 'o'].map((p) => linear(`${L}.attn.${p}_proj.weight`, `${H}.self_attn.${p}_proj.weight`));
/** q, k, v biases (qwen2_moe's qkv_bias; attention_bias elsewhere). */
export const QKV_BIAS_ROWS: readonly KeyRow[] = ['q', 'k', 'v'].map((p) => copy(`${L}.attn.${p}_proj.bias`, `${H}.self_attn.${p}_proj.bias`));
/** The o_proj bias (attention_bias: qwen3_moe, olmoe, gpt_oss). */
export const OUT_BIAS_ROWS: readonly KeyRow[] = [copy(`${L}.attn.o_proj.bias`, `${H}.self_attn.o_proj.bias`)];
/** q / k norms: per head [head_dim] (qwen3_moe) or over the whole projection (olmoe); same keys. */
export const QK_NORM_ROWS: readonly KeyRow[] = [copy(`${L}.attn.q_norm.weight`, `${H}.self_attn.q_norm.weight`), copy(`${L}.attn.k_norm.weight`, `${H}.self_attn.k_norm.weight`)];
/** gpt-oss's learned attention sinks [heads]. */
export const SINK_ROWS: readonly KeyRow[] = [copy(`${L}.attn.sinks`, `${H}.self_attn.sinks`)];

/** DeepSeek's multi-head latent attention (rope rows of q and kv_a reordered, key-row.ts). */
export const MLA_ROWS: readonly KeyRow[] = [
  linear(`${L}.attn.q_proj.weight`, `${H}.self_attn.q_proj.weight`, 'q'),
  linear(`${L}.attn.q_a_proj.weight`, `${H}.self_attn.q_a_proj.weight`),
  copy(`${L}.attn.q_a_norm.weight`, `${H}.self_attn.q_a_layernorm.weight`),
  linear(`${L}.attn.q_b_proj.weight`, `${H}.self_attn.q_b_proj.weight`, 'q'),
  linear(`${L}.attn.kv_a_proj.weight`, `${H}.self_attn.kv_a_proj_with_mqa.weight`, 'kv_a'),
  copy(`${L}.attn.kv_a_norm.weight`, `${H}.self_attn.kv_a_layernorm.weight`),
  linear(`${L}.attn.kv_b_proj.weight`, `${H}.self_attn.kv_b_proj.weight`),
  linear(`${L}.attn.o_proj.weight`, `${H}.self_attn.o_proj.weight`),
];

const PROJ = ['gate', 'up', 'down'] as const;

/** A gated FFN at `ir` ↔ `hf` (`{gate,up,down}_proj`; no biases in these model_types). */
const ffnRows = (ir: string, hf: string): KeyRow[] => PROJ.map((p) => linear(`${ir}.${p}_proj.weight`, `${hf}.${p}_proj.weight`));

/** Dense FFN layers (qwen's mlp_only_layers, DeepSeek's first_k_dense_replace). */
export const DENSE_ROWS: readonly KeyRow[] = ffnRows(`${L}.mlp`, `${H}.mlp`);

const E = `${L}.moe.experts.{e}`;

/** transformers v5 fused experts (save_original_format=False): gate_up_proj [E, 2F, H], down_proj [E, H, F]. */
const v5Experts = (hf: string): KeyRow[] => [
  stacked(`${E}.gate_proj.weight`, `${hf}.gate_up_proj`, 'first-half-rows', true),
  stacked(`${E}.up_proj.weight`, `${hf}.gate_up_proj`, 'second-half-rows', true),
  stacked(`${E}.down_proj.weight`, `${hf}.down_proj`, 'all', true),
];

/** Per-expert modules `mlp.experts.{e}.{gate,up,down}_proj` (qwen, olmoe, deepseek; Hub layout). */
export const EXPERT_ROWS: readonly KeyRow[] = [...ffnRows(E, `${H}.mlp.experts.{e}`), ...v5Experts(`${H}.mlp.experts`)];

/** Mixtral: `block_sparse_moe.experts.{e}.w1` (gate) / `w3` (up) / `w2` (down); v5 renames the block `mlp`. */
export const MIXTRAL_MOE_ROWS: readonly KeyRow[] = [
  linear(`${L}.moe.router.weight`, `${H}.block_sparse_moe.gate.weight`),
  linear(`${L}.moe.router.weight`, `${H}.mlp.gate.weight`),
  linear(`${E}.gate_proj.weight`, `${H}.block_sparse_moe.experts.{e}.w1.weight`),
  linear(`${E}.up_proj.weight`, `${H}.block_sparse_moe.experts.{e}.w3.weight`),
  linear(`${E}.down_proj.weight`, `${H}.block_sparse_moe.experts.{e}.w2.weight`),
  ...v5Experts(`${H}.mlp.experts`),
];

/** Router `mlp.gate` (qwen, olmoe, deepseek). */
export const GATE_ROWS: readonly KeyRow[] = [linear(`${L}.moe.router.weight`, `${H}.mlp.gate.weight`)];
/** DeepSeek-V3's selection bias (kept float32 by transformers). */
export const SCORE_BIAS_ROWS: readonly KeyRow[] = [copy(`${L}.moe.router.score_bias`, `${H}.mlp.gate.e_score_correction_bias`)];

/** Qwen2-MoE's shared expert and its sigmoid gate [1, H]. */
export const QWEN_SHARED_ROWS: readonly KeyRow[] = [
  ...ffnRows(`${L}.moe.shared`, `${H}.mlp.shared_expert`),
  linear(`${L}.moe.shared.gate.weight`, `${H}.mlp.shared_expert_gate.weight`),
];

/** DeepSeek's shared experts, fused to one FFN of width n_shared · F (as moec's IR). */
export const DEEPSEEK_SHARED_ROWS: readonly KeyRow[] = ffnRows(`${L}.moe.shared`, `${H}.mlp.shared_experts`);

/** gpt-oss: router with bias; experts fused [E, H, 2F] interleaved, biases, or MXFP4 blocks. */
export const GPT_OSS_MOE_ROWS: readonly KeyRow[] = [
  ...linearWithBias(`${L}.moe.router`, `${H}.mlp.router`),
  ...[false, true].flatMap((mx) => [
    stacked(`${E}.gate_proj.weight`, `${H}.mlp.experts.gate_up_proj`, 'even-cols', false, mx),
    stacked(`${E}.up_proj.weight`, `${H}.mlp.experts.gate_up_proj`, 'odd-cols', false, mx),
    stacked(`${E}.down_proj.weight`, `${H}.mlp.experts.down_proj`, 'all', false, mx),
  ]),
  stacked(`${E}.gate_proj.bias`, `${H}.mlp.experts.gate_up_proj_bias`, 'even-cols', false),
  stacked(`${E}.up_proj.bias`, `${H}.mlp.experts.gate_up_proj_bias`, 'odd-cols', false),
  stacked(`${E}.down_proj.bias`, `${H}.mlp.experts.down_proj_bias`, 'all', false),
];

/** DeepSeek-V3 MTP module d, stored as HF layer m = layers + d. Its decoder layer maps as layer m. */
export const MTP_ROWS: readonly KeyRow[] = [
  copy('mtp.{d}.enorm.weight', 'model.layers.{m}.enorm.weight'),
  copy('mtp.{d}.hnorm.weight', 'model.layers.{m}.hnorm.weight'),
  linear('mtp.{d}.eh_proj.weight', 'model.layers.{m}.eh_proj.weight'),
  copy('mtp.{d}.norm.weight', 'model.layers.{m}.shared_head.norm.weight'),
];

/** DeepSeek-V3 stores copies of the embedding and LM head in each MTP layer (shared in moec). */
export const MTP_COPIES = ['model.layers.{m}.embed_tokens.weight', 'model.layers.{m}.shared_head.head.weight'] as const;

/**
 * GraniteMoe (modular_granitemoe.py @ 023633dd, JetMoe's ParallelExperts / TopKGating): router
 * `block_sparse_moe.router.layer` [E, H]; `input_linear.weight` [E, 2F, H], gate rows first
 * (chunk(2, dim=-1): act(first half) * second half); `output_linear.weight` [E, H, F]. No v5
 * conversion_mapping entry: these runtime names are the disk names.
 */
export const GRANITE_MOE_ROWS: readonly KeyRow[] = [
  linear(`${L}.moe.router.weight`, `${H}.block_sparse_moe.router.layer.weight`),
  stacked(`${E}.gate_proj.weight`, `${H}.block_sparse_moe.input_linear.weight`, 'first-half-rows', true),
  stacked(`${E}.up_proj.weight`, `${H}.block_sparse_moe.input_linear.weight`, 'second-half-rows', true),
  stacked(`${E}.down_proj.weight`, `${H}.block_sparse_moe.output_linear.weight`, 'all', true),
];

/** GraniteMoeShared's shared MLP: `shared_mlp.input_linear.weight` [2F, H] (gate rows first), `output_linear.weight` [H, F]. */
export const GRANITE_SHARED_ROWS: readonly KeyRow[] = [
  fusedPart(`${L}.moe.shared.gate_proj.weight`, `${H}.shared_mlp.input_linear.weight`, 'first-half-rows'),
  fusedPart(`${L}.moe.shared.up_proj.weight`, `${H}.shared_mlp.input_linear.weight`, 'second-half-rows'),
  linear(`${L}.moe.shared.down_proj.weight`, `${H}.shared_mlp.output_linear.weight`),
];
