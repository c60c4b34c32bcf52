/**
 * Megatron-Core target — mapping rows for the router (`moe.router`). Megatron's routing is
 * topk_routing_with_score_function + group_limited_topk (moe_utils.py:617, 710); expressible.ts
 * says which of moec's settings it can reproduce, and refusals.ts refuses the rest before any
 * row runs.
 *
 * The loss and balancing keys (aux_loss, z_loss) are mapped by `routerLossArgs` alone: the
 * router work adds `aux_loss_type` and a shared spec → Megatron conversion
 * (src/interop/router-losses.ts) that replaces this one function when it lands.
 */
import type { RouterIR } from '../../../ir/types.js';
import { arg, over, type Arg } from '../args.js';
import { groupRouting, routerWeights } from '../expressible.js';
import type { MegatronModel } from '../model-view.js';
import type { MappingRow } from './row.js';

const router = (m: MegatronModel) => m.moe?.router;

export function preSoftmax(r: RouterIR): boolean {
  const w = routerWeights(r.score, r.normTopK, r.topK);
  return 'preSoftmax' in w && w.preSoftmax;
}

/**
 * Balancing losses as of this release: `aux_loss` is moec's batch-level Switch loss, Megatron's
 * `aux_loss` type (switch_load_balancing_loss_func, moe_utils.py:56); `z_loss` is ST-MoE's
 * (z_loss_func, moe_utils.py:146). Without an aux loss the type is `none` (Megatron's default
 * type is aux_loss).
 */
export function routerLossArgs(r: RouterIR): Arg[] {
  const out: Arg[] = [];
  if (r.auxLoss > 0) out.push(arg('--moe-router-load-balancing-type', 'aux_loss'), arg('--moe-aux-loss-coeff', r.auxLoss));
  else out.push(over('--moe-router-load-balancing-type', 'none', 'the spec has no aux loss'));
  if (r.zLoss > 0) out.push(arg('--moe-z-loss-coeff', r.zLoss));
  return out;
}

export const ROUTER_ROWS: MappingRow[] = [
  { key: 'moe.router.top_k', block: 'router', emit: (m) => (router(m) ? [over('--moe-router-topk', router(m)!.topK)] : []) },
  { key: 'moe.router.score', block: 'router', emit: (m) => (router(m) ? [arg('--moe-router-score-function', router(m)!.score)] : []) },
  {
    key: 'moe.router.norm_topk',
    block: 'router',
    emit: (m) => (router(m) && preSoftmax(router(m)!) ? [arg('--moe-router-pre-softmax', undefined, 'norm_topk false: weights are softmax scores over all experts')] : []),
  },
  {
    key: 'moe.router.scaling',
    block: 'router',
    emit: (m) => (router(m) && router(m)!.scaling !== 1 ? [arg('--moe-router-topk-scaling-factor', router(m)!.scaling)] : []),
  },
  {
    key: 'moe.router.groups, top_groups, group_score',
    block: 'router',
    emit: (m) => {
      const r = router(m);
      if (!r || !groupRouting({ ...r, preSoftmax: preSoftmax(r) }).limit) return [];
      return [arg('--moe-router-num-groups', r.groups), arg('--moe-router-group-topk', r.topGroups)];
    },
  },
  {
    key: 'moe.router.capacity_factor, overflow',
    block: 'router',
    // overflow no_drop processes every assignment: Megatron's dropless default (no capacity factor).
    emit: (m) => (router(m)?.capacityFactor !== undefined && router(m)!.overflow === 'drop' ? [arg('--moe-expert-capacity-factor', router(m)!.capacityFactor!)] : []),
  },
  { key: 'moe.router.jitter', block: 'router', emit: (m) => (router(m)?.jitter ? [arg('--moe-input-jitter-eps', router(m)!.jitter)] : []) },
  {
    key: 'moe.router.bias_update',
    block: 'router',
    emit: (m) => (router(m)?.biasUpdate ? [arg('--moe-router-enable-expert-bias'), arg('--moe-router-bias-update-rate', router(m)!.biasUpdate)] : []),
  },
  { key: 'moe.router.aux_loss, z_loss', block: 'router', emit: (m) => (router(m) ? routerLossArgs(router(m)!) : []) },
  {
    key: '(router precision)',
    block: 'router',
    emit: (m) => (router(m) ? [arg('--moe-router-dtype', 'fp32', 'moec routes in fp32; Megatron would route in the training dtype')] : []),
  },
];
