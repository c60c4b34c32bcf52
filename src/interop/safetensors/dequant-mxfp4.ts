/**
 * Safetensors interop — dequantizing MXFP4 weights as gpt-oss stores them: `*_blocks` U8
 * [..., G, 16] holding two FP4 (E2M1) values per byte, and `*_scales` U8 [..., G], one E8M0
 * exponent per 32 values. Source: transformers `integrations/mxfp4.py`
 * `convert_moe_packed_tensors` (copied there from the gpt-oss repository):
 * - the low nibble is the earlier value: out[2k] = LUT[byte & 0x0F], out[2k+1] = LUT[byte >> 4];
 * - LUT = [+0, .5, 1, 1.5, 2, 3, 4, 6, −0, −.5, −1, −1.5, −2, −3, −4, −6] (E2M1, sign in bit 3);
 * - value = ldexp(LUT[nibble], scale − 127);
 * - the result [..., G·32] is then transposed by `.transpose(1, 2)`: gpt-oss's
 *   `gate_up_proj_blocks` [E, 2I, H/32, 16] becomes `gate_up_proj` [E, H, 2I], the [in, out]
 *   layout of its bf16 checkpoint (dequantizeGptOssExperts does this step).
 * Every value is a power of two times at most 2 significant bits, so float32 holds it exactly
 * (transformers computes in bf16, also exactly). A scale byte of 0xFF is NaN in the OCP
 * Microscaling Formats spec v1.0 (E8M0 has no other special value) and is dequantized as NaN
 * here; transformers' ldexp gives ±inf there (NaN for zeros). Real checkpoints do not contain it.
 */
import { createDiagnostic, type Result } from '../../diagnostics/diagnostic.js';

export const FP4_VALUES = [0, 0.5, 1, 1.5, 2, 3, 4, 6, -0, -0.5, -1, -1.5, -2, -3, -4, -6] as const;

export interface Mxfp4Packed {
  /** Tensor name (the `*_blocks` key without the suffix), for diagnostics. */
  name: string;
  blocks: Uint8Array;
  blocksShape: readonly number[];
  /** E8M0 exponents, stored as U8 (gpt-oss) or F8_E8M0: the same bytes. */
  scales: Uint8Array;
  scalesShape: readonly number[];
}

export interface DequantizedTensor {
  data: Float32Array;
  shape: number[];
}

/** Values in packed order: shape [..., G·B·2] for blocks [..., G, B]. */
export function dequantizeMxfp4(input: Mxfp4Packed): Result<DequantizedTensor | undefined> {
  const { blocksShape: bs, scalesShape: ss } = input;
  const bad = (reason: string) => ({ value: undefined, diagnostics: [createDiagnostic('MOE7561', { args: { tensor: input.name, reason } })] });
  if (bs.length < 2) return bad(`the blocks have shape [${bs.join(', ')}]; expected [..., groups, bytes]`);
  if (ss.length !== bs.length - 1 || ss.some((d, i) => d !== bs[i])) {
    return bad(`the scales have shape [${ss.join(', ')}]; blocks [${bs.join(', ')}] need [${bs.slice(0, -1).join(', ')}]`);
  }
  const bytesPerGroup = bs[bs.length - 1]!;
  const groups = bs.slice(0, -1).reduce((a, d) => a * d, 1);
  if (input.blocks.length !== groups * bytesPerGroup) return bad(`the blocks have ${input.blocks.length} bytes, not ${groups * bytesPerGroup}`);
  if (input.scales.length !== groups) return bad(`the scales have ${input.scales.length} bytes, not ${groups}`);
  const out = new Float32Array(groups * bytesPerGroup * 2);
  const scaled = new Float64Array(16);
  for (let g = 0; g < groups; g++) {
    const e = input.scales[g]!;
    const factor = e === 0xff ? Number.NaN : 2 ** (e - 127);
    for (let k = 0; k < 16; k++) scaled[k] = FP4_VALUES[k]! * factor;
    const src = g * bytesPerGroup;
    const dst = src * 2;
    for (let b = 0; b < bytesPerGroup; b++) {
      const byte = input.blocks[src + b]!;
      out[dst + 2 * b] = scaled[byte & 0x0f]!;
      out[dst + 2 * b + 1] = scaled[byte >> 4]!;
    }
  }
  return { value: { data: out, shape: [...bs.slice(0, -2), bs[bs.length - 2]! * bytesPerGroup * 2] }, diagnostics: [] };
}

/** transformers' `convert_moe_packed_tensors`: blocks [E, R, G, B] → [E, G·B·2, R] (dequantize, then transpose(1, 2)). */
export function dequantizeGptOssExperts(input: Mxfp4Packed): Result<DequantizedTensor | undefined> {
  if (input.blocksShape.length !== 4) {
    const reason = `gpt-oss expert blocks are [experts, rows, groups, 16]; got [${input.blocksShape.join(', ')}]`;
    return { value: undefined, diagnostics: [createDiagnostic('MOE7561', { args: { tensor: input.name, reason } })] };
  }
  const flat = dequantizeMxfp4(input);
  if (!flat.value) return flat;
  const [experts, rows, cols] = flat.value.shape as [number, number, number];
  const src = flat.value.data;
  const out = new Float32Array(src.length);
  for (let e = 0; e < experts; e++) {
    const base = e * rows * cols;
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[base + c * rows + r] = src[base + r * cols + c]!;
  }
  return { value: { data: out, shape: [experts, cols, rows] }, diagnostics: [] };
}
