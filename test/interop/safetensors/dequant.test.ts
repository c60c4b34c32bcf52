/**
 * Dequantizers against values computed by torch in test/tools/gen-safetensors-fixtures.py:
 * DeepSeek FP8 (F8_E4M3 × per-block fp32 scale, partial edge blocks, 3-D experts) and gpt-oss
 * MXFP4 (transformers' convert_moe_packed_tensors, including its transpose). Tolerance: none —
 * both are exact in float32, so the bits must match.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  dequantizeFp8BlockScaled,
  dequantizeGptOssExperts,
  dequantizeMxfp4,
  openSafetensors,
} from '../../../src/interop/safetensors/index.js';
import { bitsOf, codes, expected, FIXTURES } from './helpers.js';

describe('FP8 with 128×128 block scales (DeepSeek)', () => {
  const f = openSafetensors(join(FIXTURES, 'fp8-block.safetensors')).value!;
  for (const name of ['linear.weight', 'experts.weight']) {
    it(`${name}: equals torch's float32 product bit for bit`, () => {
      const w = f.get(name)!;
      const s = f.get(name.replace('weight', 'weight_scale_inv'))!;
      const r = dequantizeFp8BlockScaled({
        name,
        weight: f.readRaw(name).value!,
        weightShape: w.shape,
        scales: f.readFloat32(s.name).value!,
        scaleShape: s.shape,
        blockSize: expected['fp8-block.safetensors'][name].block,
      });
      expect(r.diagnostics).toEqual([]);
      expect(bitsOf(r.value!)).toEqual(bitsOf(f.readFloat32(`${name}.expected`).value!));
    });
  }

  it('refuses a scale grid that does not match the weight, naming both shapes', () => {
    const r = dequantizeFp8BlockScaled({ name: 'q', weight: new Uint8Array(300 * 200), weightShape: [300, 200], scales: new Float32Array(4), scaleShape: [2, 2] });
    expect(codes(r.diagnostics)).toEqual(['MOE7560']);
    expect(r.diagnostics[0]!.message).toContain('needs [3, 2]');
  });

  it('refuses a 1-D weight and a byte count that does not match the shape', () => {
    expect(codes(dequantizeFp8BlockScaled({ name: 'b', weight: new Uint8Array(4), weightShape: [4], scales: new Float32Array(1), scaleShape: [1] }).diagnostics)).toEqual(['MOE7560']);
    expect(codes(dequantizeFp8BlockScaled({ name: 'b', weight: new Uint8Array(3), weightShape: [2, 2], scales: new Float32Array(1), scaleShape: [1, 1] }).diagnostics)).toEqual(['MOE7560']);
  });
});

describe('MXFP4 (gpt-oss)', () => {
  const f = openSafetensors(join(FIXTURES, 'mxfp4.safetensors')).value!;
  const input = () => ({
    name: 'gate_up_proj',
    blocks: f.readRaw('gate_up_proj_blocks').value!,
    blocksShape: f.get('gate_up_proj_blocks')!.shape,
    scales: f.readRaw('gate_up_proj_scales').value!,
    scalesShape: f.get('gate_up_proj_scales')!.shape,
  });

  it("dequantizeGptOssExperts equals transformers' convert_moe_packed_tensors (values and [E, G·32, R] shape)", () => {
    const r = dequantizeGptOssExperts(input());
    expect(r.diagnostics).toEqual([]);
    expect(r.value!.shape).toEqual(expected['mxfp4.safetensors'].shape);
    expect(bitsOf(r.value!.data)).toEqual(bitsOf(f.readFloat32('gate_up_proj.expected').value!));
  });

  it('low nibble first, LUT with signed zero, scale bias 127, 0xFF scale is NaN', () => {
    const r = dequantizeMxfp4({ name: 'w', blocks: new Uint8Array([0x71, 0x8f, 0x21, 0x00]), blocksShape: [2, 2], scales: new Uint8Array([128, 255]), scalesShape: [2] });
    const v = [...r.value!.data];
    expect(r.value!.shape).toEqual([8]);
    expect(v.slice(0, 4)).toEqual([1, 12, -12, -0]); // 0x71: lo 1 → 0.5·2, hi 7 → 6·2; 0x8f: lo 15 → −6·2, hi 8 → −0
    expect(v.slice(4).every(Number.isNaN)).toBe(true);
  });

  it('refuses scales whose shape is not the blocks shape without its last dimension', () => {
    const r = dequantizeMxfp4({ ...input(), scalesShape: [2, 3] });
    expect(codes(r.diagnostics)).toEqual(['MOE7561']);
    expect(codes(dequantizeGptOssExperts({ ...input(), blocksShape: [6, 2, 16], scalesShape: [6, 2] }).diagnostics)).toEqual(['MOE7561']);
  });
});
