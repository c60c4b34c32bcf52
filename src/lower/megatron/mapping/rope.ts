/**
 * Megatron-Core target — mapping rows for rotary embeddings (`attention.rope`). Standard
 * attention reads `--position-embedding-type rope|yarn` (gpt_model.py:178–212); MLA reads
 * `--rope-type`, and leaving it out means YaRN (MLATransformerConfig.rope_type = 'yarn',
 * transformer_config.py:2927), so unscaled MLA must say `rope`. MLA rejects rope fusion without
 * YaRN (transformer_config.py:2966). Rotary dims: `int(kv_channels × rotary_percent)`
 * (rotary_pos_embedding.py:72–74).
 */
import { arg, over, type Arg } from '../args.js';
import { yarnOriginal } from '../expressible.js';
import type { MegatronModel } from '../model-view.js';
import type { MappingRow } from './row.js';

const isMla = (m: MegatronModel) => m.attention.kind === 'mla';
const rope = (m: MegatronModel) => m.attention.rope;

/**
 * `--rotary-percent` such that Megatron's int(head_dim × percent) is exactly `dim`: dim / head_dim
 * when the double product truncates back to dim, else the midpoint (dim + ½) / head_dim.
 */
export function rotaryPercent(dim: number, headDim: number): number {
  const p = dim / headDim;
  return Math.trunc(headDim * p) === dim ? p : (dim + 0.5) / headDim;
}

export const ROPE_ROWS: MappingRow[] = [
  {
    key: 'attention.rope (position embedding)',
    block: 'rope',
    emit: (m) => {
      const yarn = rope(m).scaling === 'yarn';
      const out: Arg[] = [over('--position-embedding-type', !isMla(m) && yarn ? 'yarn' : 'rope')];
      if (isMla(m)) {
        out.push(arg('--rope-type', yarn ? 'yarn' : 'rope', yarn ? undefined : 'Megatron\'s MLA uses YaRN when --rope-type is absent'));
        if (!yarn) out.push(arg('--no-rope-fusion', undefined, 'Megatron\'s fused MLA RoPE works only with YaRN'));
      }
      return out;
    },
  },
  { key: 'attention.rope.theta', block: 'rope', emit: (m) => [over('--rotary-base', rope(m).theta)] },
  {
    key: 'attention.rope.dim',
    block: 'rope',
    emit: (m) => (isMla(m) || rope(m).dim === m.attention.headDim ? [] : [arg('--rotary-percent', rotaryPercent(rope(m).dim, m.attention.headDim), `${rope(m).dim} of ${m.attention.headDim} dims rotate`)]),
  },
  {
    key: 'attention.rope.scaling linear, factor',
    block: 'rope',
    emit: (m) => (rope(m).scaling === 'linear' ? [arg('--rotary-seq-len-interpolation-factor', rope(m).factor)] : []),
  },
  {
    key: 'attention.rope.scaling yarn, factor',
    block: 'rope',
    emit: (m) => {
      if (rope(m).scaling !== 'yarn') return [];
      const out: Arg[] = [arg('--rotary-scaling-factor', rope(m).factor)];
      // YaRN's other parameters take Megatron's defaults (β 32 / 1, mscale 1, mscale_all_dim 0),
      // which give the same attention factor as transformers' default 0.1·ln(factor) + 1.
      const { original } = yarnOriginal(m.context, rope(m).factor, isMla(m));
      if (!isMla(m)) out.push(arg('--yarn-original-max-position-embeddings', original!, 'context ÷ factor'));
      return out;
    },
  },
];
