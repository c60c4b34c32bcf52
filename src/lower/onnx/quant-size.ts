/**
 * ONNX lowering — bytes each tensor group occupies in the emitted file, computed from the
 * quantization layouts of linear.ts / embedding.ts (not from the graph), so tests can check
 * the file against the layout and `moec compile` can print the size per group.
 */
import type { ModelIR, QuantIR, TensorGroup, TensorIR } from '../../ir/types.js';
import { usesMatMulNBits } from './linear.js';

export interface GroupSize {
  group: TensorGroup;
  /** Parameters in the group. */
  params: number;
  /** Bytes of its initializers: data, scales, zero points. */
  bytes: number;
  /** The storage of its matrices (vectors stay fp32), e.g. `int4 block 32 sym`. */
  storage: string;
}

const describe = (q: QuantIR): string =>
  q.dtype === 'int8' || q.dtype === 'int4'
    ? `${q.dtype} ${q.granularity}${q.granularity === 'block' ? ` ${q.block}` : ''} ${q.symmetric ? 'sym' : 'asym'}`
    : q.dtype;

/** Bytes of one tensor as emitted. */
export function tensorBytes(t: TensorIR, ir: Pick<ModelIR, 'quantize'>): number {
  const n = t.shape.reduce((a, b) => a * b, 1);
  const q = t.quant;
  if (t.shape.length < 2 || q.dtype === 'fp32') return 4 * n;
  if (q.dtype === 'fp16' || q.dtype === 'bf16') return 2 * n;
  const embedding = t.name === 'embed_tokens.weight';
  // Vectors along K: an embedding's rows (K = hidden), a linear's output columns (K = in).
  const [vectors, k] = embedding ? [t.shape[0], t.shape[1]] : [t.shape[1], t.shape[0]];
  const block = q.granularity === 'block' ? Math.min(q.block ?? 32, k) : k;
  const blocks = Math.ceil(k / block);
  const groups = q.granularity === 'tensor' ? 1 : vectors * blocks;
  const scales = 4 * groups;
  if (embedding) {
    const width = q.granularity === 'tensor' ? k : blocks * block;
    const data = q.dtype === 'int8' ? vectors * width : (vectors * width) / 2;
    return data + scales + (q.symmetric ? 0 : 4 * groups);
  }
  if (q.dtype === 'int4' && usesMatMulNBits(q)) {
    return (vectors * blocks * block) / 2 + scales + (q.symmetric ? 0 : vectors * Math.ceil(blocks / 2));
  }
  if (q.dtype === 'int8') {
    const integerPath = ir.quantize.activations.dtype === 'int8' && q.granularity !== 'block';
    return n + scales + (q.symmetric && !integerPath ? 0 : groups);
  }
  return Math.ceil(n / 2) + scales + (q.symmetric ? 0 : Math.ceil(groups / 2));
}

/** Size per tensor group of the emitted model (MTP modules excluded: they are not emitted). */
export function sizeByGroup(ir: ModelIR): GroupSize[] {
  const out = new Map<TensorGroup, GroupSize>();
  for (const t of ir.tensors) {
    if (t.mtp) continue;
    const row = out.get(t.group) ?? { group: t.group, params: 0, bytes: 0, storage: describe(ir.quantize[t.group]) };
    row.params += t.shape.reduce((a, b) => a * b, 1);
    row.bytes += tensorBytes(t, ir);
    out.set(t.group, row);
  }
  return [...out.values()];
}
