/**
 * HF bridge — the model_types moec maps, and those it refuses with the reason (MOE7001).
 * Order matters for export: the first type whose fields can hold a spec is the one written.
 */
import type { HfModelType } from '../model-type.js';
import { deepseekV2, deepseekV3 } from './deepseek.js';
import { glm4Moe } from './glm4-moe.js';
import { gptOss } from './gpt-oss.js';
import { graniteMoe, graniteMoeShared } from './granitemoe.js';
import { mixtral } from './mixtral.js';
import { olmoe } from './olmoe.js';
import { qwen2Moe } from './qwen2-moe.js';
import { qwen3Moe } from './qwen3-moe.js';

export const HF_MODEL_TYPES: readonly HfModelType[] = [mixtral, qwen3Moe, qwen2Moe, olmoe, gptOss, glm4Moe, graniteMoe, graniteMoeShared, deepseekV3, deepseekV2];

export const hfModelType = (name: string): HfModelType | undefined => HF_MODEL_TYPES.find((t) => t.modelType === name);

/** model_types refused on purpose, with the reason. */
export const REFUSED_MODEL_TYPES: Readonly<Record<string, string>> = {
  deepseek:
    "is DeepSeekMoE's remote code (trust_remote_code): transformers has no native class for it (its deepseek_v2 builds MLA attention only), so there is no reference to match; docs/hf.md explains",
  phimoe: 'routes with sparsemixer and extends context with LongRoPE (su scaling), neither of which moec computes',
  dbrx: 'is not mapped yet: its nested attn_config / ffn_config and fused Wqkv and expert weights have no table here',
  jetmoe: 'routes attention through experts (mixture of attention heads), which moec has no form for',
  qwen3_next: 'mixes linear attention (Gated DeltaNet) layers into the stack, which moec has no form for',
};

export const KNOWN_MODEL_TYPES = HF_MODEL_TYPES.map((t) => t.modelType);
