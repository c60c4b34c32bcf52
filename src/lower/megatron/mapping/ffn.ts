/**
 * Megatron-Core target — mapping rows for the FFNs and experts (spec blocks `dense`, `moe`,
 * `moe.experts`, `moe.shared`, `mtp`). Megatron has one activation for every FFN
 * (TransformerConfig.activation_func), a per-layer MoE pattern (`--moe-layer-freq`, 1 = MoE,
 * arguments.py:3353), and fuses the shared experts into one FFN of width count × ffn
 * (moe_shared_expert_intermediate_size, transformer_config.py:680), as moec's IR does.
 * clamped_swiglu is Megatron's quick-GEGLU with an offset and a clamp: x_glu clamped above at L,
 * x_linear to ±L, quick_gelu(x_glu)·(x_linear + offset) (mlp.py:320–331, moe/experts.py:862–872;
 * the gpt-oss recipe examples/post_training/modelopt/conf/openai/gpt-oss-20b.sh l.41–51).
 */
import type { FfnIR } from '../../../ir/types.js';
import { arg, over, type Arg } from '../args.js';
import type { MegatronModel } from '../model-view.js';
import { listExpression } from '../patterns.js';
import type { MappingRow } from './row.js';

/** The FFN whose activation every FFN shares (refusals.ts refuses a mix, MOE8001). */
const ffn = (m: MegatronModel): FfnIR => m.dense ?? m.moe!.expert;

export const FFN_ROWS: MappingRow[] = [
  {
    key: 'dense.ffn',
    block: 'ffn',
    emit: (m) => {
      if (m.dense) return [arg('--ffn-hidden-size', m.dense.ffn)];
      // Every layer is MoE: the dense width is unused, but Megatron derives one; state the expert width as its recipes do.
      return m.moe ? [arg('--ffn-hidden-size', m.moe.expert.ffn, 'no dense layer: unused (the expert width, as Megatron\'s Mixtral recipe sets it)')] : [];
    },
  },
  {
    key: 'dense.activation, moe.experts.activation, moe.shared.activation',
    block: 'ffn',
    emit: (m) => {
      const act = ffn(m).activation;
      if (act === 'swiglu') return [arg('--swiglu')];
      if (act === 'clamped_swiglu') {
        // gpt-oss: min(g, L)·σ(1.702·min(g, L)) · (clamp(u, ±L) + 1) is quick_gelu's GLU with offset 1 and the clamp.
        return [
          arg('--quick-geglu', undefined, 'gate g·σ(1.702·g): clamped_swiglu'),
          arg('--glu-linear-offset', 1, 'clamped_swiglu multiplies by (up + 1)'),
          arg('--no-bias-gelu-fusion', undefined, 'the fused quick-GEGLU clamps before adding the bias; gpt-oss clamps after'),
        ];
      }
      // gelu: Megatron's default F.gelu (exact), unless its fused bias-GELU kernel (tanh form) runs.
      return [arg('--no-bias-gelu-fusion', undefined, 'the fused kernel is the tanh approximation; moec\'s GELU is exact')];
    },
  },
  {
    key: 'dense.swiglu_limit, moe.experts.swiglu_limit, moe.shared.swiglu_limit',
    block: 'ffn',
    // One clamp for every FFN (TransformerConfig.activation_func_clamp_value); refusals.ts refuses differing limits.
    emit: (m) => (ffn(m).activation === 'clamped_swiglu' ? [arg('--activation-func-clamp-value', ffn(m).swigluLimit!, 'gate ≤ L, up in [−L, L]')] : []),
  },
  {
    key: 'dense.layers, moe.layers, moe.every, moe.offset',
    block: 'ffn',
    emit: (m) => {
      if (!m.moe) return [];
      const pattern = m.ffnKinds.map((k) => (k === 'moe' ? 1 : 0));
      return [arg('--moe-layer-freq', pattern.every(Boolean) ? 1 : listExpression(pattern), '1 = MoE layer')];
    },
  },
  { key: 'moe.experts.count', block: 'moe', emit: (m) => (m.moe ? [arg('--num-experts', m.moe.experts)] : []) },
  { key: 'moe.experts.ffn', block: 'moe', emit: (m) => (m.moe ? [arg('--moe-ffn-hidden-size', m.moe.expert.ffn)] : []) },
  {
    key: 'moe.shared.count, moe.shared.ffn',
    block: 'moe',
    emit: (m) => (m.moe?.shared ? [arg('--moe-shared-expert-intermediate-size', m.moe.shared.count * m.moe.shared.ffn, `${m.moe.shared.count} × ${m.moe.shared.ffn}`)] : []),
  },
  { key: 'moe.shared.gate', block: 'moe', emit: (m) => (m.moe?.shared?.gate ? [arg('--moe-shared-expert-gate')] : []) },
  {
    key: 'mtp.depth',
    block: 'mtp',
    emit: (m, o): Arg[] =>
      m.mtpDepth > 0 ? [arg('--mtp-num-layers', m.mtpDepth), over('--mtp-loss-scaling-factor', o.mtpLossScale, 'not in the spec: megatron.mtp_loss_scale')] : [],
  },
];
