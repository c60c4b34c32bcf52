/**
 * ONNX target — `moec compile --target onnx`: resolved IR → graph (emitOnnxGraph, no weights)
 * → metadata → memory check → streamed atomic write, in which each weight is read from its
 * source (seeded init, a checkpoint, any WeightSource), converted and written one tensor at a
 * time (write-model.ts): one model file (`-o model.onnx`), or
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
import { createDiagnostic, hasErrors, type Diagnostic, type Result } from '../../diagnostics/diagnostic.js';
import type { ModelIR } from '../../ir/types.js';
import { KernelPool, kernelPool } from '../../parallel/kernel-pool.js';
import { VERSION } from '../../version.js';
import { mapWeightSource, openWeightSource } from '../../weights/open-weights.js';
import { seededSource } from '../../weights/seeded-source.js';
import type { WeightSource } from '../../weights/weight-source.js';
import { checkCompileMemory, type HostMemory } from './compile-memory.js';
import { writeModelFolder, type FolderWritten } from './deploy/write-folder.js';
import type { FolderTokenizer } from './deploy/model-tokenizer.js';
import { withVariant, type VariantName } from './deploy/variants.js';
import { emitOnnxGraph, type EmittedGraph } from './emit-model.js';
import type { MoeDispatch } from './moe-block.js';
import { fusedMisfitReason } from './moe-fused.js';
import { sizeByGroup, type GroupSize } from './quant-size.js';
import { sourceDataContext, readOrder } from './source-data.js';
import { writeTritonRepository, type TritonOptions, type TritonWritten } from './triton.js';
import type { StreamedModel, WriteModelOptions, WrittenModel } from './write-model.js';
import { writeOnnxModel } from './write-model.js';

export interface CompileOnnxOptions extends Omit<WriteModelOptions, 'onProgress'> {
  /** Output model file. At least one of `out`, `folder` and `triton` is needed. */
  out?: string;
  /** Output model folder (config.json, tokenizer, onnx/model.onnx, …). */
  folder?: string;
  /** The model's own tokenizer files for the folder (deploy/model-tokenizer.ts); default: byte-level. */
  tokenizer?: FolderTokenizer;
  /** Quantized variants to add to the folder (onnx/model_<suffix>.onnx). */
  variants?: VariantName[];
  /** Init seed (default: the spec's train.seed). Ignored with `weights` or `source`. */
  seed?: number;
  /** A run directory (follows `latest`), a checkpoint directory (docs/checkpoint.md), or a Hugging Face model directory (docs/hf.md). */
  weights?: string;
  /** Weights the caller has already loaded (a base with a LoRA adapter merged); overrides `weights` and `seed`. */
  loaded?: { weights: Map<string, Float32Array>; meta: [string, string][]; from: string };
  /** Any other weight source; wins over `loaded`, `weights` and `seed`. Closed by the compile. */
  source?: WeightSource;
  moe?: MoeDispatch;
  /** The `--quantize` text that replaced the spec's quantize block (recorded in the metadata). */
  quantizeOption?: string;
  /** Host memory to check the compile against (default: this machine's). */
  hostMemory?: HostMemory;
  /** Threads for weight generation and quantization (default: MOEC_THREADS, else the cores, at most 8). */
  threads?: number;
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
  /** Wall time, milliseconds: reading or generating weights, building graphs, converting and writing. */
  ms: { weights: number; emit: number; write: number };
}

function openSource(ir: ModelIR, options: CompileOnnxOptions, pool: KernelPool): Result<WeightSource | undefined> {
  if (options.source) return { value: options.source, diagnostics: [] };
  if (options.loaded) return { value: mapWeightSource(ir, options.loaded), diagnostics: [] };
  if (options.weights !== undefined) return openWeightSource(options.weights, ir);
  return { value: seededSource(ir, options.seed ?? ir.train.seed, pool), diagnostics: [] };
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

/** One model the compile writes: its IR (a variant's storage), graph interface and destination. */
interface Planned {
  target: ModelIR;
  cache: boolean;
}

export async function compileOnnx(ir: ModelIR, options: CompileOnnxOptions): Promise<Result<CompileOnnxSummary | undefined>> {
  const diagnostics: Diagnostic[] = [];
  // The process's threads, with scratch buffers of this compile's own (another may run at once).
  const pool = options.threads !== undefined ? new KernelPool(options.threads) : kernelPool().lease();
  const opened = openSource(ir, options, pool);
  diagnostics.push(...opened.diagnostics);
  if (!opened.value || hasErrors(diagnostics)) {
    opened.value?.close();
    return { value: undefined, diagnostics };
  }
  const source = opened.value;
  try {
    return await compileWith(ir, options, source, pool, diagnostics);
  } finally {
    source.close();
    pool.close();
  }
}

async function compileWith(ir: ModelIR, options: CompileOnnxOptions, source: WeightSource, pool: KernelPool, diagnostics: Diagnostic[]): Promise<Result<CompileOnnxSummary | undefined>> {
  const dispatch = options.moe ?? 'sparse';
  const weightsMeta = source.metadata.map(([k, v]) => [k, v] as [string, string]);
  const groups = sizeByGroup(ir);
  const ms = { weights: 0, emit: 0, write: 0 };
  let warned = false;
  // Lowering warnings are the same for every graph of one spec: collected from the first only.
  // A graph holds no weight data, so emitting one is cheap; each is emitted when it is written.
  const graphOf = (p: Planned, forWrite = true): EmittedGraph => {
    const start = performance.now();
    const graph = emitOnnxGraph(p.target, { moe: dispatch, diagnostics: warned || !forWrite ? [] : diagnostics, cache: p.cache });
    warned ||= forWrite;
    graph.model.metadataProps = modelMetadata(p.target, weightsMeta, dispatch, sizeByGroup(p.target), p.target === ir ? options.quantizeOption : undefined).map(([key, value]) => ({ key, value }));
    ms.emit += performance.now() - start;
    return graph;
  };
  const variants = (options.variants ?? []).map((v) => ({ variant: v, plan: { target: withVariant(ir, v), cache: true } }));
  const planned: Planned[] = [
    ...(options.out !== undefined || options.folder !== undefined ? [{ target: ir, cache: true }] : []),
    ...(options.folder !== undefined ? variants.map((v) => v.plan) : []),
    ...(options.triton !== undefined ? [{ target: ir, cache: false }] : []),
  ];
  const write: WriteModelOptions = {
    externalData: options.externalData,
    externalThreshold: options.externalThreshold,
    shardBytes: options.shardBytes,
    onProgress: options.onProgress,
  };
  // Refuse before reading a weight when a model would not fit (each model is written alone).
  // Graphs made one at a time, each dropped once estimated (a generator, not an array of all).
  const graphs = function* () {
    for (const p of planned) yield graphOf(p, false);
  };
  diagnostics.push(...checkCompileMemory(ir, graphs(), source, write, options.hostMemory));
  if (hasErrors(diagnostics)) return { value: undefined, diagnostics };

  const data = sourceDataContext(ir, source, pool, ms);
  const streamed = (p: Planned): StreamedModel => {
    const graph = graphOf(p);
    source.begin(readOrder(graph));
    return { model: graph.model, deferred: graph.deferred, data };
  };
  const timed = async <T>(body: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    const before = ms.weights + ms.emit;
    try {
      return await body();
    } finally {
      ms.write += performance.now() - start - (ms.weights + ms.emit - before);
    }
  };
  const meta = modelMetadata(ir, weightsMeta, dispatch, groups, options.quantizeOption);
  const summary: CompileOnnxSummary = {
    params: ir.tensors.filter((t) => !t.mtp).reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0),
    groups,
    weightsFrom: source.from,
    metadata: Object.fromEntries(meta),
    ms,
  };
  if (options.out !== undefined) {
    const written = await timed(() => writeOnnxModel(streamed({ target: ir, cache: true }), options.out!, write));
    diagnostics.push(...written.diagnostics);
    if (!written.value) return { value: undefined, diagnostics };
    summary.model = written.value;
  }
  if (options.folder !== undefined) {
    const models = [{ variant: 'spec' as const, emit: () => streamed({ target: ir, cache: true }) }, ...variants.map((v) => ({ variant: v.variant, emit: () => streamed(v.plan) }))];
    const written = await timed(() => writeModelFolder(options.folder!, ir, models, write, options.tokenizer));
    diagnostics.push(...written.diagnostics);
    if (!written.value) return { value: undefined, diagnostics };
    if (written.value.genaiSkipped) diagnostics.push(createDiagnostic('MOE5522', { args: { reason: written.value.genaiSkipped } }));
    // The byte-level tokenizer.json (tokenizer-files.ts) needs ids 0–255.
    if (!options.tokenizer && ir.vocab < 256) diagnostics.push(createDiagnostic('MOE5528', { args: { vocab: ir.vocab } }));
    summary.folder = written.value;
  }
  if (options.triton !== undefined) {
    const repo = await timed(() => writeTritonRepository(options.triton!, ir.name, ir.vocab, streamed({ target: ir, cache: false }), { ...write, ...options.tritonOptions }));
    diagnostics.push(...repo.diagnostics);
    if (!repo.value) return { value: undefined, diagnostics };
    summary.triton = repo.value;
  }
  return { value: summary, diagnostics };
}
