/**
 * HF bridge codec — shared experts. qwen2_moe always builds one shared expert of width
 * `shared_expert_intermediate_size` behind a sigmoid `shared_expert_gate` [1, H]
 * (Qwen2MoeSparseMoeBlock); DeepSeek builds `n_shared_experts` × `moe_intermediate_size` wide
 * ungated shared experts, fused into one MLP (DeepseekV3MoE `shared_experts`; deepseek_v2:
 * none when n_shared_experts is null), as moec's IR fuses them. Other types have none.
 */
import type { Codec } from '../model-type.js';
import { moeOf } from '../ir-view.js';

export const qwenSharedCodec: Codec = {
  fields: ['shared_expert_intermediate_size'],
  read(c, s) {
    const width = c.int('shared_expert_intermediate_size');
    if (width === undefined) return;
    s.set('/moe/shared/count', 1, 'qwen2_moe: one shared expert');
    s.set('/moe/shared/ffn', width, 'shared_expert_intermediate_size');
    s.set('/moe/shared/gate', true, 'qwen2_moe: shared_expert_gate');
  },
  write(ir, w) {
    const sh = moeOf(ir)?.shared;
    if (!sh || !sh.gate) return w.refuse(sh ? 'moe.shared without gate' : 'MoE layers without a shared expert', 'transformers qwen2_moe always has a shared expert behind a sigmoid gate');
    w.set('shared_expert_intermediate_size', sh.count * sh.ffn);
    if (sh.activation !== moeOf(ir)!.expert.activation) w.refuse(`moe.shared.activation ${sh.activation}`, 'transformers qwen2_moe uses hidden_act for every FFN');
  },
};

export const deepseekSharedCodec: Codec = {
  fields: ['n_shared_experts'],
  read(c, s) {
    const n = c.int('n_shared_experts', 0, true);
    if (!n) return; // null (deepseek_v2) or 0: no shared experts
    s.set('/moe/shared/count', n, 'n_shared_experts');
    const ffn = c.value('moe_intermediate_size');
    if (typeof ffn === 'number') s.set('/moe/shared/ffn', ffn, 'moe_intermediate_size (each shared expert)');
  },
  write(ir, w) {
    const m = moeOf(ir);
    const sh = m?.shared;
    if (!sh) return w.set('n_shared_experts', w.modelType === 'deepseek_v2' ? null : 0);
    if (sh.gate) w.refuse('moe.shared.gate true', `transformers ${w.modelType}'s shared experts have no gate`);
    if (sh.ffn !== m!.expert.ffn) w.refuse(`moe.shared.ffn ${sh.ffn}`, `transformers ${w.modelType}'s shared experts are moe_intermediate_size (${m!.expert.ffn}) wide each`);
    if (sh.activation !== m!.expert.activation) w.refuse(`moe.shared.activation ${sh.activation}`, `transformers ${w.modelType} uses hidden_act for every FFN`);
    w.set('n_shared_experts', sh.count);
  },
};

export const noSharedCodec: Codec = {
  fields: [],
  read() {},
  write(ir, w) {
    if (moeOf(ir)?.shared) w.refuse('moe.shared', `transformers ${w.modelType} has no shared experts`);
  },
};

/**
 * granitemoeshared (modular_granitemoeshared.py: GraniteMoeSharedMLP, GraniteMoeSharedDecoderLayer):
 * `shared_mlp` is a gated MLP of width `shared_intermediate_size` with hidden_act, no gate on its
 * output, added to the MoE output before the residual multiplier; width 0 builds none.
 */
export const graniteSharedCodec: Codec = {
  fields: ['shared_intermediate_size'],
  read(c, s) {
    const width = c.int('shared_intermediate_size', 0);
    if (!width) return;
    s.set('/moe/shared/count', 1, 'granitemoeshared: one shared MLP');
    s.set('/moe/shared/ffn', width, 'shared_intermediate_size');
  },
  write(ir, w) {
    const m = moeOf(ir);
    const sh = m?.shared;
    if (!sh) return w.set('shared_intermediate_size', 0);
    if (sh.gate) w.refuse('moe.shared.gate true', `transformers ${w.modelType}'s shared MLP has no gate`);
    if (sh.activation !== m!.expert.activation) w.refuse(`moe.shared.activation ${sh.activation}`, `transformers ${w.modelType} uses hidden_act for every FFN`);
    w.set('shared_intermediate_size', sh.count * sh.ffn);
  },
};
