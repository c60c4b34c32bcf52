/**
 * HF bridge codec — deepseek_v2's differences from DeepSeek's own code. transformers' native
 * DeepseekV2Attention (modeling_deepseek_v2.py @ 0233e509) scales the softmax by
 * qk_head_dim^-0.5 only, while DeepSeek's modeling_deepseek.py (the code DeepSeek-V2 was
 * released with, and vLLM's) also multiplies by mscale(factor, mscale_all_dim)² under YaRN, as
 * moec's MLA does (docs/semantics.md). `mlp_bias` would add biases to the shared and dense MLPs.
 */
import type { Codec } from '../model-type.js';

export const v2YarnCodec: Codec = {
  fields: ['mlp_bias'],
  read(c) {
    if (c.bool('mlp_bias')) c.refuse('mlp_bias', true, 'DeepSeek-V2 MLPs with biases: moec\'s shared experts take the routed experts\' (none)');
    const rope = (c.raw.rope_parameters ?? c.raw.rope_scaling) as Record<string, unknown> | null | undefined;
    const type = rope?.rope_type ?? rope?.type;
    if (type === 'yarn' && rope?.mscale_all_dim) {
      c.versions('rope_scaling.mscale_all_dim', rope.mscale_all_dim, "transformers' native deepseek_v2 (0233e509) leaves the softmax scale unscaled under YaRN; DeepSeek's modeling_deepseek.py multiplies it by mscale(factor, mscale_all_dim)²; moec follows DeepSeek's code");
    }
  },
  write(_ir, w) {
    w.set('mlp_bias', false);
  },
};
