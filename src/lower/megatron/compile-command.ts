/**
 * CLI glue for `moec compile --target megatron -o dir/` (called from src/cli/compile/run-compile.ts):
 * usage checks, the spec through the common pipeline with megatron as the target (so the
 * refusals and launch checks run), `--megatron key=value` overrides laid over the spec's
 * `megatron` block and checked again, then the launch written. Exit 0 written, 1 errors
 * (nothing written), 2 usage.
 */
import { createDiagnostic, hasErrors, type Diagnostic } from '../../diagnostics/diagnostic.js';
import type { CompileOptions } from '../../cli/commands/compile.js';
import { EXIT_ERRORS, EXIT_OK, EXIT_USAGE } from '../../cli/exit-codes.js';
import { loadModel } from '../../pipeline.js';
import type { Sources } from '../../spec/source.js';
import { compileMegatron, type MegatronSummary } from './compile-megatron.js';
import { launchSettingProblems } from './launch-checks.js';
import { applyCliSettings, resolveLaunchOptions } from './launch-options.js';
import { fromIR } from './model-view.js';

export type Report = (diagnostics: Diagnostic[], sources: Sources, summary?: object) => void;


/** Options of the other targets, each with what to do instead. */
function usageProblems(options: CompileOptions): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (options.output === undefined) out.push(createDiagnostic('MOE8201'));
  const foreign: [string, unknown, string][] = [
    ['--weights', options.weights, 'Megatron loads weights from its own checkpoints: export them with `moec export hf` and convert with Megatron-Bridge (see the README the launch comes with)'],
    ['--seed', options.seed, 'Megatron initialises the weights itself; the launch passes the spec\'s train.seed (--seed)'],
    ['--moe', options.moe === 'sparse' ? undefined : options.moe, 'the MoE dispatch is megatron.dispatcher (--megatron dispatcher=alltoall|allgather|flex)'],
    ['--triton', options.triton, 'Triton serves ONNX models: compile with --target onnx'],
    ['--triton-max-batch', options.tritonMaxBatch, 'Triton serves ONNX models: compile with --target onnx'],
    ['--triton-instances', options.tritonInstances, 'Triton serves ONNX models: compile with --target onnx'],
    ['--external-data', options.externalData, 'external data is an ONNX storage option'],
    ['--external-threshold', options.externalThreshold, 'external data is an ONNX storage option'],
    ['--quantize', options.quantize, 'weight quantization is an ONNX export option; Megatron trains in train.precision (export int8/int4 models with --target onnx)'],
    ['--variants', options.variants, 'quantized variants are files of an ONNX model folder: compile with --target onnx'],
    ['--tokenizer', options.tokenizer, 'the launch names its tokenizer in the spec\'s megatron block (--megatron tokenizer=…, tokenizer_model=…)'],
    ['--adapter', options.adapter, 'a LoRA adapter is merged into exported weights: compile with --target onnx, or `moec export hf --adapter`'],
    ['--lora', options.lora?.length ? options.lora.join(' ') : undefined, 'LoRA settings apply to --adapter merges of an ONNX export'],
  ];
  for (const [option, value, hint] of foreign) if (value !== undefined) out.push(createDiagnostic('MOE8202', { args: { option, hint } }));
  return out;
}

export function runMegatronCompile(specFile: string, options: CompileOptions, report: Report): number {
  const usage = usageProblems(options);
  const cli = applyCliSettings(undefined, options.megatron ?? []);
  if (usage.length || cli.diagnostics.length) {
    report([...usage, ...cli.diagnostics], new Map());
    return EXIT_USAGE;
  }
  const loaded = loadModel(specFile, { memoryFit: false, targets: ['megatron'] });
  const diagnostics = [...loaded.diagnostics];
  if (!loaded.ir || !loaded.spec || hasErrors(diagnostics)) {
    report(diagnostics, loaded.sources);
    return EXIT_ERRORS;
  }
  // The spec's own settings were checked with spans; what the command line changed is checked here.
  const model = fromIR(loaded.ir);
  const merged = applyCliSettings(loaded.spec.megatron, options.megatron ?? []).block;
  const before = new Set(launchSettingProblems(model, loaded.spec.megatron).map((p) => `${p.code} ${p.at}`));
  for (const p of launchSettingProblems(model, merged)) {
    if (!before.has(`${p.code} ${p.at}`)) diagnostics.push(createDiagnostic(p.code, { args: p.args, ...(p.severity ? { severity: p.severity } : {}) }));
  }
  if (hasErrors(diagnostics)) {
    report(diagnostics, loaded.sources);
    return EXIT_ERRORS;
  }
  const r = compileMegatron(loaded.ir, resolveLaunchOptions(merged, loaded.ir.parallel.world), options.output!);
  diagnostics.push(...r.diagnostics);
  const ok = r.summary !== undefined && !hasErrors(diagnostics);
  report(diagnostics, loaded.sources, ok ? r.summary : undefined);
  if (ok && options.format === 'pretty') process.stdout.write(renderSummary(loaded.ir.name, r.summary!));
  return ok ? EXIT_OK : EXIT_ERRORS;
}

export function renderSummary(name: string, s: MegatronSummary): string {
  const head = `compiled ${name} → ${s.dir} (Megatron-Core ${s.megatronCore} launch: ${s.world} processes, ${s.arguments} arguments)\n`;
  return head + s.files.map((f) => `  ${f}\n`).join('');
}
