/**
 * CLI (`moec export hf <spec> [--weights dir] [--adapter dir] -o dir`): load the spec through the
 * usual pipeline (errors stop here), take the weights (seeded init, a moec run, an HF directory:
 * readModelWeights; with --adapter the LoRA adapter merged in: compile/adapter-weights.ts), write the Hugging Face directory (src/interop/hf/export-hf.ts). Exit 0
 * written, 1 the spec or weights cannot be exported (nothing written), 2 usage.
 */
import { hasErrors, sortDiagnostics, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { exportHf } from '../../interop/hf/export-hf.js';
import { loadModel } from '../../pipeline.js';
import type { Sources } from '../../spec/source.js';
import { LazyInitWeights } from '../../weights/lazy-weights.js';
import { readModelWeights, type ModelWeights } from '../../weights/read-model-weights.js';
import type { ExportOptions } from '../commands/export.js';
import { EXIT_ERRORS, EXIT_OK, EXIT_USAGE, exitCodeFor } from '../exit-codes.js';
import { LORA_OPTION_FILE, parseLoraOption } from '../../spec/lora-option.js';
import { writeDiagnostics } from '../render/pretty.js';
import { checkExportOutput } from './export-output-guard.js';

/** The router conversion's findings, which both the hf target rules and the export report. */
const ROUTER_CODES = new Set(['MOE3810', 'MOE3811', 'MOE3812']);

function report(options: ExportOptions, diagnostics: Diagnostic[], sources: Sources, result?: object): void {
  const sorted = sortDiagnostics(diagnostics);
  if (options.format === 'json') {
    const doc = { version: 1, ok: result !== undefined, diagnostics: sorted.map((d) => ({ code: d.code, severity: d.severity, message: d.message, ...(d.span ? { file: d.span.file, line: d.span.line, column: d.span.column } : {}), ...(d.hint ? { hint: d.hint } : {}) })), ...(result ? { result } : {}) };
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else if (sorted.length) writeDiagnostics(process.stderr, sorted, sources);
}

export async function runExport(format: string, specFile: string, options: ExportOptions): Promise<number> {
  void format; // commander admits `hf` only
  // The hf target rules (checks/hf.ts) name what no model_type holds (MOE7200: then no type the
  // user could force holds it either) and the router findings of the type they choose, at their
  // spec keys. With --model-type the findings of the forced type come from the export instead.
  const lora = options.lora?.length ? parseLoraOption(options.lora) : undefined;
  if (lora?.diagnostics.length) {
    report(options, lora.diagnostics, new Map([[LORA_OPTION_FILE, lora.text]]));
    return EXIT_USAGE;
  }
  const loaded = loadModel(specFile, { memoryFit: false, targets: ['hf'], lora });
  const forced = options.modelType !== undefined;
  const diagnostics = loaded.diagnostics.filter((d) => !forced || !ROUTER_CODES.has(d.code));
  if (!loaded.ir || hasErrors(diagnostics)) {
    report(options, diagnostics, loaded.sources);
    return exitCodeFor(diagnostics);
  }
  const ir = loaded.ir;
  const clash = checkExportOutput(options.output!, [...loaded.sources.keys(), specFile, options.weights, options.adapter]);
  if (clash) {
    report(options, [...diagnostics, clash], loaded.sources);
    return EXIT_ERRORS;
  }
  let source: Pick<ModelWeights, 'weights' | 'from' | 'close'> | undefined;
  if (options.adapter !== undefined && !options.configOnly) {
    // The base (--weights, or the one a moec LoRA run recorded) with the adapter merged per tensor.
    const { loadMergedWeights } = await import('../compile/adapter-weights.js');
    const merged = loadMergedWeights(ir, { weights: options.weights, adapter: options.adapter, seed: options.seed ?? ir.train.seed });
    diagnostics.push(...merged.diagnostics);
    if (!merged.value || hasErrors(diagnostics)) {
      merged.value?.close();
      report(options, diagnostics, loaded.sources);
      return EXIT_ERRORS;
    }
    source = merged.value;
  } else if (options.weights !== undefined && !options.configOnly) {
    const read = readModelWeights(options.weights, ir);
    diagnostics.push(...read.diagnostics);
    if (!read.value || hasErrors(diagnostics)) {
      report(options, diagnostics, loaded.sources);
      return EXIT_ERRORS;
    }
    source = read.value;
  }
  const seed = options.seed ?? ir.train.seed;
  const weights = options.configOnly ? undefined : (source?.weights ?? new LazyInitWeights(ir, seed));
  try {
    const r = exportHf(ir, weights, options.output!, { modelType: options.modelType, dtype: options.dtype, configOnly: options.configOnly, maxShardSize: options.maxShardSize, force: options.force });
    // Without --model-type the target rules already reported the router findings, with their spans.
    diagnostics.push(...r.diagnostics.filter((d) => forced || !ROUTER_CODES.has(d.code)));
    const from = options.configOnly ? 'no weights' : source ? source.from : `init seed ${seed}`;
    const result = r.value && !hasErrors(diagnostics) ? { format: 'hf', model_type: r.value.modelType, architecture: r.value.architecture, dir: r.value.dir, files: r.value.files, dtype: options.dtype, weights: from } : undefined;
    report(options, diagnostics, loaded.sources, result);
    if (!result) return EXIT_ERRORS;
    if (options.format === 'pretty') {
      process.stdout.write(`exported ${ir.name} → ${r.value!.dir} (Hugging Face ${r.value!.modelType}, ${r.value!.architecture}; ${options.configOnly ? 'config only' : `${options.dtype} weights from ${from}`})\n${r.value!.files.map((f) => `  ${f}\n`).join('')}`);
    }
    return EXIT_OK;
  } finally {
    source?.close();
  }
}
