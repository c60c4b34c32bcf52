/**
 * Interop (PEFT) — where moec's adapted projections live in a Hugging Face model, per model_type,
 * as PEFT names them: the module path under `model.layers.{i}` in the transformers v4 modules with
 * one nn.Linear per expert (the layout `moec export hf` writes, docs/hf.md). Rows cite the modeling
 * code: mixtral (modeling_mixtral.py: block_sparse_moe.gate, experts.{e}.w1 gate / w3 up / w2 down),
 * qwen2_moe (mlp.gate, mlp.experts.{e}.*_proj, mlp.shared_expert.*_proj), qwen3_moe and olmoe
 * (mlp.gate, mlp.experts.{e}.*_proj), deepseek_v2/v3 (self_attn.q_a_proj, q_b_proj,
 * kv_a_proj_with_mqa, kv_b_proj; mlp.gate, mlp.experts.{e}.*, mlp.shared_experts.*), gpt_oss
 * (mlp.router; its experts are fused 3-D parameters, which PEFT adapts only through
 * `target_parameters` without dropout — not written here), llama/qwen3 (dense mlp.*_proj).
 *
 * DeepSeek's q and kv_a projections store their rope rows interleaved where moec stores them
 * rotate-half (docs/hf.md); an adapter's lora_B rows would need the same permutation, which the HF
 * bridge owns: those adapters are refused (MOE6650) rather than written in a layout not checked
 * against transformers.
 */
import type { LoraModule } from '../../ir/lora.js';

export type ModulePath = { path: string } | { refused: string; hint: string };

const FFN_HF: Record<string, string> = { gate_proj: 'gate_proj', up_proj: 'up_proj', down_proj: 'down_proj' };
const MIXTRAL_EXPERT: Record<string, string> = { gate_proj: 'w1', up_proj: 'w3', down_proj: 'w2' };
export const PEFT_MODEL_TYPES = ['mixtral', 'qwen2_moe', 'qwen3_moe', 'olmoe', 'deepseek_v2', 'deepseek_v3', 'gpt_oss', 'llama', 'qwen3'] as const;

/** The HF module path (from the model root, e.g. `model.layers.3.mlp.experts.5.gate_proj`) of a moec projection. */
export function hfModulePath(modelType: string, m: LoraModule, mla: boolean): ModulePath {
  const layer = `model.layers.${m.layer}`;
  const deepseek = modelType === 'deepseek_v2' || modelType === 'deepseek_v3';
  switch (m.kind) {
    case 'attention': {
      if (mla && (m.module === 'q_proj' || m.module === 'q_b_proj' || m.module === 'kv_a_proj')) {
        return { refused: 'its output rows hold rope dimensions, which DeepSeek checkpoints interleave and moec stores rotate-half', hint: 'adapt kv_b_proj, q_a_proj and o_proj of an MLA model, or keep the adapter in moec\'s format (moec compile --adapter merges it)' };
      }
      const name = m.module === 'kv_a_proj' ? 'kv_a_proj_with_mqa' : m.module;
      return { path: `${layer}.self_attn.${name}` };
    }
    case 'router':
      if (modelType === 'mixtral') return { path: `${layer}.block_sparse_moe.gate` };
      if (modelType === 'gpt_oss') return { path: `${layer}.mlp.router` };
      return { path: `${layer}.mlp.gate` };
    case 'experts':
      if (modelType === 'mixtral') return { path: `${layer}.block_sparse_moe.experts.${m.expert}.${MIXTRAL_EXPERT[m.module]}` };
      if (modelType === 'gpt_oss') return { refused: 'gpt-oss experts are fused 3-D parameters, not per-expert linear modules', hint: 'leave experts out of the targets for a gpt_oss export' };
      return { path: `${layer}.mlp.experts.${m.expert}.${FFN_HF[m.module]}` };
    case 'shared':
      if (modelType === 'qwen2_moe') return { path: `${layer}.mlp.shared_expert.${FFN_HF[m.module]}` };
      if (deepseek) return { path: `${layer}.mlp.shared_experts.${FFN_HF[m.module]}` };
      return { refused: `a ${modelType} model has no shared experts`, hint: 'leave shared out of the targets' };
    case 'dense':
      return { path: `${layer}.mlp.${FFN_HF[m.module]}` };
  }
}
