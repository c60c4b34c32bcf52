/**
 * HF bridge (weights in) — a Hugging Face model directory as the weights of a spec's IR: its
 * config.json is imported (import-config.ts) and must describe the spec's architecture
 * (MOE7105 names the first field that differs; a checkpoint's MTP layers are dropped when the
 * spec has none, as transformers drops them), the checkpoint is opened and validated
 * (src/interop/safetensors), the read plan checked (plan.ts), and the result is a lazy map that
 * reads, dequantizes and transforms one tensor per `get` (nothing is buffered).
 */
import { createDiagnostic, hasErrors, type Diagnostic, type Result } from '../../../diagnostics/diagnostic.js';
import { describeArchitecture, firstArchitectureDifference } from '../../../ir/architecture.js';
import type { ModelIR } from '../../../ir/types.js';
import { LazySourceWeights } from '../../../weights/lazy-source.js';
import { openCheckpoint } from '../../safetensors/open-checkpoint.js';
import type { Json } from '../config-reader.js';
import { importConfig } from '../import-config.js';
import { planRead, type Quantization } from './plan.js';
import { SourceReader } from './read-source.js';

export interface HfWeights {
  weights: LazySourceWeights;
  modelType: string;
  /** The checkpoint's storage: `BF16`, `F32`, `FP8 (block 128×128)`, `MXFP4 experts` … */
  storage: string;
}

function quantization(path: string, config: Readonly<Record<string, Json>>): Result<Quantization | undefined> {
  const qc = config.quantization_config as Record<string, Json> | null | undefined;
  if (!qc) return { value: {}, diagnostics: [] };
  const method = qc.quant_method;
  if (method === 'mxfp4') return { value: { method }, diagnostics: [] };
  if (method === 'fp8') {
    const b = qc.weight_block_size;
    const block = Array.isArray(b) && b.length === 2 && b.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x > 0) ? (b as [number, number]) : undefined;
    if (b !== undefined && b !== null && !block) return { value: undefined, diagnostics: [createDiagnostic('MOE7103', { args: { path, what: 'quantization_config.weight_block_size', why: `${JSON.stringify(b)} is not two positive whole numbers` } })] };
    return { value: { method, block: block ?? [128, 128] }, diagnostics: [] };
  }
  return { value: undefined, diagnostics: [createDiagnostic('MOE7103', { args: { path, what: `quantization_config.quant_method ${JSON.stringify(method)}`, why: 'moec reads unquantized, FP8 block-scaled and MXFP4 checkpoints' } })] };
}

/** The architecture of `ir` with MTP modules removed (transformers loads a DeepSeek checkpoint without them). */
function withoutMtp(ir: ModelIR): ModelIR {
  return { ...ir, mtpDepth: 0, mtpLayers: [] };
}

export function readHfWeights(dir: string, ir: ModelIR): Result<HfWeights | undefined> {
  const imported = importConfig(dir);
  const diagnostics: Diagnostic[] = imported.diagnostics.filter((d) => d.severity === 'error');
  if (!imported.value) return { value: undefined, diagnostics };
  const { type, config, ir: theirs } = imported.value;
  const mine = ir.mtpDepth === 0 ? withoutMtp(theirs) : theirs;
  const diff = firstArchitectureDifference(describeArchitecture(mine), describeArchitecture(ir));
  if (diff) {
    diagnostics.push(createDiagnostic('MOE7105', { args: { path: dir, field: diff.path, found: diff.found, expected: diff.expected } }));
    return { value: undefined, diagnostics };
  }
  const q = quantization(dir, config);
  if (!q.value) return { value: undefined, diagnostics: q.diagnostics };
  const opened = openCheckpoint(dir);
  diagnostics.push(...opened.diagnostics);
  if (!opened.value || hasErrors(diagnostics)) return { value: undefined, diagnostics };
  const reader = opened.value;
  const plan = planRead(ir, type.keys(type.keyOptions(config)), { path: dir, get: (k) => reader.get(k), keys: () => reader.tensors.map((t) => t.name) }, q.value, type.keyOptions(config));
  diagnostics.push(...plan.diagnostics);
  if (hasErrors(diagnostics)) {
    reader.close();
    return { value: undefined, diagnostics };
  }
  const source = new SourceReader(reader, q.value);
  const weights = new LazySourceWeights(ir, (name, into) => source.read(plan.sources.get(name)!, into), () => reader.close(), (name) => source.peakBytes(plan.sources.get(name)!));
  const dtypes = [...new Set(reader.tensors.map((t) => t.dtype))].sort().join(', ');
  const storage = q.value.method === 'fp8' ? `FP8 blocks ${q.value.block!.join('×')} + ${dtypes}` : q.value.method === 'mxfp4' ? `MXFP4 experts + ${dtypes}` : dtypes;
  return { value: { weights, modelType: type.modelType, storage }, diagnostics };
}
