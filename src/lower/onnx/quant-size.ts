/**
 * ONNX lowering — bytes each tensor group occupies in the emitted file, computed from the
 * quantization layouts of linear.ts / embedding.ts (not from the graph), so tests can check
 * the file against the layout and `moec compile` can print the size per group.
 */
import type { ModelIR, QuantIR, TensorGroup, TensorIR } from '../../ir/types.js';
import { tensorBytes as layoutBytes } from './storage-layout.js';

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

/** Bytes of one tensor as emitted (storage-layout.ts). */
export function tensorBytes(t: TensorIR, ir: Pick<ModelIR, 'quantize'>): number {
  return layoutBytes(t, ir.quantize.activations.dtype);
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
