/**
 * CLI (`moec compile --adapter <run>`): the weights to export when a LoRA adapter is merged —
 * the base from --weights (a run or checkpoint directory), or, without it, the base the
 * adapter's run recorded (state.json `base`: the --init-from checkpoint, or the seed); then
 * W + scale·A·B for every adapted projection (src/weights/lora-merge.ts). A base other than
 * the one the adapter was trained on is merged with a warning (MOE6607).
 */
import { hasErrors, createDiagnostic, type Diagnostic, type Result } from '../../diagnostics/diagnostic.js';
import { loraModules } from '../../ir/lora.js';
import type { ModelIR } from '../../ir/types.js';
import { readAdapterCheckpoint } from '../../train/adapter-checkpoint.js';
import { loadBaseWeights, readBaseFrom, type BaseSource } from '../../train/base-weights.js';
import { describeBase } from '../../train/trainable-summary.js';
import { mergeLora } from '../../weights/lora-merge.js';
import { isPeftAdapterDir, readPeftAdapter } from '../../interop/peft/read-adapter.js';
import { hfModelType } from '../../lower/onnx/deploy/hf-config.js';

export interface MergedWeights {
  weights: Map<string, Float32Array>;
  /** metadata_props entries naming the sources. */
  meta: [string, string][];
  /** `checkpoint step 40 (…) + LoRA adapter step 100 (…)`. */
  from: string;
}

const sameBase = (a: BaseSource | undefined, b: BaseSource): boolean =>
  a !== undefined && (a.kind === 'init' ? b.kind === 'init' && b.seed === a.seed : b.kind === 'moec-checkpoint' && b.fingerprint === a.fingerprint);

export function loadMergedWeights(ir: ModelIR, opts: { weights?: string; adapter: string; seed: number }): Result<MergedWeights | undefined> {
  if (isPeftAdapterDir(opts.adapter)) return loadPeftMerged(ir, opts);
  const diagnostics: Diagnostic[] = [];
  const adapter = readAdapterCheckpoint(opts.adapter, ir);
  diagnostics.push(...adapter.diagnostics);
  if (!adapter.value || hasErrors(diagnostics)) return { value: undefined, diagnostics };
  const a = adapter.value;
  const base = opts.weights !== undefined
    ? readBaseFrom(opts.weights, ir)
    : loadBaseWeights(ir, { recorded: a.base, seed: opts.seed, runDir: opts.adapter });
  diagnostics.push(...base.diagnostics);
  if (!base.value || hasErrors(diagnostics)) return { value: undefined, diagnostics };
  if (opts.weights !== undefined && a.base && !sameBase(a.base, base.value.source)) {
    diagnostics.push(createDiagnostic('MOE6607', { args: { adapter: a.dir, trained: describeBase(a.base).replace(/^from /, ''), given: describeBase(base.value.source).replace(/^from /, '') } }));
  }
  const lora = ir.train.lora!;
  const weights = mergeLora(base.value.weights, a.adapters, loraModules(ir, lora), lora.rank, lora.scale);
  const src = base.value.source;
  const meta: [string, string][] = [
    ['moec.weights', src.kind === 'init' ? 'init+lora' : 'checkpoint+lora'],
    ...(src.kind === 'init' ? [['moec.seed', String(src.seed)] as [string, string]] : [['moec.checkpoint_step', String(src.step)] as [string, string]]),
    ['moec.lora_step', String(a.step)],
    ['moec.lora', `rank ${lora.rank}, alpha ${lora.alpha}${lora.rslora ? ', rslora' : ''}, targets ${lora.targets.join(' ')}`],
  ];
  const from = `${src.kind === 'init' ? `init seed ${src.seed}` : `checkpoint step ${src.step} (${src.path})`} + LoRA adapter step ${a.step} (${a.dir})`;
  return { value: { weights, meta, from }, diagnostics };
}

/**
 * A PEFT adapter directory (adapter_config.json, adapter_model.safetensors; src/interop/peft/) for
 * the model_type moec exports the spec as; it records no moec base, so --weights names the base.
 */
function loadPeftMerged(ir: ModelIR, opts: { weights?: string; adapter: string }): Result<MergedWeights | undefined> {
  if (opts.weights === undefined) {
    const d = createDiagnostic('MOE6605', { args: { path: opts.adapter, reason: 'is a PEFT adapter, which names its base by Hugging Face id or path, not by a moec checkpoint' }, hint: 'pass the base weights with --weights <run or checkpoint dir>' });
    return { value: undefined, diagnostics: [d] };
  }
  const diagnostics: Diagnostic[] = [];
  const modelType = hfModelType(ir).modelType;
  const peft = readPeftAdapter(opts.adapter, ir, modelType);
  diagnostics.push(...peft.diagnostics);
  if (!peft.value || hasErrors(diagnostics)) return { value: undefined, diagnostics };
  const base = readBaseFrom(opts.weights, ir);
  diagnostics.push(...base.diagnostics);
  if (!base.value || hasErrors(diagnostics)) return { value: undefined, diagnostics };
  const lora = ir.train.lora!;
  const weights = mergeLora(base.value.weights, peft.value.adapters, loraModules(ir, lora), lora.rank, lora.scale);
  const src = base.value.source;
  const step = src.kind === 'init' ? 0 : src.step;
  const meta: [string, string][] = [['moec.weights', 'checkpoint+lora'], ['moec.checkpoint_step', String(step)], ['moec.lora', `PEFT ${opts.adapter} (${modelType})`]];
  return { value: { weights, meta, from: `checkpoint step ${step} + PEFT adapter ${opts.adapter}` }, diagnostics };
}
