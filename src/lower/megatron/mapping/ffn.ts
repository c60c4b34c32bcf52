/**
 * Megatron-Core target — mapping rows for the FFNs and experts (spec blocks `dense`, `moe`,
 * `moe.experts`, `moe.shared`, `mtp`). Megatron has one activation for every FFN
 * (TransformerConfig.activation_func), a per-layer MoE pattern (`--moe-layer-freq`, 1 = MoE,
 * arguments.py:3353), and fuses the shared experts into one FFN of width count × ffn
 * (moe_shared_expert_intermediate_size, transformer_config.py:680), as moec's IR does.
 */
import { arg, over, type Arg } from '../args.js';
import type { MegatronModel } from '../model-view.js';
import { listExpression } from '../patterns.js';
import type { MappingRow } from './row.js';

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
      const act = m.dense?.activation ?? m.moe!.expert.activation;
      if (act === 'swiglu') return [arg('--swiglu')];
      // gelu: Megatron's default F.gelu (exact), unless its fused bias-GELU kernel (tanh form) runs.
      return [arg('--no-bias-gelu-fusion', undefined, 'the fused kernel is the tanh approximation; moec\'s GELU is exact')];
    },
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
