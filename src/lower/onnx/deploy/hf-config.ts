/**
 * ONNX output — `config.json` and `generation_config.json` of the model folder: a `model_type`
 * that the serving clients know for this architecture and the fields they read.
 *
 * transformers.js (src/configs.js `getNormalizedConfig`, v4.3) reads per model_type:
 *   qwen2_moe, qwen3_moe, gpt_oss, llama, qwen3 → num_key_value_heads, num_hidden_layers,
 *     hidden_size, num_attention_heads, head_dim;
 *   deepseek_v3 → num_key_value_heads, num_hidden_layers, num_attention_heads, qk_head_dim.
 * It builds the empty past from the ONNX input metadata, so these only need to agree with the
 * graph. The other fields follow HF's configuration_*.py for the type (so the file reads as the
 * architecture it claims) — they describe, they do not make the folder an HF PyTorch checkpoint.
 * Type choice: MLA → deepseek_v3; attention sinks → gpt_oss; MoE → qwen3_moe with qk_norm, else
 * qwen2_moe; dense → qwen3 with qk_norm, else llama. (transformers.js has no mixtral/olmoe type.)
 */
import type { AttentionIR, ModelIR, MoeIR } from '../../../ir/types.js';
import { VERSION } from '../../../version.js';
import { exportConfig } from '../../../interop/hf/export-config.js';
import { specialTokens } from './tokenizer-files.js';

export interface ModelType {
  modelType: string;
  architecture: string;
}

export function hfModelType(ir: ModelIR): ModelType {
  const a = ir.layers[0].attention;
  const moe = ir.layers.some((l) => l.ffn.kind === 'moe');
  if (a.kind === 'mla') return { modelType: 'deepseek_v3', architecture: 'DeepseekV3ForCausalLM' };
  if (ir.layers.some((l) => l.attention.sinks)) return { modelType: 'gpt_oss', architecture: 'GptOssForCausalLM' };
  if (moe) return a.qkNorm !== 'none' ? { modelType: 'qwen3_moe', architecture: 'Qwen3MoeForCausalLM' } : { modelType: 'qwen2_moe', architecture: 'Qwen2MoeForCausalLM' };
  return a.qkNorm !== 'none' ? { modelType: 'qwen3', architecture: 'Qwen3ForCausalLM' } : { modelType: 'llama', architecture: 'LlamaForCausalLM' };
}

function ropeScaling(a: AttentionIR): object | null {
  if (a.rope.scaling === 'linear' && a.rope.factor !== 1) return { rope_type: 'linear', factor: a.rope.factor };
  if (a.rope.scaling === 'yarn') return { rope_type: 'yarn', factor: a.rope.factor };
  return null;
}

function moeFields(type: string, ir: ModelIR, m: MoeIR): Record<string, unknown> {
  const r = m.router;
  const dense = ir.layers.filter((l) => l.ffn.kind === 'dense');
  const denseFfn = dense[0]?.ffn.kind === 'dense' ? dense[0].ffn.ffn : undefined;
  const shared = m.shared ? m.shared.ffn * m.shared.count : 0;
  switch (type) {
    case 'deepseek_v3':
      return {
        n_routed_experts: m.experts,
        num_experts_per_tok: r.topK,
        moe_intermediate_size: m.expert.ffn,
        n_shared_experts: m.shared?.count ?? 0,
        intermediate_size: denseFfn ?? m.expert.ffn,
        first_k_dense_replace: ir.layers.findIndex((l) => l.ffn.kind === 'moe'),
        routed_scaling_factor: r.scaling,
        scoring_func: r.score,
        norm_topk_prob: r.normTopK,
        n_group: r.groups,
        topk_group: r.topGroups,
      };
    case 'gpt_oss':
      return { num_local_experts: m.experts, num_experts_per_tok: r.topK, intermediate_size: m.expert.ffn };
    default:
      return {
        num_experts: m.experts,
        num_experts_per_tok: r.topK,
        moe_intermediate_size: m.expert.ffn,
        norm_topk_prob: r.normTopK,
        ...(type === 'qwen2_moe' ? { shared_expert_intermediate_size: shared } : {}),
        intermediate_size: denseFfn ?? m.expert.ffn,
        decoder_sparse_step: 1,
        mlp_only_layers: dense.map((l) => l.index),
      };
  }
}

/** HF's `hidden_act` name for the FFN activation (the gated forms name their gate's function). */
function hiddenAct(act: string | undefined): string {
  if (act === 'geglu' || act === 'gelu') return 'gelu';
  if (act === 'relu') return 'relu';
  return 'silu';
}

/**
 * Fields the serving clients read that the folder must state as its graph has them, whatever the
 * exact transformers config says (transformers.js reads head_dim / qk_head_dim for the cache
 * shapes; moec's byte tokenizer fixes the token ids; the weights are float32 in the graph).
 */
const CLIENT_CONTRACT = ['head_dim', 'qk_head_dim', 'bos_token_id', 'eos_token_id', 'pad_token_id', 'torch_dtype', 'use_cache', 'transformers.js_config'];

/**
 * config.json of the folder: where the cache-contract model_type holds the spec exactly, the
 * config `moec export hf` writes for it (src/interop/hf/export-config.ts: every field, YaRN
 * included, round-trip checked) with the client-contract fields on top; otherwise the
 * description below.
 */
export function configJson(ir: ModelIR, transformersJs: object): object {
  const described = describedConfig(ir, transformersJs) as Record<string, unknown>;
  const exact = exportConfig(ir, { modelType: String(described.model_type) });
  if (!exact.value) return described;
  const contract = Object.fromEntries(CLIENT_CONTRACT.filter((k) => k in described).map((k) => [k, described[k]]));
  const moec = { ...(JSON.parse(exact.value.text).moec as object), ...(described.moec as object) };
  return { ...JSON.parse(exact.value.text), ...contract, moec };
}

function describedConfig(ir: ModelIR, transformersJs: object): object {
  const { modelType, architecture } = hfModelType(ir);
  const a = ir.layers[0].attention;
  const moe = ir.layers.find((l) => l.ffn.kind === 'moe')?.ffn as MoeIR | undefined;
  const dense = ir.layers.find((l) => l.ffn.kind === 'dense')?.ffn;
  const { eos, pad } = specialTokens(ir.vocab);
  const mla = a.mla
    ? {
        q_lora_rank: a.mla.qLoraRank > 0 ? a.mla.qLoraRank : null,
        kv_lora_rank: a.mla.kvLoraRank,
        qk_nope_head_dim: a.mla.qkNopeHeadDim,
        qk_rope_head_dim: a.mla.qkRopeHeadDim,
        qk_head_dim: a.headDim,
        v_head_dim: a.vHeadDim,
      }
    : {};
  const windows = ir.layers.map((l) => l.attention.window);
  const window = windows.find((w) => w !== undefined);
  return {
    architectures: [architecture],
    model_type: modelType,
    vocab_size: ir.vocab,
    hidden_size: ir.hidden,
    num_hidden_layers: ir.layers.length,
    num_attention_heads: a.heads,
    num_key_value_heads: a.kvHeads,
    // HF's DeepseekV3Config sets head_dim to the rope part; the cache width is qk_head_dim.
    head_dim: a.mla ? a.mla.qkRopeHeadDim : a.headDim,
    ...mla,
    ...(dense?.kind === 'dense' && !moe ? { intermediate_size: dense.ffn } : {}),
    ...(moe ? moeFields(modelType, ir, moe) : {}),
    hidden_act: hiddenAct((moe?.expert ?? (dense?.kind === 'dense' ? dense : undefined))?.activation),
    max_position_embeddings: ir.context,
    [ir.norm.type === 'rmsnorm' ? 'rms_norm_eps' : 'layer_norm_eps']: ir.norm.eps,
    rope_theta: a.rope.theta,
    rope_scaling: ropeScaling(a),
    attention_bias: a.qkvBias,
    ...(window !== undefined
      ? {
          // Qwen2Moe/Qwen3Moe/Qwen3Config.__post_init__ keep sliding_window only with
          // use_sliding_window (else 0); the explicit layer_types then say which layers slide.
          ...(modelType.startsWith('qwen') ? { use_sliding_window: true } : {}),
          sliding_window: window,
          layer_types: windows.map((w) => (w === undefined ? 'full_attention' : 'sliding_attention')),
        }
      : {}),
    tie_word_embeddings: ir.tieEmbeddings,
    bos_token_id: null,
    eos_token_id: eos ?? null,
    pad_token_id: pad,
    torch_dtype: 'float32',
    use_cache: true,
    'transformers.js_config': transformersJs,
    moec: { name: ir.name, spec_sha256: ir.specHash, version: VERSION },
  };
}

export function generationConfigJson(ir: ModelIR): object {
  const { eos, pad } = specialTokens(ir.vocab);
  return { bos_token_id: null, eos_token_id: eos ?? null, pad_token_id: pad, max_length: ir.context, do_sample: false };
}
