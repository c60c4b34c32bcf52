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
 * Megatron facts are from NVIDIA/Megatron-LM at d98e8a64ddf34856e74b24714e3bedb2f5a39553 (the
 * Megatron target pins core_v0.19.0, 5be9626; router.py and moe_utils.py differ between the two
 * only by batch-invariant kernels and the router GEMM's bias dtype, not in any loss, drop or bias rule):
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
import type { ModelIR, ParallelIR, RouterIR, TrainIR } from '../ir/types.js';
import type { AuxLossType } from '../spec/types.js';

export { hfRouterFields, HF_ROUTER_TYPES, type HfRouterContext, type HfRouterFields, type HfRouterType } from './router-losses-hf.js';

export type RouterFindingCode = 'MOE3810' | 'MOE3811' | 'MOE3812';

export interface RouterFinding {
  code: RouterFindingCode;
  /** JSON pointer of the spec key, e.g. `/moe/router/drop_policy`. */
  at: string;
  /** Message arguments: target, key, value, emitted (MOE3811/3812), why. */
  args: Record<string, string | number>;
  /** What the user can do about it. */
  hint?: string;
}

/** One command-line argument; `value` absent for a store_true flag; `note` says why a value is not the spec's as written. */
export interface MegatronArg {
  flag: string;
  value?: string;
  note?: string;
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

/**
 * The context from the resolved layout and training run: the layout the Megatron target emits
 * (one rank's micro-batch = parallel.micro_batch). `moec check` passes the spec's values through
 * the IR's own resolvers, so the check and the emitter see the same numbers.
 */
export function megatronRouterContextOf(p: ParallelIR, train: Pick<TrainIR, 'batch' | 'gradAccum'>): MegatronRouterContext {
  return {
    dataParallel: p.data,
    tensorParallel: p.tensor,
    contextParallel: p.context,
    sequenceParallel: p.sequenceParallel,
    microBatch: p.microBatch,
    stepSequences: train.batch / train.gradAccum,
  };
}

/** The context from the IR. */
export function megatronRouterContext(ir: ModelIR): MegatronRouterContext {
  return megatronRouterContextOf(ir.parallel, ir.train);
}

/** A coefficient as argparse's float() reads it back exactly (shortest round-trip form). */
export function formatNumber(x: number): string {
  return String(x);
}

const at = (key: string) => `/moe/router/${key}`;
const note = (code: RouterFindingCode, key: string, value: string | number, emitted: string, why: string, hint?: string): RouterFinding => ({
  code,
  at: at(key),
  args: { target: 'Megatron-Core', key, value: String(value), emitted, why },
  ...(hint ? { hint } : {}),
});

/** How to make moec's trainer see the tokens one Megatron rank sees (the launch itself needs no change). */
function stepHint(ctx: MegatronRouterContext, what: string, relation: string): string {
  return `the launch is right as it is; for moec's own trainer to ${what}, set train.grad_accum so that train.batch ÷ grad_accum ${relation} parallel.micro_batch (${ctx.microBatch})`;
}

function balanceArgs(r: RouterIR, ctx: MegatronRouterContext, out: MegatronRouterArgs): void {
  if (r.auxLoss === 0) {
    out.args.push({ flag: '--moe-router-load-balancing-type', value: 'none', note: 'the spec has no aux loss' });
    return;
  }
  out.args.push({ flag: '--moe-router-load-balancing-type', value: MEGATRON_BALANCE_TYPE[r.auxLossType] });
  // global_aux_loss divides by the token count of all data-parallel ranks while the gradient is
  // also averaged over them: its effective coefficient is coeff / DP (NVIDIA/Megatron-LM#3672).
  const coeff = r.auxLossType === 'global' ? r.auxLoss * ctx.dataParallel : r.auxLoss;
  if (r.auxLossType !== 'global' && ctx.stepSequences % ctx.microBatch !== 0) {
    out.findings.push(note('MOE3811', 'aux_loss', r.auxLoss, `--moe-aux-loss-coeff ${formatNumber(coeff)}`, `Megatron balances each rank's micro-batch of ${ctx.microBatch} sequence(s); moec's trainer micro-step of ${ctx.stepSequences} is not a multiple of it and balances the whole step (MOE6020)`, stepHint(ctx, 'balance the same tokens', 'is a multiple of')));
  }
  out.args.push({ flag: '--moe-aux-loss-coeff', value: formatNumber(coeff), ...(coeff !== r.auxLoss ? { note: `aux_loss × ${ctx.dataParallel} data-parallel ranks (NVIDIA/Megatron-LM#3672)` } : {}) });
  if (coeff !== r.auxLoss) {
    out.findings.push(note('MOE3812', 'aux_loss', r.auxLoss, `--moe-aux-loss-coeff ${formatNumber(coeff)}`, `global_aux_loss normalises by the tokens of all ${ctx.dataParallel} data-parallel ranks and its gradient is then averaged over them, so Megatron needs the coefficient × ${ctx.dataParallel} (NVIDIA/Megatron-LM#3672; drop the factor on a release that fixes it)`));
  }
}

function capacityArgs(r: RouterIR, ctx: MegatronRouterContext, out: MegatronRouterArgs): void {
  if (r.capacityFactor === undefined || r.overflow !== 'drop') return; // dropless: Megatron's default
  if (r.dropPolicy === 'gshard') {
    out.findings.push({
      code: 'MOE3810',
      at: at('drop_policy'),
      args: { target: 'Megatron-Core', key: 'drop_policy', value: 'gshard', why: '--moe-token-drop-policy has only probs (keep the highest routing weights) and position (keep the earliest tokens)' },
      hint: 'use drop_policy probs (Megatron\'s default) or position, or remove capacity_factor for a dropless run',
    });
    return;
  }
  out.args.push({ flag: '--moe-expert-capacity-factor', value: formatNumber(r.capacityFactor) }, { flag: '--moe-token-drop-policy', value: r.dropPolicy });
  const shard = ctx.contextParallel * (ctx.sequenceParallel ? ctx.tensorParallel : 1);
  if (ctx.stepSequences !== ctx.microBatch || shard !== 1) {
    const local = shard === 1 ? `its ${ctx.microBatch} sequence(s)` : `its ${ctx.microBatch} sequence(s) split ${shard} ways (context × sequence parallel)`;
    const hint =
      shard !== 1
        ? 'the launch is right as it is; only without context and sequence parallelism does one rank hold whole sequences, as moec\'s trainer does'
        : ctx.dataParallel !== 1
          ? `the launch is right as it is; moec's trainer applies the capacity to all ${ctx.dataParallel} data-parallel ranks' micro-batches at once, so the two drop the same tokens only with parallel.data 1`
          : stepHint(ctx, 'drop the same tokens', '=');
    out.findings.push(note('MOE3811', 'capacity_factor', r.capacityFactor, `--moe-expert-capacity-factor ${formatNumber(r.capacityFactor)}`, `Megatron applies the capacity on each rank to the tokens of ${local}; moec's trainer to the whole micro-step of ${ctx.stepSequences} sequence(s), so the capacity and which tokens drop differ`, hint));
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
      out.findings.push({
        code: 'MOE3810',
        at: at('bias_update'),
        args: { target: 'Megatron-Core', key: 'bias_update', value: formatNumber(r.biasUpdate), why: `the expert bias (--moe-router-enable-expert-bias) requires --moe-router-score-function sigmoid or sqrtsoftplus, and this router scores with ${r.score}` },
        hint: 'use score sigmoid (as DeepSeek-V3), or remove bias_update and balance with aux_loss',
      });
    } else {
      out.args.push({ flag: '--moe-router-enable-expert-bias' }, { flag: '--moe-router-bias-update-rate', value: formatNumber(r.biasUpdate) });
    }
  }
  capacityArgs(r, ctx, out);
  if (r.jitter > 0) {
    out.args.push({ flag: '--moe-input-jitter-eps', value: formatNumber(r.jitter) });
    out.findings.push(note('MOE3811', 'jitter', r.jitter, `--moe-input-jitter-eps ${formatNumber(r.jitter)}`, 'Megatron multiplies the router input by U(1−ε, 1+ε) in every forward pass, evaluation included; moec only while training', 'expect noisier evaluation losses under Megatron, or remove jitter'));
  }
  return out;
}

/** The arguments as argv words, in order. */
export function flatArgs(args: readonly MegatronArg[]): string[] {
  return args.flatMap((a) => (a.value === undefined ? [a.flag] : [a.flag, a.value]));
}

/** Findings as diagnostics; `spanFor` places them at the spec key when the caller has spans. */
export function findingDiagnostics(findings: readonly RouterFinding[], spanFor?: (pointer: string) => Span | undefined): Diagnostic[] {
  return findings.map((f) => createDiagnostic(f.code, { args: f.args, span: spanFor?.(f.at), hint: f.hint }));
}
