/**
 * Analysis phase — quantized artifact size per tensor group (docs/explain.md), for the
 * spec's quantize block (the storage dtype the IR gives each tensor).
 *   fp32 4 B, fp16/bf16 2 B per parameter;
 *   int8: 1 B, int4: 0.5 B per parameter (two per byte), plus scales:
 *     block b: one scale per b consecutive inputs of each output column (the layout of
 *       onnxruntime's MatMulNBits), ⌈in/b⌉ × out of them, fp32 — MatMulNBits's scales take
 *       the activation type and moec's ONNX graph computes in fp32, so this is what
 *       `moec compile --target onnx` writes (an fp16 scale would understate it by 2 B a block);
 *     channel: one fp32 scale per output channel (ONNX QuantizeLinear per-axis);
 *     tensor: one fp32 scale;
 *     asymmetric adds one zero point per scale at the quantized width (int4: 0.5 B, int8: 1 B).
 * The reduction (input) dimension of a linear weight [in, out] is the first; for the
 * embedding [vocab, hidden] it is hidden (each row is dequantized on its own).
 * MTP modules are training-only and not part of the inference artifact.
 */
import type { ModelIR, QuantIR, TensorGroup, TensorIR } from '../ir/types.js';
import { GROUPS, numel, zeroGroups } from './params.js';

const WIDTH: Record<QuantIR['dtype'], number> = { fp32: 4, fp16: 2, bf16: 2, int8: 1, int4: 0.5 };

export function tensorBytes(t: Pick<TensorIR, 'shape' | 'quant' | 'group'>): number {
  const q = t.quant;
  const n = numel(t);
  const width = WIDTH[q.dtype];
  if (q.dtype !== 'int8' && q.dtype !== 'int4') return n * width;
  const [rows, cols] = t.group === 'embeddings' ? [t.shape[1], t.shape[0]] : [t.shape[0], numel(t) / t.shape[0]];
  let scales: number;
  let scaleBytes: number;
  if (q.granularity === 'block') {
    scales = Math.ceil(rows / (q.block ?? 32)) * cols;
    scaleBytes = 4;
  } else if (q.granularity === 'channel') {
    scales = cols;
    scaleBytes = 4;
  } else {
    scales = 1;
    scaleBytes = 4;
  }
  const zeroPoints = q.symmetric ? 0 : scales * width;
  return Math.ceil(n * width) + scales * scaleBytes + Math.ceil(zeroPoints);
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
    bytes[t.group] += tensorBytes(t);
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
