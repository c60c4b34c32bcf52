/**
 * HF bridge (export) — `moec export hf`: a spec's IR and weights (seeded init, a moec run, or
 * an HF directory) as a Hugging Face model directory that transformers, vLLM and
 * Megatron-Bridge load: config.json of the model_type that holds the spec (export-config.ts),
 * generation_config.json, and the weights in save_pretrained's sharded safetensors layout with
 * per-expert v4 key names (export-weights.ts), in one float dtype. Deterministic: the same spec
 * and weights give the same bytes. Atomic (write-hf-dir.ts).
 */
import { createDiagnostic, hasErrors, type Diagnostic, type Result } from '../../diagnostics/diagnostic.js';
import type { ModelIR } from '../../ir/types.js';
import { DEFAULT_MAX_SHARD_SIZE } from '../safetensors/write-checkpoint-dir.js';
import { exportConfig, type ExportDtype } from './export-config.js';
import { DTYPE, exportTensors } from './export-weights.js';
import { writeHfDir, type WrittenHfDir } from './write-hf-dir.js';

export interface ExportHfOptions {
  modelType?: string;
  dtype?: ExportDtype;
  /** Write config.json and generation_config.json only. */
  configOnly?: boolean;
  maxShardSize?: number;
  force?: boolean;
}

export interface ExportedHf extends WrittenHfDir {
  modelType: string;
  architecture: string;
}

export function exportHf(ir: ModelIR, weights: Map<string, Float32Array> | undefined, out: string, options: ExportHfOptions = {}): Result<ExportedHf | undefined> {
  const dtype = options.dtype ?? 'fp32';
  const config = exportConfig(ir, { modelType: options.modelType, dtype });
  const diagnostics: Diagnostic[] = [...config.diagnostics];
  if (!config.value || hasErrors(diagnostics)) return { value: undefined, diagnostics };
  const { type, text, generationText } = config.value;
  const integer = Object.entries(ir.quantize).filter(([g, q]) => g !== 'activations' && (q.dtype === 'int8' || q.dtype === 'int4'));
  if (integer.length && !options.configOnly) {
    const what = `quantize ${integer.map(([g, q]) => `${g} ${q.dtype}`).join(', ')}`;
    diagnostics.push(createDiagnostic('MOE7203', { args: { what, why: `a Hugging Face checkpoint holds one float dtype (--dtype ${dtype}); int8/int4 groups are moec's ONNX storage (moec compile --quantize)` } }));
  }
  const tensors = options.configOnly || !weights ? undefined : exportTensors(ir, type, weights, DTYPE[dtype]);
  const params = ir.tensors.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
  const written = writeHfDir(
    out,
    { files: { 'config.json': text, 'generation_config.json': generationText }, tensors, maxShardSize: options.maxShardSize ?? DEFAULT_MAX_SHARD_SIZE, totalParameters: params },
    options.force,
  );
  diagnostics.push(...written.diagnostics);
  if (!written.value) return { value: undefined, diagnostics };
  return { value: { ...written.value, modelType: type.modelType, architecture: type.architecture }, diagnostics };
}
