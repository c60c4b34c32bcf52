/**
 * Megatron-Core target — mapping rows for rotary embeddings (`attention.rope`). Standard
 * attention reads `--position-embedding-type rope|yarn` (gpt_model.py:178–212); MLA reads
 * `--rope-type`, and leaving it out means YaRN (MLATransformerConfig.rope_type = 'yarn',
 * transformer_config.py:2927), so unscaled MLA must say `rope`. MLA rejects rope fusion without
 * YaRN (transformer_config.py:2966). Rotary dims: `int(kv_channels × rotary_percent)`
 * (rotary_pos_embedding.py:72–74). YaRN's parameters: yarn.ts.
 */
import { arg, over, type Arg } from '../args.js';
import type { MegatronModel } from '../model-view.js';
import { megatronYarn, type MegatronYarn } from '../yarn.js';
import type { MappingRow } from './row.js';

const isMla = (m: MegatronModel) => m.attention.kind === 'mla';
const rope = (m: MegatronModel) => m.attention.rope;
/** YaRN's Megatron parameters (yarn.ts); refusals.ts refuses what has none, so a gap here is a compiler bug. */
function yarn(m: MegatronModel): MegatronYarn | undefined {
  const r = megatronYarn(rope(m), isMla(m), m.attention.headDim);
  if (r.gaps.length) throw new Error(`YaRN setting ${r.gaps[0].at} reached the Megatron emitter although Megatron cannot state it`);
  return r.yarn;
}

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
    emit: (m) => (yarn(m) ? [arg('--rotary-scaling-factor', yarn(m)!.factor)] : []),
  },
  {
    key: 'attention.rope.original_context',
    block: 'rope',
    // MLA: fixed at 4096 (refusals.ts refuses any other).
    emit: (m) => (yarn(m) && !isMla(m) ? [arg('--yarn-original-max-position-embeddings', yarn(m)!.originalContext)] : []),
  },
  {
    key: 'attention.rope.beta_fast, beta_slow',
    block: 'rope',
    // Megatron falls back to 32 / 1 when absent (argument_utils.py:409–410); the launch says them. MLA: fixed 32 / 1.
    emit: (m) => (yarn(m) && !isMla(m) ? [arg('--yarn-beta-fast', yarn(m)!.betaFast), arg('--yarn-beta-slow', yarn(m)!.betaSlow)] : []),
  },
  {
    key: 'attention.rope.mscale, mscale_all_dim, attention_factor',
    block: 'rope',
    emit: (m) => {
      const y = yarn(m);
      if (!y) return [];
      const given = m.attention.rope.yarn!;
      const why = given.mscale !== undefined && given.mscale !== y.mscale ? `gives the attention factor ${given.attentionFactor}` : undefined;
      return [over('--mscale', y.mscale, why), over('--mscale-all-dim', y.mscaleAllDim, isMla(m) ? 'also MLA\'s softmax scale' : undefined)];
    },
  },
  {
    key: 'attention.rope.truncate',
    block: 'rope',
    emit: (m) => (yarn(m) && !isMla(m) && !yarn(m)!.roundToInt ? [arg('--no-yarn-correction-range-round-to-int', undefined, 'truncate false: the ramp bounds stay fractional')] : []),
  },
];
