/**
 * HF bridge codec — IBM Granite's four multipliers (transformers modeling_granitemoe.py @
 * 023633dd, configuration_granitemoe.py @ 040e1a7e; every default 1.0):
 *   embedding_multiplier → scaling.embedding        (GraniteMoeModel: inputs_embeds * m)
 *   residual_multiplier  → scaling.residual         (GraniteMoeDecoderLayer: residual + out * m, twice)
 *   attention_multiplier → attention.softmax_scale  (GraniteMoeAttention.scaling = m; NOT 1/√d by default)
 *   logits_scaling       → scaling.logits_divisor   (GraniteMoeForCausalLM: logits / m)
 * `noGraniteScales` is the refusal every other model_type writes: they compute none of these.
 */
import { computedSoftmaxScale } from '../../../ir/rope.js';
import type { ModelIR } from '../../../ir/types.js';
import { float, type ConfigWriter } from '../config-writer.js';
import { attentionOf } from '../ir-view.js';
import type { Codec } from '../model-type.js';

const SCALING = [
  ['embedding_multiplier', '/scaling/embedding', 'embedding'],
  ['residual_multiplier', '/scaling/residual', 'residual'],
  ['logits_scaling', '/scaling/logits_divisor', 'logitsDivisor'],
] as const;

export const graniteScalesCodec: Codec = {
  fields: ['embedding_multiplier', 'residual_multiplier', 'attention_multiplier', 'logits_scaling'],
  read(c, s) {
    for (const [field, ptr] of SCALING) {
      const v = c.num(field);
      if (v !== undefined) s.set(ptr, v, field);
    }
    const attn = c.num('attention_multiplier');
    if (attn !== undefined) s.set('/attention/softmax_scale', attn, 'attention_multiplier (granite\'s softmax scale; default 1.0, not 1/√head_dim)');
  },
  write(ir, w) {
    for (const [field, , key] of SCALING) w.set(field, float(ir.scaling?.[key] ?? 1));
    w.set('attention_multiplier', float(attentionOf(ir).scale));
  },
};

/** Refusals for a model_type without Granite's multipliers (called from shapeCodec). */
export function refuseGraniteScales(ir: ModelIR, w: ConfigWriter): void {
  const a = attentionOf(ir);
  if (a.scale !== computedSoftmaxScale(a)) w.refuse(`attention.softmax_scale ${a.scale}`, `transformers ${w.modelType} scales attention by 1/√head_dim (granitemoe has attention_multiplier)`);
  const s = ir.scaling;
  if (!s) return;
  for (const [, ptr, key] of SCALING) {
    if (s[key] !== 1) w.refuse(`${ptr.slice(1).replace('/', '.')} ${s[key]}`, `transformers ${w.modelType} has no ${ptr.split('/')[2]} multiplier (granitemoe has)`);
  }
}
