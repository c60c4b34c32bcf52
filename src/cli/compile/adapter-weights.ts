/**
 * CLI (`moec compile --adapter`, `moec export hf --adapter`): the weights to export when a LoRA
 * adapter is merged — the base from --weights (a run, checkpoint or Hugging Face directory, read
 * by readModelWeights through readBaseFrom), or, for a moec LoRA run without --weights, the base
 * the run recorded (state.json `base`: the --init-from directory, checked unchanged, or the seed);
 * then W + scale·A·B for every adapted projection, computed as each tensor is asked for
 * (src/weights/lora-merge.ts). A base other than the one the adapter was trained on is merged with
 * a warning (MOE6607). A PEFT adapter directory names its base by Hub id or path, so it needs
 * --weights; its module names are those of the base's model_type (peft-modules.ts).
 */
import { hasErrors, createDiagnostic, type Diagnostic, type Result } from '../../diagnostics/diagnostic.js';
import { loraModules } from '../../ir/lora.js';
import type { ModelIR } from '../../ir/types.js';
import { readAdapterCheckpoint } from '../../train/adapter-checkpoint.js';
import { loadBaseWeights, readBaseFrom, sameBase, type BaseSource, type BaseWeights } from '../../train/base-weights.js';
import { describeBase } from '../../train/trainable-summary.js';
import { mergeLora } from '../../weights/lora-merge.js';
import { isPeftAdapterDir, readPeftAdapter } from '../../interop/peft/read-adapter.js';
import { peftTarget } from '../../interop/peft/peft-modules.js';

export interface MergedWeights {
  weights: Map<string, Float32Array>;
  /** metadata_props entries naming the sources. */
  meta: [string, string][];
  /** `checkpoint step 40 (…) + LoRA adapter step 100 (…)`. */
  from: string;
  /** Release the base's file handles (after the export). */
  close(): void;
}

function baseMeta(src: BaseSource): [string, string][] {
  if (src.kind === 'init') return [['moec.weights', 'init+lora'], ['moec.seed', String(src.seed)]];
  if (src.kind === 'hf') return [['moec.weights', 'huggingface+lora'], ['moec.hf_model_type', src.modelType]];
  return [['moec.weights', 'checkpoint+lora'], ['moec.checkpoint_step', String(src.step)]];
}

function baseName(src: BaseSource): string {
  if (src.kind === 'init') return `init seed ${src.seed}`;
  return src.kind === 'hf' ? `Hugging Face ${src.modelType} checkpoint ${src.path}` : `checkpoint step ${src.step} (${src.path})`;
}

function merged(ir: ModelIR, base: BaseWeights, adapters: Map<string, Float32Array>, meta: [string, string][], from: string): MergedWeights {
  const lora = ir.train.lora!;
  const weights = mergeLora(ir, base.weights, adapters, loraModules(ir, lora), lora.rank, lora.scale);
  return { weights, meta: [...baseMeta(base.source), ...meta], from: `${baseName(base.source)} + ${from}`, close: () => base.close() };
}

export function loadMergedWeights(ir: ModelIR, opts: { weights?: string; adapter: string; seed: number }): Result<MergedWeights | undefined> {
  if (isPeftAdapterDir(opts.adapter)) return loadPeftMerged(ir, opts);
  const diagnostics: Diagnostic[] = [];
  const adapter = readAdapterCheckpoint(opts.adapter, ir);
  diagnostics.push(...adapter.diagnostics);
  if (!adapter.value || hasErrors(diagnostics)) return { value: undefined, diagnostics };
  const a = adapter.value;
  const base = opts.weights !== undefined ? readBaseFrom(opts.weights, ir) : loadBaseWeights(ir, { recorded: a.base, seed: opts.seed, runDir: opts.adapter });
  diagnostics.push(...base.diagnostics);
  if (!base.value || hasErrors(diagnostics)) {
    base.value?.close();
    return { value: undefined, diagnostics };
  }
  if (opts.weights !== undefined && a.base && !sameBase(a.base, base.value.source)) {
    diagnostics.push(createDiagnostic('MOE6607', { args: { adapter: a.dir, trained: describeBase(a.base).replace(/^from /, ''), given: describeBase(base.value.source).replace(/^from /, '') } }));
  }
  const lora = ir.train.lora!;
  const meta: [string, string][] = [
    ['moec.lora_step', String(a.step)],
    ['moec.lora', `rank ${lora.rank}, alpha ${lora.alpha}${lora.rslora ? ', rslora' : ''}, targets ${lora.targets.join(' ')}`],
  ];
  return { value: merged(ir, base.value, a.adapters, meta, `LoRA adapter step ${a.step} (${a.dir})`), diagnostics };
}

/**
 * A PEFT adapter directory (adapter_config.json, adapter_model.safetensors; src/interop/peft/) for
 * the base's model_type (an HF directory) or the one moec exports the spec as (a moec run).
 */
function loadPeftMerged(ir: ModelIR, opts: { weights?: string; adapter: string }): Result<MergedWeights | undefined> {
  if (opts.weights === undefined) {
    const d = createDiagnostic('MOE6605', { args: { path: opts.adapter, reason: 'is a PEFT adapter, which names its base by Hugging Face id or path, not by a moec checkpoint' }, hint: 'pass the base weights with --weights <hf dir, run or checkpoint dir>' });
    return { value: undefined, diagnostics: [d] };
  }
  const diagnostics: Diagnostic[] = [];
  const base = readBaseFrom(opts.weights, ir);
  diagnostics.push(...base.diagnostics);
  if (!base.value || hasErrors(diagnostics)) return { value: undefined, diagnostics };
  const target = peftTarget(ir, base.value.source.kind === 'hf' ? opts.weights : undefined);
  diagnostics.push(...target.diagnostics);
  const peft = target.value ? readPeftAdapter(opts.adapter, ir, target.value) : undefined;
  diagnostics.push(...(peft?.diagnostics ?? []));
  if (!peft?.value || hasErrors(diagnostics)) {
    base.value.close();
    return { value: undefined, diagnostics };
  }
  return { value: merged(ir, base.value, peft.value.adapters, [['moec.lora', `PEFT ${opts.adapter} (${target.value!.type.modelType})`]], `PEFT adapter ${opts.adapter}`), diagnostics };
}
