/**
 * ONNX lowering — how each quantized tensor is stored in the emitted file, as arithmetic only
 * (no onnx-proto), so `moec explain` can report the artifact's size per group without loading
 * the emitter. linear.ts and embedding.ts emit exactly these layouts; test/lower/onnx checks
 * the bytes against real files.
 *   fp32 4 B, fp16/bf16 2 B per parameter; vectors (norms, biases) always fp32.
 *   int8 1 B, int4 ½ B per parameter, plus one fp32 scale per group of values that share one:
 *   the whole tensor, each output column (channel), or each block of `block` inputs of a column.
 *   Asymmetric adds zero points: MatMulNBits packs them 4-bit, DequantizeLinear stores them at
 *   the quantized width, the embedding's dequantize-by-Gather path stores them as fp32.
 */
import type { QuantIR, TensorIR } from '../../ir/types.js';

export const isPow2 = (n: number): boolean => n >= 16 && (n & (n - 1)) === 0;

/** Whether an int4 tensor of this quant is emitted as MatMulNBits. */
export function usesMatMulNBits(q: QuantIR): boolean {
  return q.dtype === 'int4' && q.granularity === 'block' && isPow2(q.block ?? 32);
}

/**
 * Bytes of one tensor as emitted. `activations`: the spec's activation dtype (int8 activations
 * run int8 linears through MatMulInteger, which needs zero points even when symmetric).
 */
export function tensorBytes(t: Pick<TensorIR, 'shape' | 'quant' | 'group'>, activations: QuantIR['dtype'] = 'fp32'): number {
  const n = t.shape.reduce((a, b) => a * b, 1);
  const q = t.quant;
  if (t.shape.length < 2 || q.dtype === 'fp32') return 4 * n;
  if (q.dtype === 'fp16' || q.dtype === 'bf16') return 2 * n;
  const embedding = t.group === 'embeddings';
  // Vectors along K: an embedding's rows (K = hidden), a linear's output columns (K = in).
  const [vectors, k] = embedding ? [t.shape[0], t.shape[1]] : [t.shape[1], t.shape[0]];
  const block = q.granularity === 'block' ? Math.min(q.block ?? 32, k) : k;
  const blocks = Math.ceil(k / block);
  const groups = q.granularity === 'tensor' ? 1 : vectors * blocks;
  const scales = 4 * groups;
  if (embedding) {
    const width = q.granularity === 'tensor' ? k : blocks * block;
    // int4 rows are padded to a whole byte (embedding.ts), so each row's codes can be gathered.
    const data = q.dtype === 'int8' ? vectors * width : (vectors * (width + (width % 2))) / 2;
    return data + scales + (q.symmetric ? 0 : 4 * groups);
  }
  if (q.dtype === 'int4' && usesMatMulNBits(q)) {
    return (vectors * blocks * block) / 2 + scales + (q.symmetric ? 0 : vectors * Math.ceil(blocks / 2));
  }
  if (q.dtype === 'int8') {
    const integerPath = activations === 'int8' && q.granularity !== 'block';
    return n + scales + (q.symmetric && !integerPath ? 0 : groups);
  }
  return Math.ceil(n / 2) + scales + (q.symmetric ? 0 : Math.ceil(groups / 2));
}
