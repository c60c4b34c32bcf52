/**
 * Analysis phase — quantized artifact size per tensor group (docs/explain.md): the bytes
 * `moec compile --target onnx` writes for the spec's quantize block. One calculator serves
 * both: the ONNX target's storage layouts (src/lower/onnx/storage-layout.ts, arithmetic only),
 * which the ONNX tests check against real files. In short: fp32 4 B, fp16/bf16 2 B, int8 1 B,
 * int4 ½ B per parameter, plus an fp32 scale per tensor / output channel / block, plus zero
 * points when asymmetric. MTP modules are training-only and not part of the artifact.
 */
import type { ModelIR, QuantIR, TensorGroup, TensorIR } from '../ir/types.js';
import { tensorBytes as layoutBytes } from '../lower/onnx/storage-layout.js';
import { GROUPS, numel, zeroGroups } from './params.js';

export function tensorBytes(t: Pick<TensorIR, 'shape' | 'quant' | 'group'>, activations: QuantIR['dtype'] = 'fp32'): number {
  return layoutBytes(t, activations);
}

export interface QuantSize {
  byGroup: Record<TensorGroup, { params: number; bytes: number; dtype: string }>;
  total: number;
  /** Bytes at fp32, for the compression ratio. */
  fp32: number;
}

export function createQuantSize(ir: ModelIR): QuantSize {
  const params = zeroGroups();
  const bytes = zeroGroups();
  for (const t of ir.tensors) {
    if (t.mtp) continue;
    params[t.group] += numel(t);
    bytes[t.group] += tensorBytes(t, ir.quantize.activations.dtype);
  }
  const byGroup = Object.fromEntries(
    GROUPS.map((g) => {
      const q = ir.quantize[g];
      const dtype = q.dtype + (q.granularity === 'block' ? `/b${q.block}` : q.dtype.startsWith('int') ? `/${q.granularity}` : '') + (q.symmetric ? '' : ' asym');
      return [g, { params: params[g], bytes: bytes[g], dtype }];
    }),
  ) as QuantSize['byGroup'];
  const total = GROUPS.reduce((a, g) => a + bytes[g], 0);
  return { byGroup, total, fp32: GROUPS.reduce((a, g) => a + params[g], 0) * 4 };
}
