/**
 * Megatron-Core target, validation side — refusals (MOE80xx) for the norms, attention and RoPE:
 * what Megatron builds one way only (LayerNorm with a bias, per-head q/k norms, no q/k/v clamp,
 * an output layer without bias, one eps for every norm, no softmax scale or Granite multipliers) and the RoPE scalings it cannot state
 * (integer flags, MLA's fixed YaRN parameters: yarn.ts). Called from refusals.ts.
 */
import type { CheckContext } from '../../validate/checks/context.js';
import { computedSoftmaxScale } from '../../ir/rope.js';
import { rmsOnlyNorms } from './expressible.js';
import type { MegatronModel } from './model-view.js';
import { megatronYarn } from './yarn.js';

function checkRope(ctx: CheckContext, m: MegatronModel): void {
  const rope = m.attention.rope;
  const mla = m.attention.kind === 'mla';
  if (!Number.isInteger(rope.theta)) ctx.report('MOE8004', '/attention/rope/theta', { args: { theta: rope.theta }, hint: `use ${Math.round(rope.theta)}` });
  if (rope.scaling === 'linear' && mla) ctx.report('MOE8022', '/attention/rope/scaling');
  else if (rope.scaling === 'linear' && !Number.isInteger(rope.factor)) {
    ctx.report('MOE8005', '/attention/rope/factor', { args: { factor: rope.factor }, hint: `use a whole factor, e.g. ${Math.max(1, Math.round(rope.factor))}` });
  }
  for (const gap of megatronYarn(rope, mla, m.attention.headDim).gaps) ctx.report('MOE8006', gap.at, { args: { why: gap.why }, hint: gap.hint });
}

/** Norms and attention features Megatron builds one way only. */
function checkNorms(ctx: CheckContext, m: MegatronModel): void {
  const a = m.attention;
  // A full-width q/k norm is refused on its own (MOE8017).
  const norms = rmsOnlyNorms(m.norm.type, a.qkNorm === 'head', a.kind === 'mla');
  if (norms) ctx.report('MOE8012', '/norm/type', { args: { what: norms } });
  if (m.norm.type === 'layernorm' && !m.norm.bias) ctx.report('MOE8019', '/norm/bias');
  if (m.lmHeadBias) ctx.report('MOE8020', '/lm_head_bias');
  // qk_norm and clip_qkv with mla are every target's error (MOE3420).
  if (a.kind === 'mla') {
    if (a.mla!.normEps !== m.norm.eps) ctx.report('MOE8021', '/attention/mla/norm_eps', { args: { mla_eps: a.mla!.normEps, eps: m.norm.eps } });
    return;
  }
  if (a.qkNorm === 'full') ctx.report('MOE8017', '/attention/qk_norm');
  if (a.clipQkv !== undefined) ctx.report('MOE8018', '/attention/clip_qkv', { args: { clip: a.clipQkv } });
}

/** Granite's softmax scale and multipliers: Megatron-Core computes the defaults only. */
function checkScales(ctx: CheckContext, m: MegatronModel): void {
  const computed = computedSoftmaxScale(m.attention);
  if (m.attention.scale !== computed) ctx.report('MOE8023', '/attention/softmax_scale', { args: { scale: m.attention.scale, computed } });
  const s = m.scaling;
  if (!s) return;
  const keys = [['embedding', s.embedding], ['residual', s.residual], ['logits_divisor', s.logitsDivisor]] as const;
  for (const [key, value] of keys) if (value !== 1) ctx.report('MOE8024', `/scaling/${key}`, { args: { key, value } });
}

export function checkAttentionRefusals(ctx: CheckContext, m: MegatronModel): void {
  checkRope(ctx, m);
  checkNorms(ctx, m);
  checkScales(ctx, m);
}
