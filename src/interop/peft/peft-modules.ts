/**
 * Interop (PEFT) — where each adapted projection lives in a Hugging Face model, as PEFT names it.
 * A PEFT module path is the HF key of the projection's weight without `.weight`, and that key
 * comes from the HF bridge's key table (hfPlacements, src/interop/hf/export-weights.ts) for the
 * model_type and checkpoint layout the adapter is for: the adapter and the weights cannot disagree.
 *
 * - Experts are named in transformers' v4 per-expert modules (`…experts.{e}.gate_proj`, Mixtral's
 *   `…experts.{e}.w1`), the layout `moec export hf` writes and the Hub holds. PEFT converts such an
 *   adapter itself when it loads it onto a transformers v5 model with fused experts (lora_A
 *   concatenated, lora_B block-diagonal, rank and alpha doubled for gate_up_proj: peft
 *   `utils/transformers_weight_conversion.py`, build_peft_weight_mapping / _convert_peft_config_moe,
 *   for mixtral and the qwen2_moe family — qwen3_moe, olmoe, deepseek_v2/v3 reuse its conversion).
 * - DeepSeek stores the rope rows of q_proj / q_b_proj / kv_a_proj_with_mqa interleaved. PEFT's
 *   delta is `scaling · lora_B @ lora_A` in the weight's [out, in] layout (peft tuners/lora/layer.py,
 *   Linear.get_delta_weight), so lora_B's rows are output rows and take the weight's row order;
 *   lora_A (input side) is untouched. `rowOrder` carries that order (IR row r = HF row rowOrder[r]).
 * - gpt-oss experts are fused nn.Parameters (GptOssExperts.gate_up_proj [E, H, 2F]); PEFT adapts
 *   those only through `target_parameters` (lora.ParamWrapper), which refuses lora_dropout ≠ 0 and
 *   gives gate and up one shared lora_A per expert: not written (MOE6650).
 */
import { createDiagnostic, type Diagnostic, type Result } from '../../diagnostics/diagnostic.js';
import { loraModules, type LoraModule } from '../../ir/lora.js';
import type { ModelIR } from '../../ir/types.js';
import { chooseModelType } from '../hf/export-config.js';
import { hfPlacements } from '../hf/export-weights.js';
import { readConfigFile } from '../hf/import-config.js';
import type { KeyTableOptions } from '../hf/keys/key-row.js';
import type { HfModelType } from '../hf/model-type.js';
import { hfModelType } from '../hf/types/index.js';

/** The Hugging Face model an adapter is for: its model_type and checkpoint layout. */
export interface PeftTarget {
  type: HfModelType;
  options: KeyTableOptions;
  /** For messages: `the base checkpoint's mixtral` or `qwen3_moe, as moec export hf writes the spec`. */
  why: string;
}

export interface PeftModule {
  m: LoraModule;
  /** HF module path from the model root, e.g. `model.layers.3.mlp.experts.5.gate_proj`. */
  path: string;
  /** The weight's IR → HF row order, applied to lora_B's rows (DeepSeek rope rows). */
  rowOrder?: Int32Array;
}

/**
 * The model a PEFT adapter for `ir` is for: the base checkpoint's model_type and layout when the
 * base is a Hugging Face directory, else the model_type `moec export hf` writes the spec as.
 */
export function peftTarget(ir: ModelIR, hfBase?: string): Result<PeftTarget | undefined> {
  if (hfBase !== undefined) {
    const read = readConfigFile(hfBase);
    if (!read.value) return read as Result<undefined>;
    const type = hfModelType(String(read.value.config.model_type));
    // The base was read through this config already (readModelWeights), so its type is known.
    if (!type) throw new Error(`peftTarget: ${hfBase} has no model_type moec maps (checked when the base was read)`);
    return { value: { type, options: type.keyOptions(read.value.config), why: `the base checkpoint's ${type.modelType}` }, diagnostics: [] };
  }
  const choice = chooseModelType(ir);
  if (choice.chosen) return { value: { type: choice.chosen.type, options: { ropeInterleave: true }, why: `${choice.chosen.type.modelType}, as moec export hf writes the spec` }, diagnostics: [] };
  const reasons = choice.refusals.map((r) => r.args.reasons ?? r.args.why ?? '').join('; ');
  return { value: undefined, diagnostics: [createDiagnostic('MOE6653', { args: { name: ir.name, reasons } })] };
}

/**
 * Model types whose router holds its weight as an nn.Parameter in a router module, not in an
 * nn.Linear: transformers' DeepseekV3TopkRouter (modeling_deepseek_v3.py; Glm4MoeTopkRouter
 * derives from it in modular_glm4_moe.py) and GptOssTopKRouter (modeling_gpt_oss.py). PEFT's LoRA
 * wraps only supported layer types (nn.Linear, Embedding, Conv…) and refuses these modules
 * ("Target module … is not supported"), so no adapter file can put LoRA on them.
 */
const PARAMETER_ROUTERS: Record<string, string> = {
  deepseek_v3: 'DeepseekV3TopkRouter',
  glm4_moe: 'Glm4MoeTopkRouter',
  gpt_oss: 'GptOssTopKRouter',
};

/** The PEFT module of every adapted projection, or MOE6650 for those PEFT cannot name. */
export function peftModules(ir: ModelIR, target: PeftTarget): { modules: PeftModule[]; diagnostics: Diagnostic[] } {
  const placements = hfPlacements(ir, target.type, target.options);
  const modules: PeftModule[] = [];
  const diagnostics: Diagnostic[] = [];
  const refused = new Set<string>();
  for (const m of loraModules(ir, ir.train.lora!)) {
    const p = placements.get(`${m.prefix}.weight`)!;
    const routerClass = m.kind === 'router' ? PARAMETER_ROUTERS[target.type.modelType] : undefined;
    if (routerClass) {
      if (!refused.has('router')) {
        refused.add('router');
        const reason = `transformers' ${routerClass} (\`${p.key.replace(/\.weight$/, '')}\`) holds the router weight as an nn.Parameter, not an nn.Linear, and PEFT's LoRA refuses such a module`;
        diagnostics.push(createDiagnostic('MOE6650', { args: { module: m.prefix, modelType: target.type.modelType, reason, hint: `leave router out of the targets for a ${target.type.modelType} adapter, or keep the adapter in moec's format (moec compile --adapter <run> merges it)` } }));
      }
      continue;
    }
    if (p.transform.kind === 'linear') {
      modules.push({ m, path: p.key.replace(/\.weight$/, ''), ...(p.rowOrder ? { rowOrder: p.rowOrder } : {}) });
      continue;
    }
    if (refused.has(`${m.kind}.${m.module}`)) continue;
    refused.add(`${m.kind}.${m.module}`);
    // A flat part (GraniteMoeShared's shared_mlp.input_linear) is half of one nn.Linear.
    const flat = p.transform.kind === 'stacked' && p.transform.flat;
    const reason = flat
      ? `it is half of the nn.Linear \`${p.key}\` (gate and up rows fused); a PEFT adapter on that module has one lora_A and one lora_B over both halves, which moec's separate gate and up adapters are not`
      : `it is part of the fused parameter \`${p.key}\`, not a linear module; PEFT adapts fused expert parameters only through target_parameters (lora.ParamWrapper), which refuses lora_dropout other than 0 and shares one lora_A between gate and up`;
    const group = flat ? 'the shared gate and up projections' : 'experts';
    diagnostics.push(createDiagnostic('MOE6650', { args: { module: m.prefix, modelType: target.type.modelType, reason, hint: `leave ${group} out of the targets for a ${target.type.modelType} adapter, or keep the adapter in moec's format (moec compile --adapter <run> merges it)` } }));
  }
  return { modules, diagnostics };
}
