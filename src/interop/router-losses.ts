/**
 * Interop — the router keys (docs/semantics.md §Router losses) as Megatron-Core arguments, with
 * the exact coefficient conversion, or a finding that names the difference. The Megatron
 * target (src/lower/megatron/) and `moec check --target megatron` call it; the Hugging Face
 * half is router-losses-hf.ts (re-exported here). Pure functions over the IR; no I/O.
 *
 * A finding is a diagnostic not yet placed: its code (MOE3810 error = the target cannot express
 * the setting; MOE3811 warning = emitted, but the target computes something different; MOE3812
 * info = emitted with a converted value), the JSON pointer of the spec key it concerns, and the
 * message arguments. findingDiagnostics places them (spans when the caller has a span map).
 *
 * Megatron facts are from NVIDIA/Megatron-LM at d98e8a64ddf34856e74b24714e3bedb2f5a39553:
 * megatron/core/transformer/moe/router.py (TopKRouter._apply_aux_loss l.410,
 * _apply_seq_aux_loss l.450, _apply_global_aux_loss l.507, apply_input_jitter l.711,
 * _apply_expert_bias l.733, routing l.746), moe/moe_utils.py (switch_load_balancing_loss_func
 * l.63, z_loss_func l.153, get_capacity l.248, compute_routing_scores_for_aux_loss l.960,
 * apply_router_token_dropping l.1019, get_updated_expert_bias l.1199), transformer_config.py
 * (capacity needs aux_loss|seq_aux_loss|global_aux_loss|none l.1836; expert bias needs sigmoid
 * or sqrtsoftplus l.2617), megatron/training/arguments.py l.3532–3537.
 */
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Span } from '../diagnostics/span.js';
import type { ModelIR, RouterIR } from '../ir/types.js';
import type { AuxLossType } from '../spec/types.js';

export { hfRouterFields, HF_ROUTER_TYPES, type HfRouterContext, type HfRouterFields, type HfRouterType } from './router-losses-hf.js';

export type RouterFindingCode = 'MOE3810' | 'MOE3811' | 'MOE3812';

export interface RouterFinding {
  code: RouterFindingCode;
  /** JSON pointer of the spec key, e.g. `/moe/router/drop_policy`. */
  at: string;
  /** Message arguments: target, key, value, emitted (MOE3811/3812), why. */
  args: Record<string, string | number>;
}

/** One command-line argument; `value` absent for a store_true flag. */
export interface MegatronArg {
  flag: string;
  value?: string;
}

export interface MegatronRouterContext {
  /** parallel.data: Megatron's global_aux_loss is averaged over data-parallel ranks once too often. */
  dataParallel: number;
  tensorParallel: number;
  contextParallel: number;
  sequenceParallel: boolean;
  /** parallel.micro_batch: sequences of one rank's micro-batch (`--micro-batch-size`). */
  microBatch: number;
  /** Sequences of one moec training micro-step (train.batch / train.grad_accum = micro_batch × data). */
  stepSequences: number;
}

export interface MegatronRouterArgs {
  args: MegatronArg[];
  findings: RouterFinding[];
}

/** Megatron's `--moe-router-load-balancing-type` for each aux_loss_type. */
export const MEGATRON_BALANCE_TYPE: Record<AuxLossType, string> = { batch: 'aux_loss', sequence: 'seq_aux_loss', global: 'global_aux_loss' };

/** The context from the IR: the layout the Megatron target emits (one rank's micro-batch = parallel.micro_batch). */
export function megatronRouterContext(ir: ModelIR): MegatronRouterContext {
  const p = ir.parallel;
  return {
    dataParallel: p.data,
    tensorParallel: p.tensor,
    contextParallel: p.context,
    sequenceParallel: p.sequenceParallel,
    microBatch: p.microBatch,
    stepSequences: ir.train.batch / ir.train.gradAccum,
  };
}

/** A coefficient as argparse's float() reads it back exactly (shortest round-trip form). */
export function formatNumber(x: number): string {
  return String(x);
}

const at = (key: string) => `/moe/router/${key}`;
const note = (code: RouterFindingCode, key: string, value: string | number, emitted: string, why: string): RouterFinding => ({
  code,
  at: at(key),
  args: { target: 'Megatron-Core', key, value: String(value), emitted, why },
});

function balanceArgs(r: RouterIR, ctx: MegatronRouterContext, out: MegatronRouterArgs): void {
  if (r.auxLoss === 0) {
    out.args.push({ flag: '--moe-router-load-balancing-type', value: 'none' });
    return;
  }
  out.args.push({ flag: '--moe-router-load-balancing-type', value: MEGATRON_BALANCE_TYPE[r.auxLossType] });
  // global_aux_loss divides by the token count of all data-parallel ranks while the gradient is
  // also averaged over them: its effective coefficient is coeff / DP (NVIDIA/Megatron-LM#3672).
  const coeff = r.auxLossType === 'global' ? r.auxLoss * ctx.dataParallel : r.auxLoss;
  if (r.auxLossType !== 'global' && ctx.stepSequences % ctx.microBatch !== 0) {
    out.findings.push(note('MOE3811', 'aux_loss', r.auxLoss, `--moe-aux-loss-coeff ${formatNumber(coeff)}`, `Megatron balances each rank's micro-batch of ${ctx.microBatch} sequence(s); moec's trainer micro-step of ${ctx.stepSequences} is not a multiple of it and balances the whole step (MOE6020)`));
  }
  out.args.push({ flag: '--moe-aux-loss-coeff', value: formatNumber(coeff) });
  if (coeff !== r.auxLoss) {
    out.findings.push(note('MOE3812', 'aux_loss', r.auxLoss, `--moe-aux-loss-coeff ${formatNumber(coeff)}`, `global_aux_loss normalises by the tokens of all ${ctx.dataParallel} data-parallel ranks and its gradient is then averaged over them, so Megatron needs the coefficient × ${ctx.dataParallel} (NVIDIA/Megatron-LM#3672; drop the factor on a release that fixes it)`));
  }
}

function capacityArgs(r: RouterIR, ctx: MegatronRouterContext, out: MegatronRouterArgs): void {
  if (r.capacityFactor === undefined || r.overflow !== 'drop') return; // dropless: Megatron's default
  if (r.dropPolicy === 'gshard') {
    out.findings.push({ code: 'MOE3810', at: at('drop_policy'), args: { target: 'Megatron-Core', key: 'drop_policy', value: 'gshard', why: '--moe-token-drop-policy has only probs (keep the highest routing weights) and position (keep the earliest tokens); use one of those' } });
    return;
  }
  out.args.push({ flag: '--moe-expert-capacity-factor', value: formatNumber(r.capacityFactor) }, { flag: '--moe-token-drop-policy', value: r.dropPolicy });
  const shard = ctx.contextParallel * (ctx.sequenceParallel ? ctx.tensorParallel : 1);
  if (ctx.stepSequences !== ctx.microBatch || shard !== 1) {
    const local = shard === 1 ? `its ${ctx.microBatch} sequence(s)` : `its ${ctx.microBatch} sequence(s) split ${shard} ways (context × sequence parallel)`;
    out.findings.push(note('MOE3811', 'capacity_factor', r.capacityFactor, `--moe-expert-capacity-factor ${formatNumber(r.capacityFactor)}`, `Megatron applies the capacity on each rank to the tokens of ${local}; moec's trainer to the whole micro-step of ${ctx.stepSequences} sequence(s), so the capacity and which tokens drop differ`));
  }
}

/**
 * The router's Megatron-Core arguments: balance type and coefficient, z-loss, expert bias and
 * its rate, capacity and drop policy, input jitter. Findings name what Megatron computes
 * differently or cannot express.
 */
export function megatronRouterArgs(r: RouterIR, ctx: MegatronRouterContext): MegatronRouterArgs {
  const out: MegatronRouterArgs = { args: [], findings: [] };
  balanceArgs(r, ctx, out);
  if (r.zLoss > 0) out.args.push({ flag: '--moe-z-loss-coeff', value: formatNumber(r.zLoss) });
  if (r.biasUpdate > 0) {
    if (r.score !== 'sigmoid') {
      out.findings.push({ code: 'MOE3810', at: at('bias_update'), args: { target: 'Megatron-Core', key: 'bias_update', value: formatNumber(r.biasUpdate), why: `the expert bias (--moe-router-enable-expert-bias) requires --moe-router-score-function sigmoid or sqrtsoftplus, and this router scores with ${r.score}` } });
    } else {
      out.args.push({ flag: '--moe-router-enable-expert-bias' }, { flag: '--moe-router-bias-update-rate', value: formatNumber(r.biasUpdate) });
    }
  }
  capacityArgs(r, ctx, out);
  if (r.jitter > 0) {
    out.args.push({ flag: '--moe-input-jitter-eps', value: formatNumber(r.jitter) });
    out.findings.push(note('MOE3811', 'jitter', r.jitter, `--moe-input-jitter-eps ${formatNumber(r.jitter)}`, 'Megatron multiplies the router input by U(1−ε, 1+ε) in every forward pass, evaluation included; moec only while training'));
  }
  return out;
}

/** The arguments as argv words, in order. */
export function flatArgs(args: readonly MegatronArg[]): string[] {
  return args.flatMap((a) => (a.value === undefined ? [a.flag] : [a.flag, a.value]));
}

/** Findings as diagnostics; `spanFor` places them at the spec key when the caller has spans. */
export function findingDiagnostics(findings: readonly RouterFinding[], spanFor?: (pointer: string) => Span | undefined): Diagnostic[] {
  return findings.map((f) => createDiagnostic(f.code, { args: f.args, span: spanFor?.(f.at) }));
}
