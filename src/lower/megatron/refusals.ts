/**
 * Megatron-Core target, validation side — the spec keys Megatron cannot state (MOE80xx), each
 * reported at the key with the nearest setting it can state. They run in `moec check` and
 * `moec compile` when megatron is a target in effect (src/validate/checks/megatron.ts); the
 * emitter asks the same decisions (expressible.ts), so what passes here lowers.
 */
import type { FfnIR } from '../../ir/types.js';
import type { CheckContext } from '../../validate/checks/context.js';
import { ACTIVATION_GAPS, biasMode, groupRouting, OPTIMIZER_GAPS, QUICK_GELU_ALPHA, routerWeights } from './expressible.js';
import { biasSet, megatronMtpWindowed } from './mapping/model.js';
import type { MegatronModel } from './model-view.js';
import { checkAttentionRefusals } from './refusals-attention.js';

const BIAS_POINTERS: Record<string, string> = {
  'attention.qkv_bias': '/attention/qkv_bias',
  'attention.out_bias': '/attention/out_bias',
  'dense.bias': '/dense/bias',
  'moe.experts.bias': '/moe/experts/bias',
  'moe.router.bias': '/moe/router/bias',
};

/** An FFN's activation as Megatron configures it: clamped_swiglu's limit is one config value too. */
function activationLabel(f: FfnIR): string {
  return f.activation === 'clamped_swiglu' ? `clamped_swiglu (swiglu_limit ${f.swigluLimit})` : f.activation;
}

function checkActivations(ctx: CheckContext, m: MegatronModel): void {
  const ffns: [string, FfnIR, string][] = [];
  if (m.dense) ffns.push(['dense', m.dense, '/dense']);
  if (m.moe) {
    ffns.push(['the experts', m.moe.expert, '/moe/experts']);
    if (m.moe.shared) ffns.push(['the shared experts', m.moe.shared, '/moe/shared']);
  }
  if (!ffns.length) return;
  const odd = ffns.find((f) => activationLabel(f[1]) !== activationLabel(ffns[0][1]));
  if (odd) {
    const list = ffns.map(([what, f]) => `${what} use ${activationLabel(f)}`).join(', ');
    const key = odd[1].activation === ffns[0][1].activation ? 'swiglu_limit' : 'activation';
    ctx.report('MOE8001', `${odd[2]}/${key}`, { args: { list }, related: [{ at: `${ffns[0][2]}/${key}`, message: `${ffns[0][0]}: ${activationLabel(ffns[0][1])}` }] });
    return;
  }
  const [, ffn, at] = ffns[0];
  const what = ACTIVATION_GAPS[ffn.activation];
  if (what) ctx.report('MOE8002', `${at}/activation`, { args: { key: `${at.slice(1).replace(/\//g, '.')}.activation`, value: ffn.activation, what } });
  const alpha = ffns.find((f) => f[1].swigluAlpha !== undefined && f[1].swigluAlpha !== QUICK_GELU_ALPHA);
  if (alpha) ctx.report('MOE8016', `${alpha[2]}/swiglu_alpha`, { args: { key: `${alpha[2].slice(1).replace(/\//g, '.')}.swiglu_alpha`, alpha: alpha[1].swigluAlpha! } });
}

function checkBiases(ctx: CheckContext, m: MegatronModel): void {
  const { mode, on, off } = biasMode(biasSet(m));
  // The shared experts follow the routed experts' bias (src/ir/defaults.ts); Megatron's never have one.
  if (mode === 'all' && m.moe?.shared) ctx.report('MOE8025', '/moe/shared', { related: [{ at: '/moe/experts/bias', message: 'the routed experts\' biases are set here' }] });
  if (mode) return;
  ctx.report('MOE8003', BIAS_POINTERS[on[0]], {
    args: { on: on.join(', '), off: off.join(', ') },
    hint: 'nearest: no biases, biases on every linear (gpt-oss style), or attention.qkv_bias alone (Qwen style)',
    related: off.map((k) => ({ at: BIAS_POINTERS[k], message: `${k} is off` })),
  });
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
  // Losses, capacity and drop order, jitter and the expert bias: router-targets.ts (one conversion, router-losses.ts).
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
  checkAttentionRefusals(ctx, m);
  checkRouter(ctx, m);
  checkTraining(ctx, m);
  checkMtpWindow(ctx, m);
}
