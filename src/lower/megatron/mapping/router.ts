/**
 * Megatron-Core target — mapping rows for the router (`moe.router`). Megatron's routing is
 * topk_routing_with_score_function + group_limited_topk (moe_utils.py:617, 710); expressible.ts
 * says which of moec's settings it can reproduce, and refusals.ts refuses the rest before any
 * row runs.
 *
 * The loss, balancing, capacity and jitter keys have one conversion, shared with `moec check`:
 * src/interop/router-losses.ts (docs/semantics.md §Router losses). Its findings are reported by
 * src/validate/checks/router-targets.ts; these rows only place its arguments in train.sh.
 */
import { megatronRouterArgs, megatronRouterContextOf, type MegatronArg } from '../../../interop/router-losses.js';
import type { RouterIR } from '../../../ir/types.js';
import { arg, over, type Arg } from '../args.js';
import { groupRouting, routerWeights } from '../expressible.js';
import { FLAGS, type Flag } from '../flags-core_v0.19.0.js';
import type { MegatronModel } from '../model-view.js';
import type { MappingRow } from './row.js';

const router = (m: MegatronModel) => m.moe?.router;

export function preSoftmax(r: RouterIR): boolean {
  const w = routerWeights(r.score, r.normTopK, r.topK);
  return 'preSoftmax' in w && w.preSoftmax;
}

function isFlag(flag: string): flag is Flag {
  return Object.hasOwn(FLAGS, flag);
}

/** One argument of the shared conversion, held to the pinned flag table like every other. */
function toArg(a: MegatronArg): Arg {
  if (!isFlag(a.flag)) throw new Error(`router-losses emitted ${a.flag}, which is not in the pinned flag table`);
  // The balancing type is a Megatron default the launch may override (aux_loss → none).
  if (a.flag === '--moe-router-load-balancing-type') return over(a.flag, a.value!, a.note);
  return arg(a.flag, a.value, a.note);
}

/** The router-loss arguments among `flags`, from the one conversion. */
export function routerLossArgs(m: MegatronModel, flags: readonly Flag[]): Arg[] {
  const r = router(m);
  if (!r) return [];
  const { args, findings } = megatronRouterArgs(r, megatronRouterContextOf(m.parallel, m.train));
  // `moec check` refuses these before lowering (router-targets.ts): reaching here is a compiler bug.
  const refused = findings.find((f) => f.code === 'MOE3810');
  if (refused) throw new Error(`router.${refused.args.key} reached the Megatron emitter although Megatron cannot express it`);
  return args.filter((a) => (flags as readonly string[]).includes(a.flag)).map(toArg);
}

/** The flags each router-loss row places; together, every flag router-losses.ts emits. */
export const ROUTER_LOSS_FLAGS = {
  'moe.router.capacity_factor, overflow, drop_policy': ['--moe-expert-capacity-factor', '--moe-token-drop-policy'],
  'moe.router.jitter': ['--moe-input-jitter-eps'],
  'moe.router.bias_update': ['--moe-router-enable-expert-bias', '--moe-router-bias-update-rate'],
  'moe.router.aux_loss, aux_loss_type, z_loss': ['--moe-router-load-balancing-type', '--moe-aux-loss-coeff', '--moe-z-loss-coeff'],
} as const satisfies Record<string, readonly Flag[]>;

const lossRow = (key: keyof typeof ROUTER_LOSS_FLAGS): MappingRow => ({ key, block: 'router', emit: (m) => routerLossArgs(m, ROUTER_LOSS_FLAGS[key]) });

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
  lossRow('moe.router.capacity_factor, overflow, drop_policy'),
  lossRow('moe.router.jitter'),
  lossRow('moe.router.bias_update'),
  lossRow('moe.router.aux_loss, aux_loss_type, z_loss'),
  {
    key: '(router precision)',
    block: 'router',
    emit: (m) => (router(m) ? [arg('--moe-router-dtype', 'fp32', 'moec routes in fp32; Megatron would route in the training dtype')] : []),
  },
];
