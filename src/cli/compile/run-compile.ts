/**
 * CLI (`moec compile`): load the spec through the same pipeline as `moec check`, refuse to emit
 * when there are errors, compile to the chosen target, print diagnostics (stderr) and a summary
 * (stdout). Exit 0 written, 1 errors (nothing written), 2 usage (a missing spec included). The
 * megatron target has its own glue (src/lower/megatron/compile-command.ts).
 */
import { readdirSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CompileOptions } from '../commands/compile.js';
import { createDiagnostic, hasErrors, sortDiagnostics, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { loadModel } from '../../pipeline.js';
import type { ModelIR } from '../../ir/types.js';
import type { Sources } from '../../spec/source.js';
import { writeDiagnostics } from '../render/pretty.js';
import { EXIT_ERRORS, EXIT_OK, EXIT_USAGE, exitCodeFor } from '../exit-codes.js';
import { onnxSummaryJson, renderOnnxSummary } from './summary.js';
import { checkTfjsCompileMemory } from '../../lower/onnx/compile-memory.js';
import { parseQuantizeOption, QUANTIZE_OPTION_FILE } from '../../spec/quantize-option.js';
import { LORA_OPTION_FILE, parseLoraOption } from '../../spec/lora-option.js';
import { VARIANT_NAMES, type VariantName } from '../../lower/onnx/deploy/variants.js';
import { escapeControls, escapeControlsKeepLines } from '../../io/escape-text.js';
import { checkOutputNotInput, isWithin } from '../../io/output-guard.js';
import { LATEST_FILE } from '../../checkpoint/format.js';
import { resolveCheckpointDir } from '../../checkpoint/read-checkpoint.js';
import { FOLDER_TOP_FILES } from '../../lower/onnx/deploy/folder-files.js';

const location = (d: Diagnostic) => (d.span ? { file: d.span.file, line: d.span.line, column: d.span.column } : {});

function report(options: CompileOptions, diagnostics: Diagnostic[], sources: Sources, summary?: object): void {
  const sorted = sortDiagnostics(diagnostics);
  if (options.format === 'json') {
    const doc = {
      version: 1,
      ok: !hasErrors(sorted) && summary !== undefined,
      diagnostics: sorted.map((d) => ({ code: d.code, severity: d.severity, message: d.message, ...location(d), ...(d.hint ? { hint: d.hint } : {}) })),
      ...(summary ? { result: summary } : {}),
    };
    process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    return;
  }
  if (sorted.length) writeDiagnostics(process.stderr, sorted, sources);
}

/** `-o x.onnx` is one model file; any other ONNX output is a model folder. */
export const isModelFile = (output: string) => output.toLowerCase().endsWith('.onnx');

function parseVariants(text: string): VariantName[] | string {
  const names = text.split(',').map((v) => v.trim()).filter((v) => v !== '');
  if (names.length === 0) return 'no variant given';
  const unknown = names.find((n) => !(VARIANT_NAMES as string[]).includes(n));
  if (unknown !== undefined) return `\`${unknown}\` is not a variant (fp16, int8, q8, q4)`;
  return [...new Set(names)] as VariantName[];
}

/** Usage problems that do not depend on the spec. */
function checkUsage(options: CompileOptions): { diagnostics: Diagnostic[]; seed?: number; variants?: VariantName[] } {
  const diagnostics: Diagnostic[] = [];
  let seed: number | undefined;
  let variants: VariantName[] | undefined;
  if (options.variants !== undefined) {
    const parsed = parseVariants(options.variants);
    if (typeof parsed === 'string') diagnostics.push(createDiagnostic('MOE5520', { args: { text: options.variants, reason: parsed } }));
    else variants = parsed;
    if (options.target === 'onnx' && options.output !== undefined && isModelFile(options.output)) {
      diagnostics.push(createDiagnostic('MOE5521', { args: { output: options.output } }));
    }
  }
  if (options.seed !== undefined) {
    seed = Number(options.seed);
    if (!/^\d+$/.test(options.seed.trim()) || !Number.isSafeInteger(seed)) diagnostics.push(createDiagnostic('MOE5500', { args: { value: options.seed } }));
  }
  if (options.target === 'onnx' && options.output === undefined && options.triton === undefined) {
    diagnostics.push(createDiagnostic('MOE5501', { args: { target: 'onnx', triton: ' or --triton <repo>' } }));
  }
  if (options.target === 'tfjs') {
    if (options.output === undefined) diagnostics.push(createDiagnostic('MOE5501', { args: { target: 'tfjs', triton: '' } }));
    for (const [flag, set] of [['--quantize', options.quantize], ['--triton', options.triton], ['--external-data', options.externalData], ['--external-threshold', options.externalThreshold], ['--variants', options.variants], ['--tokenizer', options.tokenizer]] as const) {
      if (set !== undefined) diagnostics.push(createDiagnostic('MOE5503', { args: { option: flag } }));
    }
  }
  return { diagnostics, seed, variants };
}

async function compileTfjsTarget(ir: ModelIR, options: CompileOptions, seed: number | undefined): Promise<{ diagnostics: Diagnostic[]; summary?: object; text?: string }> {
  const memory = checkTfjsCompileMemory(ir);
  if (hasErrors(memory)) return { diagnostics: memory };
  let weights: Map<string, Float32Array> | undefined;
  let from = `init seed ${seed ?? ir.train.seed}`;
  let close = () => {};
  const loaded: Diagnostic[] = [];
  if (options.adapter !== undefined) {
    const r = await mergedWeights(ir, options, seed);
    if (!r.value || hasErrors(r.diagnostics)) return { diagnostics: [...memory, ...r.diagnostics] };
    loaded.push(...r.diagnostics);
    weights = r.value.weights;
    from = r.value.from;
    close = r.value.close;
  } else if (options.weights !== undefined) {
    // A moec run or checkpoint, or a Hugging Face model directory (docs/hf.md).
    const { readModelWeights } = await import('../../weights/read-model-weights.js');
    const read = readModelWeights(options.weights, ir);
    if (!read.value || hasErrors(read.diagnostics)) return { diagnostics: read.diagnostics };
    weights = read.value.weights;
    from = read.value.from;
    close = read.value.close;
    loaded.push(...read.diagnostics);
  }
  // Imported here, not at the top, so `moec compile --target onnx` never loads TensorFlow.js.
  const { compileTfjs } = await import('../../lower/tfjs/compile-tfjs.js');
  const { WeightsReadError } = await import('../../weights/lazy-source.js');
  let r: Awaited<ReturnType<typeof compileTfjs>>;
  try {
    r = await compileTfjs(ir, { out: options.output!, seed: seed ?? ir.train.seed, weights });
  } catch (err) {
    if (err instanceof WeightsReadError) return { diagnostics: [...loaded, ...err.diagnostics] };
    throw err;
  } finally {
    close();
  }
  const files = r.value?.files ?? [];
  return {
    diagnostics: [...memory, ...loaded, ...r.diagnostics],
    summary: { target: 'tfjs', files, weights: from },
    text: escapeControlsKeepLines(`compiled ${escapeControls(ir.name)} → ${escapeControls(options.output!)} (TensorFlow.js Layers model, weights ${escapeControls(from)})\n` + files.map((f) => `  ${escapeControls(f)}\n`).join('')),
  };
}

/** The export's tokenizer: --tokenizer, else the spec's train.tokenizer; undefined = byte-level. */
function tokenizerPath(ir: ModelIR, specFile: string, options: CompileOptions): string | undefined {
  return options.tokenizer ?? (ir.train.tokenizer !== undefined ? resolve(dirname(resolve(specFile)), ir.train.tokenizer) : undefined);
}

/**
 * MOE6552 when `--weights` is a moec checkpoint trained with another tokenizer than this export's
 * (checkTokenizer). Unreadable checkpoints and tokenizers are left to the readers that report them.
 */
async function checkWeightsTokenizer(ir: ModelIR, specFile: string, options: CompileOptions): Promise<Diagnostic[]> {
  if (options.weights === undefined || options.adapter !== undefined) return [];
  const { weightsKind } = await import('../../weights/read-model-weights.js');
  if (weightsKind(options.weights) !== 'moec') return [];
  const { readManifest, checkTokenizer } = await import('../../checkpoint/read-checkpoint.js');
  const m = readManifest(options.weights);
  if (!m.value || m.value.manifest.tokenizer === undefined) return [];
  const path = tokenizerPath(ir, specFile, options);
  const { BYTE_TOKENIZER, loadTokenizer } = await import('../../train/tokenizer.js');
  const t = path === undefined ? undefined : loadTokenizer(path);
  if (t && !t.value) return [];
  return checkTokenizer(m.value.dir, m.value.manifest, t?.value?.fingerprint ?? BYTE_TOKENIZER, path ?? "moec's byte-level tokenizer");
}

/**
 * The model's tokenizer for the ONNX folder: `--tokenizer`, else the spec's `train.tokenizer`
 * (relative to the spec file); none: the folder gets moec's byte-level tokenizer.
 */
async function folderTokenizerFor(ir: ModelIR, specFile: string, options: CompileOptions) {
  const path = tokenizerPath(ir, specFile, options);
  if (path === undefined) return undefined;
  const { checkTokenizerVocab, loadTokenizer } = await import('../../train/tokenizer.js');
  const { folderTokenizer } = await import('../../lower/onnx/deploy/model-tokenizer.js');
  const t = loadTokenizer(path);
  if (!t.value) return { value: undefined, diagnostics: t.diagnostics };
  return { value: folderTokenizer(path, t.value), diagnostics: checkTokenizerVocab(t.value, ir.vocab) };
}

/** Base + merged LoRA adapter (`--adapter`); imported on use, like the checkpoint readers. */
async function mergedWeights(ir: ModelIR, options: CompileOptions, seed: number | undefined) {
  const { loadMergedWeights } = await import('./adapter-weights.js');
  return loadMergedWeights(ir, { weights: options.weights, adapter: options.adapter!, seed: seed ?? ir.train.seed });
}

/** The files of the checkpoint `--weights` names (a run directory or a checkpoint directory). */
function checkpointFiles(weights: string | undefined): string[] {
  if (weights === undefined) return [];
  const dir = resolveCheckpointDir(weights).value;
  if (!dir) return [];
  try {
    return readdirSync(dir).map((f) => join(dir, f)).concat(join(weights, LATEST_FILE));
  } catch {
    return [];
  }
}

/** The files directly in the directory `--weights` names (a Hugging Face directory's config.json, tokenizer, weights). */
function weightsDirFiles(weights: string | undefined): string[] {
  if (weights === undefined) return [];
  try {
    return readdirSync(weights).map((f) => join(weights, f));
  } catch {
    return [];
  }
}

/**
 * MOE9102 when an output would replace an input: `-o x.moe`, a tfjs directory holding the spec,
 * or an ONNX model folder whose config.json / tokenizer files are the inputs' (`-o` the Hugging
 * Face directory the weights come from would replace its config.json and tokenizer).
 */
function checkOutputs(options: CompileOptions, inputs: string[]): Diagnostic | undefined {
  if (options.output === undefined) return undefined;
  if (options.target === 'onnx' && isModelFile(options.output)) return checkOutputNotInput(options.output, inputs);
  if (options.target === 'onnx') {
    for (const name of FOLDER_TOP_FILES) {
      const clash = checkOutputNotInput(join(options.output, name), inputs);
      if (clash) return clash;
    }
    return checkOutputNotInput(options.output, inputs);
  }
  // The TensorFlow.js artifact is a directory written whole: no input may live inside it.
  const inside = inputs.find((i) => isWithin(realOrSelf(i), realOrSelf(options.output!)));
  return inside === undefined ? undefined : createDiagnostic('MOE9102', { args: { output: options.output, input: inside } });
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

export async function runCompile(specFile: string, options: CompileOptions): Promise<number> {
  const started = performance.now();
  if (options.target === 'megatron') {
    const { runMegatronCompile } = await import('../../lower/megatron/compile-command.js');
    return runMegatronCompile(specFile, options, (diagnostics, sources, summary) => report(options, diagnostics, sources, summary));
  }
  const usage = checkUsage(options);
  const quantize = options.quantize !== undefined && options.target === 'onnx' ? parseQuantizeOption(options.quantize) : undefined;
  const lora = options.lora?.length ? parseLoraOption(options.lora) : undefined;
  if (usage.diagnostics.length || quantize?.diagnostics.length || lora?.diagnostics.length) {
    const sources: Sources = new Map([...(quantize ? [[QUANTIZE_OPTION_FILE, quantize.text] as const] : []), ...(lora ? [[LORA_OPTION_FILE, lora.text] as const] : [])]);
    report(options, [...usage.diagnostics, ...(quantize?.diagnostics ?? []), ...(lora?.diagnostics ?? [])], sources);
    return EXIT_USAGE;
  }
  // The memory-fit analysis is about the training layout; it says nothing about this artifact.
  const loaded = loadModel(specFile, { memoryFit: false, targets: [options.target], quantize, lora });
  const diagnostics = [...loaded.diagnostics];
  if (!loaded.ir || hasErrors(diagnostics)) {
    report(options, diagnostics, loaded.sources);
    return exitCodeFor(diagnostics);
  }
  const ir = loaded.ir;
  const clash = checkOutputs(options, [...loaded.sources.keys(), ...checkpointFiles(options.weights), ...weightsDirFiles(options.weights)]);
  if (clash) {
    report(options, [...diagnostics, clash], loaded.sources);
    return EXIT_ERRORS;
  }
  if (options.target === 'tfjs') {
    const r = await compileTfjsTarget(ir, options, usage.seed);
    diagnostics.push(...r.diagnostics);
    report(options, diagnostics, loaded.sources, hasErrors(diagnostics) ? undefined : r.summary ?? {});
    if (r.text && options.format === 'pretty' && !hasErrors(diagnostics)) process.stdout.write(r.text);
    return hasErrors(diagnostics) ? EXIT_ERRORS : EXIT_OK;
  }
  const tokenizerMismatch = await checkWeightsTokenizer(ir, specFile, options);
  if (tokenizerMismatch.length) {
    report(options, [...diagnostics, ...tokenizerMismatch], loaded.sources);
    return EXIT_ERRORS;
  }
  let loadedWeights: Awaited<ReturnType<typeof mergedWeights>>['value'];
  if (options.adapter !== undefined) {
    const m = await mergedWeights(ir, options, usage.seed);
    diagnostics.push(...m.diagnostics);
    if (!m.value || hasErrors(diagnostics)) {
      report(options, diagnostics, loaded.sources);
      return EXIT_ERRORS;
    }
    loadedWeights = m.value;
  }
  const { compileOnnx } = await import('../../lower/onnx/compile-onnx.js');
  const { createWriteProgress } = await import('../../lower/onnx/write-progress.js');
  const file = options.output !== undefined && isModelFile(options.output);
  const tokenizer = !file && options.output !== undefined ? await folderTokenizerFor(ir, specFile, options) : undefined;
  if (tokenizer) diagnostics.push(...tokenizer.diagnostics);
  if (tokenizer && (!tokenizer.value || hasErrors(diagnostics))) {
    report(options, diagnostics, loaded.sources);
    return EXIT_ERRORS;
  }
  // Tensors, bytes and ETA on a terminal (stderr); nothing otherwise.
  const progress = options.format === 'pretty' ? createWriteProgress(process.stderr) : undefined;
  const r = await compileOnnx(ir, {
    loaded: loadedWeights,
    tokenizer: tokenizer?.value,
    out: file ? options.output : undefined,
    folder: file ? undefined : options.output,
    variants: usage.variants,
    seed: usage.seed,
    weights: options.weights,
    moe: options.moe,
    quantizeOption: options.quantize,
    externalData: options.externalData ? true : 'auto',
    externalThreshold: options.externalThreshold,
    triton: options.triton,
    tritonOptions: { maxBatchSize: options.tritonMaxBatch, instances: options.tritonInstances, kind: options.tritonKind },
    onProgress: progress?.onProgress,
  }).finally(() => {
    progress?.stop();
    loadedWeights?.close();
  });
  diagnostics.push(...r.diagnostics);
  const ok = r.value !== undefined && !hasErrors(diagnostics);
  report(options, diagnostics, loaded.sources, ok ? onnxSummaryJson(r.value!) : undefined);
  if (ok && options.format === 'pretty') process.stdout.write(renderOnnxSummary(ir.name, r.value!, (performance.now() - started) / 1000));
  return ok ? EXIT_OK : EXIT_ERRORS;
}
