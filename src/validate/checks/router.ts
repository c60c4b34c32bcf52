/**
 * Semantic rules for the router: top_k against the experts, group-limited routing
 * (DeepSeek-V2/V3 device/node-limited routing), capacity, overflow and drop policy,
 * normalization, whether anything balances the load, and balance-loss keys without effect.
 */
import type { Check } from './context.js';
import { divisors } from './derive.js';

export const checkRouter: Check = (ctx) => {
  const moe = ctx.spec.moe;
  if (!moe) return;
  const r = moe.router;
  const experts = moe.experts.count;
  const expertsAt = { at: '/moe/experts/count', message: `experts ${experts} is set here` };

  if (r.top_k > experts) {
    ctx.report('MOE3201', '/moe/router/top_k', { args: { top_k: r.top_k, experts }, hint: `use top_k ≤ ${experts}, or add experts`, related: [expertsAt] });
  } else if (r.top_k === experts && experts > 1) {
    ctx.report('MOE3202', '/moe/router/top_k', { args: { top_k: r.top_k, experts }, hint: 'lower top_k, or use a dense block instead' });
  }

  const grouped = r.groups !== undefined || r.top_groups !== undefined;
  if (r.groups !== undefined && r.top_groups === undefined) {
    ctx.report('MOE3206', '/moe/router/groups', { args: { given: 'groups', missing: 'top_groups' }, hint: 'add `top_groups N` (DeepSeek-V3: groups 8, top_groups 4)' });
  } else if (r.top_groups !== undefined && r.groups === undefined) {
    ctx.report('MOE3206', '/moe/router/top_groups', { args: { given: 'top_groups', missing: 'groups' }, hint: `add \`groups N\` with N dividing ${experts}` });
  } else if (r.groups !== undefined && r.top_groups !== undefined) {
    if (experts % r.groups !== 0) {
      ctx.report('MOE3203', '/moe/router/groups', { args: { groups: r.groups, experts }, hint: `use a divisor of ${experts}: ${divisors(experts, 10).join(', ')}`, related: [expertsAt] });
    } else {
      const perGroup = experts / r.groups;
      if (r.top_groups > r.groups) {
        ctx.report('MOE3204', '/moe/router/top_groups', { args: { top_groups: r.top_groups, groups: r.groups }, hint: `use top_groups ≤ ${r.groups}` });
      } else if (r.top_k > r.top_groups * perGroup) {
        const need = Math.ceil(r.top_k / perGroup);
        ctx.report('MOE3205', '/moe/router/top_k', {
          args: { top_k: r.top_k, reachable: r.top_groups * perGroup, top_groups: r.top_groups, per_group: perGroup },
          hint: need <= r.groups ? `raise top_groups to ${need}, or lower top_k to ${r.top_groups * perGroup}` : `lower top_k to ${r.top_groups * perGroup}`,
        });
      }
      if (r.group_score === 'top2_sum' && perGroup < 2) {
        ctx.report('MOE3211', '/moe/router/group_score', { args: { experts, groups: r.groups, per_group: perGroup }, hint: 'use group_score max, or fewer groups' });
      }
    }
  }
  if (!grouped && r.group_score !== undefined) {
    ctx.report('MOE3209', '/moe/router/group_score', { hint: 'remove group_score, or add groups and top_groups' });
  }

  if (r.overflow !== undefined && r.capacity_factor === undefined) {
    ctx.report('MOE3207', '/moe/router/overflow', { args: { overflow: r.overflow }, hint: 'add `capacity_factor 1.25` (or similar), or remove overflow' });
  }
  if (r.capacity_factor !== undefined && r.capacity_factor < 1 && r.overflow !== 'no_drop') {
    ctx.report('MOE3210', '/moe/router/capacity_factor', { args: { capacity_factor: r.capacity_factor }, hint: 'use capacity_factor ≥ 1 (1.25 is common)' });
  }
  if (r.top_k === 1 && (r.score ?? 'softmax') === 'softmax' && r.norm_topk === true) {
    ctx.report('MOE3208', '/moe/router/norm_topk', { hint: 'set norm_topk false for top-1 routing (Switch Transformer scales by the raw probability)' });
  }
  if (r.aux_loss_type !== undefined && (r.aux_loss ?? 0) === 0) {
    ctx.report('MOE3801', '/moe/router/aux_loss_type', { args: { type: r.aux_loss_type }, hint: 'add `aux_loss 0.001` (or similar), or remove aux_loss_type' });
  }
  if (r.drop_policy !== undefined && (r.capacity_factor === undefined || r.overflow === 'no_drop')) {
    const why = r.capacity_factor === undefined ? 'there is no capacity_factor, so nothing is dropped' : 'overflow no_drop keeps every assignment';
    ctx.report('MOE3802', '/moe/router/drop_policy', { args: { policy: r.drop_policy, why }, hint: 'remove drop_policy, or set capacity_factor with overflow drop' });
  }
  const balanced = (r.aux_loss ?? 0) > 0 || (r.bias_update ?? 0) > 0 || r.capacity_factor !== undefined;
  if (ctx.spec.train && !balanced && experts > 1) {
    ctx.report('MOE3212', '/moe/router', { hint: 'add `aux_loss 0.01` (Switch/Mixtral style) or `bias_update 0.001` (DeepSeek-V3 aux-loss-free)' });
  }
};
