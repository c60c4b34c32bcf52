/**
 * Megatron-Core target, validation side — the spec keys Megatron cannot state (MOE80xx), each
 * reported at the key with the nearest setting it can state. They run in `moec check` and
 * `moec compile` when megatron is a target in effect (src/validate/checks/megatron.ts); the
 * emitter asks the same decisions (expressible.ts), so what passes here lowers.
 */
import type { CheckContext } from '../../validate/checks/context.js';
import { ACTIVATION_GAPS, biasMode, groupRouting, OPTIMIZER_GAPS, rmsOnlyNorms, routerWeights, yarnOriginal } from './expressible.js';
import { biasSet, megatronMtpWindowed } from './mapping/model.js';
import type { MegatronModel } from './model-view.js';

const BIAS_POINTERS: Record<string, string> = {
  'attention.qkv_bias': '/attention/qkv_bias',
  'attention.out_bias': '/attention/out_bias',
  'dense.bias': '/dense/bias',
  'moe.experts.bias': '/moe/experts/bias',
  'moe.router.bias': '/moe/router/bias',
};

function checkActivations(ctx: CheckContext, m: MegatronModel): void {
  const ffns: [string, string, string][] = [];
  if (m.dense) ffns.push(['dense', m.dense.activation, '/dense/activation']);
  if (m.moe) {
    ffns.push(['the experts', m.moe.expert.activation, '/moe/experts/activation']);
    if (m.moe.shared) ffns.push(['the shared experts', m.moe.shared.activation, '/moe/shared/activation']);
  }
  if (!ffns.length) return;
  const odd = ffns.find((f) => f[1] !== ffns[0][1]);
  if (odd) {
    const list = ffns.map(([what, act]) => `${what} use ${act}`).join(', ');
    ctx.report('MOE8001', odd[2], { args: { list }, related: [{ at: ffns[0][2], message: `${ffns[0][0]}: ${ffns[0][1]}` }] });
    return;
  }
  const [, act, at] = ffns[0];
  const what = ACTIVATION_GAPS[act as keyof typeof ACTIVATION_GAPS];
  if (what) ctx.report('MOE8002', at, { args: { key: at.slice(1).replace(/\//g, '.'), value: act, what } });
}

function checkBiases(ctx: CheckContext, m: MegatronModel): void {
  const { mode, on, off } = biasMode(biasSet(m));
  if (mode) return;
  ctx.report('MOE8003', BIAS_POINTERS[on[0]], {
    args: { on: on.join(', '), off: off.join(', ') },
    hint: 'nearest: no biases, biases on every linear (gpt-oss style), or attention.qkv_bias alone (Qwen style)',
    related: off.map((k) => ({ at: BIAS_POINTERS[k], message: `${k} is off` })),
  });
}

function checkRope(ctx: CheckContext, m: MegatronModel): void {
  const rope = m.attention.rope;
  if (!Number.isInteger(rope.theta)) ctx.report('MOE8004', '/attention/rope/theta', { args: { theta: rope.theta }, hint: `use ${Math.round(rope.theta)}` });
  if (rope.scaling === 'linear' && !Number.isInteger(rope.factor)) {
    ctx.report('MOE8005', '/attention/rope/factor', { args: { factor: rope.factor }, hint: `use a whole factor, e.g. ${Math.max(1, Math.round(rope.factor))}` });
  }
  if (rope.scaling === 'yarn') {
    const { why } = yarnOriginal(m.context, rope.factor, m.attention.kind === 'mla');
    if (why) ctx.report('MOE8006', '/attention/rope/factor', { args: { why }, hint: m.attention.kind === 'mla' ? 'use context = 4096 × factor' : 'use a factor dividing context' });
  }
  const norms = rmsOnlyNorms(m.norm.type, m.attention.qkNorm !== 'none', m.attention.kind === 'mla');
  if (norms) ctx.report('MOE8012', '/norm/type', { args: { what: norms } });
  if (m.attention.kind === 'mla' && m.attention.qkNorm !== 'none') ctx.report('MOE8014', '/attention/qk_norm');
}

function checkRouter(ctx: CheckContext, m: MegatronModel): void {
  const r = m.moe?.router;
  if (!r) return;
  const w = routerWeights(r.score, r.normTopK, r.topK);
  if ('code' in w && w.code === 'MOE8007') {
    ctx.report('MOE8007', '/moe/router/norm_topk', { args: { norm_topk: String(r.normTopK), top_k: r.topK, why: w.why }, hint: `set norm_topk ${r.topK > 1}, what Megatron computes` });
  }
  const pre = 'preSoftmax' in w && w.preSoftmax;
  const g = groupRouting({ ...r, preSoftmax: pre });
  if (g.code === 'MOE8008') {
    const nearest = g.per === 1 ? 'group_score max' : g.per === 2 ? 'group_score top2_sum' : `top_k ${r.topGroups} (max) or ${2 * r.topGroups} (top2_sum)`;
    ctx.report('MOE8008', '/moe/router/group_score', { args: { group_score: r.groupScore, top_k: r.topK, top_groups: r.topGroups, per: g.per }, hint: `nearest: ${nearest}` });
  }
  if (g.code === 'MOE8009') ctx.report('MOE8009', '/moe/router/group_score');
  if (r.capacityFactor !== undefined && r.overflow === 'drop') ctx.report('MOE8010', '/moe/router/capacity_factor');
}

function checkTraining(ctx: CheckContext, m: MegatronModel): void {
  const what = OPTIMIZER_GAPS[m.train.optimizer.type];
  if (what) ctx.report('MOE8011', '/train/optimizer/type', { args: { type: m.train.optimizer.type, what } });
  if (m.train.dropout > 0) ctx.report('MOE8013', '/train/dropout', { args: { dropout: m.train.dropout } });
}

function checkMtpWindow(ctx: CheckContext, m: MegatronModel): void {
  if (m.mtpDepth === 0 || m.window === undefined) return;
  const moecWindowed = m.windowed[m.layers - 1];
  for (let d = 1; d <= m.mtpDepth; d++) {
    const megatron = megatronMtpWindowed(m, d);
    if (megatron === moecWindowed) continue;
    const state = (w: boolean) => (w ? 'is windowed' : 'is not windowed');
    ctx.report('MOE8015', '/mtp', { args: { depth: d, megatron: megatron ? 'gets' : 'does not get', last: m.layers - 1, moec: state(moecWindowed) } });
    return;
  }
}

export function checkMegatronRefusals(ctx: CheckContext, m: MegatronModel): void {
  checkActivations(ctx, m);
  checkBiases(ctx, m);
  checkRope(ctx, m);
  checkRouter(ctx, m);
  checkTraining(ctx, m);
  checkMtpWindow(ctx, m);
}
