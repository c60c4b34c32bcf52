/**
 * ONNX target — `moec compile --target onnx`: resolved IR → weights (seeded init, or a
 * checkpoint's) → emitOnnxModel → metadata → atomic write: one model file (`-o model.onnx`), or
 * the model folder stock clients load (`-o dir/`: deploy/write-folder.ts, with quantized
 * variants), plus a Triton repository on request. Files and folder hold the KV-cache graph; the
 * Triton repository holds the full-sequence graph (its stateless dynamic batching has no cache to
 * carry between requests). Everything written is a function of the inputs (spec, seed or
 * checkpoint contents, options), so identical inputs give byte-identical files.
 *
 * metadata_props (read back by `moec run` and by anyone auditing a deployed model):
 *   moec.name, moec.spec_sha256 (the spec file's), moec.architecture_sha256 (what the weights
 *   fit: docs/checkpoint.md), moec.version, moec.weights (`init` or `checkpoint`),
 *   moec.seed or moec.checkpoint_step, moec.moe_dispatch, moec.quantization (JSON: storage per
 *   tensor group), moec.quantize_option (a `--quantize` override, when given), moec.vocab,
 *   moec.context.
 */
import { performance } from 'node:perf_hooks';
import type onnxProto from 'onnx-proto';
import { createDiagnostic, hasErrors, type Diagnostic, type Result } from '../../diagnostics/diagnostic.js';
import type { ModelIR } from '../../ir/types.js';
import { VERSION } from '../../version.js';
import { LazyInitWeights } from '../../weights/lazy-weights.js';
import { WeightsReadError } from '../../weights/lazy-source.js';
import { readModelWeights, weightsKind } from '../../weights/read-model-weights.js';
import { checkCompileMemory, type HostMemory } from './compile-memory.js';
import { writeModelFolder, type FolderWritten } from './deploy/write-folder.js';
import type { FolderTokenizer } from './deploy/model-tokenizer.js';
import { withVariant, type VariantName } from './deploy/variants.js';
import { emitOnnxModel } from './emit-model.js';
import type { MoeDispatch } from './moe-block.js';
import { fusedMisfitReason } from './moe-fused.js';
import { sizeByGroup, type GroupSize } from './quant-size.js';
import { writeTritonRepository, type TritonOptions, type TritonWritten } from './triton.js';
import { writeOnnxModel, type WriteModelOptions, type WrittenModel } from './write-model.js';

export interface CompileOnnxOptions extends Omit<WriteModelOptions, 'onProgress'> {
  /** Output model file. At least one of `out`, `folder` and `triton` is needed. */
  out?: string;
  /** Output model folder (config.json, tokenizer, onnx/model.onnx, …). */
  folder?: string;
  /** The model's own tokenizer files for the folder (deploy/model-tokenizer.ts); default: byte-level. */
  tokenizer?: FolderTokenizer;
  /** Quantized variants to add to the folder (onnx/model_<suffix>.onnx). */
  variants?: VariantName[];
  /** Init seed (default: the spec's train.seed). Ignored with `weights`. */
  seed?: number;
  /** A run directory (follows `latest`), a checkpoint directory (docs/checkpoint.md), or a Hugging Face model directory (docs/hf.md). */
  weights?: string;
  /** Weights the caller has already loaded (a base with a LoRA adapter merged); overrides `weights` and `seed`. */
  loaded?: { weights: Map<string, Float32Array>; meta: [string, string][]; from: string };
  moe?: MoeDispatch;
  /** The `--quantize` text that replaced the spec's quantize block (recorded in the metadata). */
  quantizeOption?: string;
  /** Host memory to check the compile against (default: this machine's). */
  hostMemory?: HostMemory;
  /** Also write a Triton model repository here. */
  triton?: string;
  tritonOptions?: TritonOptions;
  onProgress?: WriteModelOptions['onProgress'];
}

export interface CompileOnnxSummary {
  model?: WrittenModel;
  folder?: FolderWritten;
  triton?: TritonWritten;
  /** Parameters in the emitted graph (MTP modules are training-only and excluded). */
  params: number;
  groups: GroupSize[];
  /** `init seed 1234` or `checkpoint step 200 (<dir>)`. */
  weightsFrom: string;
  metadata: Record<string, string>;
  /** Wall time per phase, milliseconds. */
  ms: { weights: number; emit: number; write: number };
}

type Loaded = { weights: Map<string, Float32Array>; meta: [string, string][]; from: string; close: () => void };

function loadWeights(ir: ModelIR, options: CompileOnnxOptions): Result<Loaded | undefined> {
  if (options.loaded) return { value: { ...options.loaded, close: () => {} }, diagnostics: [] };
  if (options.weights !== undefined) {
    // A moec checkpoint is read whole; a Hugging Face one lazily, tensor by tensor (readModelWeights).
    const read = readModelWeights(options.weights, ir);
    return { value: read.value, diagnostics: read.diagnostics };
  }
  const seed = options.seed ?? ir.train.seed;
  return {
    // Generated per tensor as the emitter asks, so the float32 model is never whole in memory.
    value: { weights: new LazyInitWeights(ir, seed), meta: [['moec.weights', 'init'], ['moec.seed', String(seed)]], from: `init seed ${seed}`, close: () => {} },
    diagnostics: [],
  };
}

/** The dispatch the graph actually has: `fused` falls back to sparse per layer where the op does not fit. */
export function dispatchUsed(ir: ModelIR, dispatch: MoeDispatch): string {
  const moe = ir.layers.filter((l) => l.ffn.kind === 'moe');
  if (moe.length === 0) return 'none';
  if (dispatch !== 'fused') return dispatch;
  const sparse = moe.filter((l) => l.ffn.kind === 'moe' && fusedMisfitReason(l.ffn, ir.quantize.experts) !== undefined).map((l) => l.index);
  if (sparse.length === 0) return 'fused';
  if (sparse.length === moe.length) return 'sparse';
  return `fused, sparse in layers ${sparse.join(', ')}`;
}

/** The metadata_props entries, in a fixed order. */
export function modelMetadata(ir: ModelIR, weightsMeta: [string, string][], dispatch: MoeDispatch, groups: GroupSize[], quantizeOption?: string): [string, string][] {
  const quant = Object.fromEntries(groups.map((g) => [g.group, g.storage]));
  return [
    ['moec.name', ir.name],
    ['moec.spec_sha256', ir.specHash],
    ['moec.architecture_sha256', ir.architectureHash],
    ['moec.version', VERSION],
    ...weightsMeta,
    ['moec.moe_dispatch', dispatchUsed(ir, dispatch)],
    ['moec.quantization', JSON.stringify(quant)],
    ...(quantizeOption !== undefined ? ([['moec.quantize_option', quantizeOption]] as [string, string][]) : []),
    ['moec.vocab', String(ir.vocab)],
    ['moec.context', String(ir.context)],
  ];
}

export async function compileOnnx(ir: ModelIR, options: CompileOnnxOptions): Promise<Result<CompileOnnxSummary | undefined>> {
  const opened: Loaded[] = [];
  try {
    return await compileOnnxUnguarded(ir, options, opened);
  } catch (err) {
    // A weight that read correctly when validated but not when emitted (the file changed): nothing was written.
    if (err instanceof WeightsReadError) return { value: undefined, diagnostics: err.diagnostics };
    throw err;
  } finally {
    for (const l of opened) l.close();
  }
}

async function compileOnnxUnguarded(ir: ModelIR, options: CompileOnnxOptions, opened: Loaded[]): Promise<Result<CompileOnnxSummary | undefined>> {
  const diagnostics: Diagnostic[] = [];
  const t0 = performance.now();
  const groups = sizeByGroup(ir);
  const whole = options.weights !== undefined && weightsKind(options.weights) !== 'hf';
  diagnostics.push(...checkCompileMemory(ir, groups, whole, options.hostMemory));
  if (hasErrors(diagnostics)) return { value: undefined, diagnostics };
  const loaded = loadWeights(ir, options);
  diagnostics.push(...loaded.diagnostics);
  if (loaded.value) opened.push(loaded.value);
  if (!loaded.value || hasErrors(diagnostics)) return { value: undefined, diagnostics };
  const t1 = performance.now();

  const dispatch = options.moe ?? 'sparse';
  const weights = loaded.value.weights;
  const weightsMeta = loaded.value.meta;
  let warned = false;
  let emitMs = 0;
  // Lowering warnings are the same for every graph of one spec: collected from the first only.
  // Graphs are emitted when written, so one is in memory at a time.
  const emit = (target: ModelIR, cache = true): onnxProto.onnx.IModelProto => {
    const start = performance.now();
    const model = emitOnnxModel(target, weights, { moe: dispatch, diagnostics: warned ? [] : diagnostics, cache });
    warned = true;
    model.metadataProps = modelMetadata(target, weightsMeta, dispatch, sizeByGroup(target), target === ir ? options.quantizeOption : undefined).map(([key, value]) => ({ key, value }));
    emitMs += performance.now() - start;
    return model;
  };
  const meta = modelMetadata(ir, weightsMeta, dispatch, groups, options.quantizeOption);
  const t2 = performance.now();

  const write: WriteModelOptions = {
    externalData: options.externalData,
    externalThreshold: options.externalThreshold,
    shardBytes: options.shardBytes,
    onProgress: options.onProgress,
  };
  const summary: CompileOnnxSummary = {
    params: ir.tensors.filter((t) => !t.mtp).reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0),
    groups,
    weightsFrom: loaded.value.from,
    metadata: Object.fromEntries(meta),
    ms: { weights: t1 - t0, emit: 0, write: 0 },
  };
  if (options.out !== undefined) {
    const written = await writeOnnxModel(emit(ir), options.out, write);
    diagnostics.push(...written.diagnostics);
    if (!written.value) return { value: undefined, diagnostics };
    summary.model = written.value;
  }
  if (options.folder !== undefined) {
    const models = [
      { variant: 'spec' as const, emit: () => emit(ir) },
      ...(options.variants ?? []).map((v) => ({ variant: v, emit: () => emit(withVariant(ir, v)) })),
    ];
    const written = await writeModelFolder(options.folder, ir, models, write, options.tokenizer);
    diagnostics.push(...written.diagnostics);
    if (!written.value) return { value: undefined, diagnostics };
    if (written.value.genaiSkipped) diagnostics.push(createDiagnostic('MOE5522', { args: { reason: written.value.genaiSkipped } }));
    summary.folder = written.value;
  }
  if (options.triton !== undefined) {
    const repo = await writeTritonRepository(options.triton, ir.name, ir.vocab, emit(ir, false), { ...write, ...options.tritonOptions });
    diagnostics.push(...repo.diagnostics);
    if (!repo.value) return { value: undefined, diagnostics };
    summary.triton = repo.value;
  }
  summary.ms.emit = emitMs;
  summary.ms.write = performance.now() - t2 - emitMs;
  return { value: summary, diagnostics };
}
