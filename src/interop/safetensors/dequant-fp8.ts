/**
 * Safetensors interop — dequantizing block-scaled FP8 weights (DeepSeek-V3/R1, and checkpoints
 * with `quantization_config.quant_method: "fp8"`): `weight` is F8_E4M3 [..., rows, cols] and
 * `weight_scale_inv` is float32 [..., ceil(rows/bm), ceil(cols/bn)], one scale per bm×bn block
 * (`weight_block_size`, [128, 128] for DeepSeek). Despite its name the scale multiplies:
 * y[i, j] = float(x[i, j]) · s[⌊i/bm⌋, ⌊j/bn⌋], computed in float32; edge blocks are partial
 * (the last block row/column covers what is left).
 * Sources: deepseek-ai/DeepSeek-V3 `inference/kernel.py` `weight_dequant_kernel` (grid
 * cdiv(M, B) × cdiv(N, B), masked edges, `y = x * s` in fp32) and transformers
 * `integrations/finegrained_fp8.py` (`FP8Linear`: scale shape `(out + bo − 1) // bo × (in + bi − 1) // bi`;
 * `FP8Expert`: the same per expert for 3-D [E, out, in] weights).
 * The product of an FP8 value (4 significant bits) and a float32 scale is exact in a double, so
 * one rounding to float32 gives PyTorch's float32 product bit for bit.
 */
import { createDiagnostic, type Result } from '../../diagnostics/diagnostic.js';
import { e4m3ToF32Table, e5m2ToF32Table } from './float-bits.js';

export interface BlockScaledFp8 {
  /** Tensor name, for diagnostics. */
  name: string;
  /** Raw F8 bytes, C order. */
  weight: Uint8Array;
  weightShape: readonly number[];
  /** F8_E4M3 (DeepSeek, transformers "fp8") or F8_E5M2. */
  weightDtype?: 'F8_E4M3' | 'F8_E5M2';
  /** `weight_scale_inv` as float32 (read with readFloat32: F32 or BF16 in the file). */
  scales: Float32Array;
  scaleShape: readonly number[];
  /** `[rows, cols]` per block (`quantization_config.weight_block_size`); default [128, 128]. */
  blockSize?: readonly [number, number];
}

export function dequantizeFp8BlockScaled(input: BlockScaledFp8): Result<Float32Array | undefined> {
  const [bm, bn] = input.blockSize ?? [128, 128];
  const { weightShape: ws, scaleShape: ss } = input;
  const bad = (reason: string) => ({
    value: undefined,
    diagnostics: [createDiagnostic('MOE7560', { args: { tensor: input.name, reason, blockRows: bm, blockCols: bn } })],
  });
  if (!(Number.isSafeInteger(bm) && Number.isSafeInteger(bn) && bm > 0 && bn > 0)) return bad(`block size [${bm}, ${bn}] is not two positive whole numbers`);
  if (ws.length < 2) return bad(`the weight has shape [${ws.join(', ')}]; block scaling needs at least 2 dimensions`);
  const rows = ws[ws.length - 2]!;
  const cols = ws[ws.length - 1]!;
  const lead = ws.slice(0, -2);
  const want = [...lead, Math.ceil(rows / bm), Math.ceil(cols / bn)];
  if (ss.length !== want.length || ss.some((d, i) => d !== want[i])) {
    return bad(`the scales have shape [${ss.join(', ')}]; a [${ws.join(', ')}] weight in ${bm}×${bn} blocks needs [${want.join(', ')}]`);
  }
  const count = ws.reduce((a, d) => a * d, 1);
  if (input.weight.length !== count) return bad(`the weight has ${input.weight.length} bytes; shape [${ws.join(', ')}] needs ${count}`);
  if (input.scales.length !== want.reduce((a, d) => a * d, 1)) return bad(`the scales hold ${input.scales.length} values, not ${want.join('×')}`);
  const table = new Float32Array((input.weightDtype === 'F8_E5M2' ? e5m2ToF32Table() : e4m3ToF32Table()).buffer);
  const out = new Float32Array(count);
  const [sRows, sCols] = [want[want.length - 2]!, want[want.length - 1]!];
  const matrices = lead.reduce((a, d) => a * d, 1);
  for (let m = 0; m < matrices; m++) {
    const base = m * rows * cols;
    const sBase = m * sRows * sCols;
    for (let i = 0; i < rows; i++) {
      const sRow = sBase + Math.floor(i / bm) * sCols;
      const row = base + i * cols;
      for (let j = 0; j < cols; j++) out[row + j] = table[input.weight[row + j]!]! * input.scales[sRow + Math.floor(j / bn)]!;
    }
  }
  return { value: out, diagnostics: [] };
}
