"""Storage dtypes for the fixtures: BF16/F16 rounding, FP8 E4M3 block quantisation (DeepSeek-V3) and
MXFP4 (gpt-oss), with the reference DEQUANTISATION ported and the quantisers written to produce it.

Dequantisation ports:
  * FP8: deepseek-ai/DeepSeek-V3 inference/kernel.py @ 06231633 `weight_dequant` (used by
    inference/fp8_cast_bf16.py): y[i, j] = float(x[i, j]) * s[i // B, j // B], s of shape
    [ceil(M/B), ceil(N/B)], partial edge blocks allowed (masked loads). Note transformers'
    integrations/finegrained_fp8.py @ 0095b976 `Fp8Dequantize` computes the same product but
    raises unless rows and cols are multiples of the block size (a real V3 kv_a_proj_with_mqa,
    576 rows, is not); the fixture crosses a block boundary with ragged edges, as the Hub files do.
  * MXFP4: transformers integrations/mxfp4.py @ 0189b1d0 `convert_moe_packed_tensors`: scales are
    E8M0 (value 2**(byte-127)); each uint8 of *_blocks holds two E2M1 codes, low nibble first;
    FP4_VALUES lookup; result reshaped to [..., G*32] and transposed(1, 2), so
    gate_up_proj_blocks [E, 2F, H/32, 16] -> gate_up_proj [E, H, 2F].
No torch float8 in torch 1.13: E4M3 (the "fn" variant: bias 7, no infinities, 0x7F/0xFF NaN,
max 448) is encoded/decoded here by table.
Exactness: the quantisers round every FP8 block scale to 4 significant bits, so
(3-bit-mantissa E4M3) x scale is exact in BF16 as in FP32 — the dequantised weights do not
depend on whether a loader dequantises to bf16 (DeepSeek's script) or fp32 (transformers).
"""
import math

import numpy as np
import torch

FP4_VALUES = [+0.0, +0.5, +1.0, +1.5, +2.0, +3.0, +4.0, +6.0, -0.0, -0.5, -1.0, -1.5, -2.0, -3.0, -4.0, -6.0]


# ---------- BF16 / F16 ----------

def to_bf16_bytes(t):
    return t.detach().to(torch.bfloat16).contiguous().view(torch.int16).numpy().tobytes()


def from_bf16_bytes(raw, shape):
    a = torch.from_numpy(np.frombuffer(raw, dtype='<i2').copy()).view(torch.bfloat16)
    return a.float().reshape(shape)


def to_f16_bytes(t):
    return t.detach().to(torch.float16).numpy().astype('<f2').tobytes()


def from_f16_bytes(raw, shape):
    return torch.from_numpy(np.frombuffer(raw, dtype='<f2').astype(np.float32)).reshape(shape)


def to_f32_bytes(t):
    return t.detach().to(torch.float32).numpy().astype('<f4').tobytes()


def from_f32_bytes(raw, shape):
    return torch.from_numpy(np.frombuffer(raw, dtype='<f4').copy()).reshape(shape)


# ---------- FP8 E4M3 (fn) ----------

def _e4m3_table():
    vals = np.zeros(256, dtype=np.float64)
    for code in range(256):
        sign = -1.0 if code & 0x80 else 1.0
        e, m = (code >> 3) & 0xF, code & 0x7
        if e == 0xF and m == 0x7:
            vals[code] = np.nan
        elif e == 0:
            vals[code] = sign * (m / 8.0) * 2.0 ** -6
        else:
            vals[code] = sign * (1.0 + m / 8.0) * 2.0 ** (e - 7)
    return vals


E4M3_VALUES = _e4m3_table()
_POS = E4M3_VALUES[:127]  # codes 0..126: non-negative, increasing


def e4m3_encode(x):
    """Round-to-nearest-even onto E4M3fn (saturating at 448), as torch's .to(float8_e4m3fn) after clamp."""
    x = np.asarray(x, dtype=np.float64)
    mag = np.minimum(np.abs(x), 448.0)
    hi = np.clip(np.searchsorted(_POS, mag, side='left'), 0, 126)
    lo = np.clip(hi - 1, 0, 126)
    d_hi, d_lo = np.abs(_POS[hi] - mag), np.abs(mag - _POS[lo])
    pick_lo = (d_lo < d_hi) | ((d_lo == d_hi) & (lo % 2 == 0))
    code = np.where(pick_lo, lo, hi).astype(np.uint8)
    return np.where(x < 0, code | 0x80, code).astype(np.uint8)


def e4m3_decode(codes):
    return E4M3_VALUES[np.asarray(codes, dtype=np.uint8)]


def _round_up_sig_bits(v, bits=4):
    """Smallest number >= v with `bits` significant bits (so values/scale never exceed 448)."""
    if v == 0:
        return 1.0
    e = math.floor(math.log2(v)) - (bits - 1)
    return math.ceil(v / 2.0 ** e) * 2.0 ** e


def fp8_block_quantize(w, block=(128, 128)):
    """w: float tensor [M, N] -> (uint8 codes [M, N], float32 scale_inv [ceil(M/bm), ceil(N/bn)]),
    amax/448 per block (DeepSeek kernel.py weight_quant), scale rounded up to 4 significant bits."""
    w = w.detach().double().numpy()
    M, N = w.shape
    bm, bn = block
    sm, sn = -(-M // bm), -(-N // bn)
    scale = np.zeros((sm, sn), dtype=np.float64)
    codes = np.zeros((M, N), dtype=np.uint8)
    for i in range(sm):
        for j in range(sn):
            blk = w[i * bm:(i + 1) * bm, j * bn:(j + 1) * bn]
            s = _round_up_sig_bits(float(np.abs(blk).max()) / 448.0)
            scale[i, j] = s
            codes[i * bm:(i + 1) * bm, j * bn:(j + 1) * bn] = e4m3_encode(blk / s)
    return codes, scale.astype(np.float32)


def weight_dequant(x_codes, s, block_size=128):
    """DeepSeek-V3 inference/kernel.py weight_dequant: y = x * s, one scale per block_size x block_size."""
    M, N = x_codes.shape
    x = e4m3_decode(x_codes).astype(np.float32)
    rows = np.arange(M) // block_size
    cols = np.arange(N) // block_size
    y = x * s.astype(np.float32)[rows][:, cols]
    return torch.from_numpy(y.astype(np.float32))


# ---------- MXFP4 (E2M1 values, E8M0 scale per 32) ----------

_FP4_POS = np.array(FP4_VALUES[:8])


def _e2m1_encode(x):
    mag = np.abs(x)
    idx = np.abs(mag[..., None] - _FP4_POS).argmin(-1)  # nearest; ties resolved to the even code below
    d = np.abs(mag[..., None] - _FP4_POS)
    best = d.min(-1, keepdims=True)
    ties = (d == best)
    even_tie = ties & (np.arange(8) % 2 == 0)
    idx = np.where(ties.sum(-1) > 1, even_tie.argmax(-1), idx)
    return np.where((x < 0) & (idx > 0), idx + 8, idx).astype(np.uint8)


def mxfp4_quantize(w_rows_in):
    """w_rows_in: float tensor [..., R, K] (K % 32 == 0), groups of 32 along K ->
    (blocks uint8 [..., R, K/32, 16], scales uint8 [..., R, K/32]); scale 2**e with the smallest e
    such that amax / 2**e <= 6 (the largest E2M1 magnitude)."""
    w = w_rows_in.detach().double().numpy()
    *prefix, R, K = w.shape
    g = w.reshape(*prefix, R, K // 32, 32)
    amax = np.abs(g).max(-1)
    e = np.where(amax > 0, np.ceil(np.log2(np.maximum(amax, 1e-30) / 6.0)), 0).astype(np.int64)
    codes = _e2m1_encode(g / (2.0 ** e)[..., None])
    blocks = (codes[..., 0::2] | (codes[..., 1::2] << 4)).astype(np.uint8)
    scales = (e + 127).astype(np.uint8)
    return blocks, scales


def convert_moe_packed_tensors(blocks, scales, *, dtype=torch.bfloat16, rows_per_chunk=32768 * 1024):
    """transformers integrations/mxfp4.py convert_moe_packed_tensors (CPU path)."""
    scales = scales.to(torch.int32) - 127  # TODO that's because 128=2**7

    assert blocks.shape[:-1] == scales.shape, f'{blocks.shape[:-1]=} does not match {scales.shape=}'

    lut = torch.tensor(FP4_VALUES, dtype=dtype, device=blocks.device)

    *prefix_shape, G, B = blocks.shape
    rows_total = math.prod(prefix_shape) * G

    blocks = blocks.reshape(rows_total, B)
    scales = scales.reshape(rows_total, 1)

    out = torch.empty(rows_total, B * 2, dtype=dtype, device=blocks.device)

    for r0 in range(0, rows_total, rows_per_chunk):
        r1 = min(r0 + rows_per_chunk, rows_total)

        blk = blocks[r0:r1]
        exp = scales[r0:r1]

        # nibble indices -> int64
        idx_lo = (blk & 0x0F).to(torch.long)
        idx_hi = (blk >> 4).to(torch.long)

        sub = out[r0:r1]
        sub[:, 0::2] = lut[idx_lo]
        sub[:, 1::2] = lut[idx_hi]

        # torch.ldexp(sub, exp, out=sub): torch 1.13 has ldexp for float dtypes; written as a
        # multiplication by an exact power of two, which is the same for these values.
        sub.copy_((sub.float() * torch.pow(2.0, exp.float())).to(dtype))
        del idx_lo, idx_hi, blk, exp, sub

    out = out.reshape(*prefix_shape, G, B * 2).view(*prefix_shape, G * B * 2)
    del blocks, scales, lut
    return out.transpose(1, 2).contiguous()
