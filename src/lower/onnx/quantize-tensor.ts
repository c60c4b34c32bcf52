/**
 * ONNX lowering — quantizing one weight tensor into its stored layout with the kernels of
 * quantize-kernel.ts, on several threads when a pool is given and the values are in shared
 * memory. The layout arithmetic (blocks, groups, padded width) is quantize.ts's, so the codes,
 * scales and zero points equal `quantizeMatrix`'s (test/lower/onnx/quantize-tensor.test.ts).
 *
 * Chunks of memory rows: even (two int4 codes share a byte) and, where the kernel computes the
 * groups itself, whole blocks (a linear's block spans `block` input rows). Groups that span every
 * chunk (the whole tensor; a linear's column at channel granularity) get their min/max from a
 * first parallel pass, reduced here in chunk order.
 */
import type { QuantIR } from '../../ir/types.js';
import type { KernelPool } from '../../parallel/kernel-pool.js';
import { params } from './quantize.js';
import { halfKernel, quantizeKernel, rangeKernel, type QuantizeArgs, type RangeArgs } from './quantize-kernel.js';

export interface QuantLayout {
  n: number;
  k: number;
  bits: 4 | 8;
  symmetric: boolean;
  perTensor: boolean;
  block: number;
  blocks: number;
  groups: number;
}

/** quantizeMatrix's layout of N vectors of length K. */
export function quantLayout(n: number, k: number, quant: QuantIR, bits: 4 | 8): QuantLayout {
  const perTensor = quant.granularity === 'tensor';
  const block = quant.granularity === 'block' ? Math.min(quant.block ?? 32, k) : k;
  const blocks = perTensor ? 1 : Math.ceil(k / block);
  return { n, k, bits, symmetric: quant.symmetric, perTensor, block, blocks, groups: perTensor ? 1 : n * blocks };
}

export interface StoredCodes {
  /** Packed codes in the requested placement. */
  codes: Uint8Array;
  /** One per group, [N, blocks] (or 1). */
  scales: Float32Array;
  zeroPoints: Uint8Array;
}

export interface Placement {
  /** Embedding: vectors along the rows of the weight; linear: down its columns. */
  vectorsAreRows: boolean;
  /** Codes as [N, stride] (padded with zero points) rather than the weight's own [K, N]. */
  vectorMajor: boolean;
  stride: number;
  add: number;
}

/** Values per chunk: big enough to repay a hand-off, small enough to balance two busy cores. */
const CHUNK_VALUES = 1 << 18;
/** Chunks of the first pass over groups that span the tensor. */
const RANGE_CHUNKS = 16;
/** Below this many values the tensor is quantized on this thread. */
export const PARALLEL_MIN = 1 << 20;

const useShared = (w: Float32Array, pool?: KernelPool): pool is KernelPool =>
  pool !== undefined && pool.threads > 1 && w.length >= PARALLEL_MIN && w.buffer instanceof SharedArrayBuffer;

/** Memory rows per chunk: a multiple of `unit`, about CHUNK_VALUES values. */
function chunkRows(rowLength: number, unit: number): number {
  const rows = Math.max(1, Math.floor(CHUNK_VALUES / Math.max(1, rowLength)));
  return Math.ceil(rows / unit) * unit;
}

export function quantizeTensor(w: Float32Array, layout: QuantLayout, place: Placement, pool?: KernelPool): StoredCodes {
  const parallel = useShared(w, pool);
  const { n, k, bits, perTensor, groups } = layout;
  const count = place.vectorMajor ? n * place.stride : n * k;
  const bytes = bits === 8 ? count : Math.ceil(count / 2);
  // On the pool: its scratch buffers (valid until the next tensor: the writer is done with them by then).
  const codes = parallel ? pool.scratch.uint8('codes', bytes) : new Uint8Array(bytes);
  const scales = parallel ? pool.scratch.float32('scales', groups) : new Float32Array(groups);
  const zeroPoints = parallel ? pool.scratch.uint8('zero-points', groups) : new Uint8Array(groups);
  const rows = place.vectorsAreRows ? n : k;
  const rowLength = place.vectorsAreRows ? k : n;
  // Groups that no chunk holds whole: their ranges first.
  const given = perTensor || (!place.vectorsAreRows && layout.blocks === 1);
  if (given) {
    // At most RANGE_CHUNKS chunks: each holds a min and max per group (a 32000-wide head: 0.5 MB).
    const step = Math.max(chunkRows(rowLength, 1), Math.ceil(rows / RANGE_CHUNKS));
    const chunks = Math.ceil(rows / step);
    const g = perTensor ? 1 : n;
    const partial = parallel ? pool.scratch.float64('ranges', 2 * g * chunks) : new Float64Array(2 * g * chunks);
    const args: RangeArgs = { src: w, n, k, vectorsAreRows: place.vectorsAreRows, perTensor, partial, first: 0, step };
    if (parallel) pool.run(rangeKernel, args, 0, rows, step);
    else for (let c = 0; c < chunks; c++) rangeKernel(args, c * step, Math.min(rows, (c + 1) * step));
    const mins = new Float64Array(g).fill(Infinity);
    const maxs = new Float64Array(g).fill(-Infinity);
    for (let c = 0; c < chunks; c++) {
      for (let i = 0; i < g; i++) {
        mins[i] = Math.min(mins[i], partial[c * 2 * g + i]);
        maxs[i] = Math.max(maxs[i], partial[c * 2 * g + g + i]);
      }
    }
    setGroups(layout, mins, maxs, scales, zeroPoints);
  }
  const args: QuantizeArgs = { src: w, ...layout, vectorsAreRows: place.vectorsAreRows, scales, zeroPoints, given, out: codes, vectorMajor: place.vectorMajor, stride: place.stride, add: place.add };
  const unit = place.vectorsAreRows || given ? 2 : lcm2(layout.block);
  const step = chunkRows(rowLength, unit);
  if (parallel) pool.run(quantizeKernel, args, 0, rows, step);
  else quantizeKernel(args, 0, rows);
  return { codes, scales, zeroPoints };
}

const lcm2 = (block: number) => (block % 2 === 0 ? block : 2 * block);

/** Scales and zero points of groups from their reduced min/max (quantize.ts `params`). */
function setGroups(layout: QuantLayout, mins: Float64Array, maxs: Float64Array, scales: Float32Array, zeroPoints: Uint8Array): void {
  for (let g = 0; g < mins.length; g++) {
    const p = params(mins[g], maxs[g], layout.bits, layout.symmetric);
    scales[g] = p.scale;
    zeroPoints[g] = p.zp;
  }
}

/** float32 → fp16 / bf16 bits. */
export function halfTensor(w: Float32Array, bf16: boolean, pool?: KernelPool): Uint16Array {
  const parallel = useShared(w, pool);
  const out = parallel ? pool.scratch.uint16('half', w.length) : new Uint16Array(w.length);
  const args = { src: w, out, bf16 };
  if (parallel) pool.run(halfKernel, args, 0, w.length, CHUNK_VALUES);
  else halfKernel(args, 0, w.length);
  return out;
}
