#!/usr/bin/python3
"""Generate test/fixtures/safetensors/: files in the safetensors format written the way the
reference Python writer writes them, and the values PyTorch computes for them.

Run with Debian's /usr/bin/python3 (torch 1.13, numpy 1.24):
    /usr/bin/python3 test/tools/gen-safetensors-fixtures.py

The `safetensors` package cannot be installed here (no pip access; Debian has no
python3-safetensors), so `save_file` below re-states the reference writer with struct + json only,
from huggingface/safetensors `safetensors/src/tensor.rs` (`prepare`, `serialize_to_file`, at
24b0b28): tensors sorted by dtype alignment (enum `Dtype` order, descending) then by name (Rust
`String` order = UTF-8 bytes); header = serde_json compact text, `__metadata__` first, entries
{"dtype","shape","data_offsets"}; padded with spaces to a multiple of 8. Sharding and the index
follow huggingface_hub `split_state_dict_into_shards_factory` and transformers `save_pretrained`
(`json.dumps(index, indent=2, sort_keys=True) + "\n"`).

Expected values come from torch/numpy casts (`.float()`, `.to(torch.bfloat16)`, `.half()`,
`astype(np.float32)`) — independent of moec's code. torch 1.13 has no float8 dtypes, so FP8 is
decoded by re-stating c10's `fp8e4m3fn_to_fp32_value` (c10/util/Float8_e4m3fn.h) bit for bit,
and E5M2 as the high byte of a float16 (c10/util/Float8_e5m2.h does the same). MXFP4 follows
transformers `integrations/mxfp4.py` `convert_moe_packed_tensors` line by line.
"""
import json
import os
import shutil
import struct

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'safetensors')
ORDER = ['BOOL', 'F4', 'F6_E2M3', 'F6_E3M2', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F8_E4M3FNUZ',
         'F8_E5M2FNUZ', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'C64', 'F64', 'I64', 'U64']
TORCH_DTYPE = {torch.float64: 'F64', torch.float32: 'F32', torch.float16: 'F16', torch.bfloat16: 'BF16',
               torch.int64: 'I64', torch.int32: 'I32', torch.int16: 'I16', torch.int8: 'I8',
               torch.uint8: 'U8', torch.bool: 'BOOL'}


def raw(t):
    """(dtype, shape, little-endian C-order bytes) of a torch tensor."""
    t = t.contiguous()
    flat = t.reshape(-1)  # a 0-rank tensor cannot be viewed as bytes
    as_bytes = flat.view(torch.uint8) if t.dtype != torch.bool else flat.to(torch.uint8)
    return TORCH_DTYPE[t.dtype], list(t.shape), as_bytes.numpy().tobytes()


def save_file(tensors, path, metadata=None):
    """tensors: {name: (dtype, shape, bytes)} — the reference writer's layout."""
    items = sorted(tensors.items(), key=lambda kv: (-ORDER.index(kv[1][0]), kv[0].encode('utf-8')))
    header = {}
    if metadata is not None:
        header['__metadata__'] = metadata
    offset = 0
    for name, (dtype, shape, data) in items:
        header[name] = {'dtype': dtype, 'shape': shape, 'data_offsets': [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for _, (_, _, data) in items:
            f.write(data)


def f32_bits(values):
    return np.asarray(values, dtype=np.float32).view(np.uint32).ravel().tolist()


def e4m3fn_to_f32_bits(b):
    """c10 fp8e4m3fn_to_fp32_value, re-stated on Python ints."""
    w = (b << 24) & 0xFFFFFFFF
    sign = w & 0x80000000
    nonsign = w & 0x7FFFFFFF
    renorm_shift = 32 - nonsign.bit_length() if nonsign else 32
    renorm_shift = renorm_shift - 4 if renorm_shift > 4 else 0
    inf_nan_mask = (((nonsign + 0x01000000) & 0xFFFFFFFF) >> 8)
    if (nonsign + 0x01000000) & 0x80000000:  # arithmetic shift of a negative int32
        inf_nan_mask |= 0xFF000000
    inf_nan_mask &= 0x7F800000
    zero_mask = ((nonsign - 1) & 0xFFFFFFFF) >> 31 if nonsign else 1
    zero_mask = 0xFFFFFFFF if zero_mask else 0
    body = ((((nonsign << renorm_shift) & 0xFFFFFFFF) >> 4) + ((0x78 - renorm_shift) << 23)) & 0xFFFFFFFF
    return (sign | ((body | inf_nan_mask) & ~zero_mask & 0xFFFFFFFF)) & 0xFFFFFFFF


def e5m2_to_f32_bits(b):
    h = torch.tensor([b << 8], dtype=torch.int32).to(torch.int16).view(torch.float16)
    return f32_bits(h.float().numpy())[0]


def dtypes_fixture(expected):
    g = torch.Generator().manual_seed(0)
    t = {
        'f64': torch.randn(3, 2, generator=g, dtype=torch.float64) * 1e3,
        'f32': torch.randn(4, 5, generator=g),
        'f16': torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, 6e-8, 1e-5, float('inf'), -float('inf')], dtype=torch.float16),
        'bf16': (torch.randn(2, 3, 2, generator=g) * 100).to(torch.bfloat16),
        'i64': torch.tensor([0, -1, 2**62 + 2**38 + 1, -2**63, 2**53 + 1, 16777217], dtype=torch.int64),
        'i32': torch.tensor([0, -7, 2**31 - 1, -2**31, 16777217], dtype=torch.int32),
        'i16': torch.tensor([[0, -32768], [32767, 5]], dtype=torch.int16),
        'i8': torch.tensor([-128, -1, 0, 127], dtype=torch.int8),
        'u8': torch.tensor([0, 1, 128, 255], dtype=torch.uint8),
        'bool': torch.tensor([True, False, True, True, False]),
        'scalar': torch.tensor(3.25),
        'empty': torch.zeros(0, 3),
        '層.weight': torch.arange(4, dtype=torch.float32),
        'we"ird\\name\n': torch.ones(1),
    }
    tensors = {name: raw(v) for name, v in t.items()}
    values = {name: f32_bits(v.float().numpy()) for name, v in t.items()}
    # numpy for the unsigned dtypes torch 1.13 lacks
    for name, arr, dt in [('u16', np.array([0, 1, 65535], np.uint16), 'U16'),
                          ('u32', np.array([0, 4294967295, 16777217], np.uint32), 'U32'),
                          ('u64', np.array([0, 2**64 - 1, 2**53 + 1], np.uint64), 'U64')]:
        tensors[name] = (dt, list(arr.shape), arr.astype('<' + arr.dtype.str[1:]).tobytes())
        values[name] = f32_bits(arr.astype(np.float32))
    codes = bytes(range(256))
    tensors['f8_e4m3'] = ('F8_E4M3', [16, 16], codes)
    values['f8_e4m3'] = [e4m3fn_to_f32_bits(b) for b in range(256)]
    tensors['f8_e5m2'] = ('F8_E5M2', [256], codes)
    values['f8_e5m2'] = [e5m2_to_f32_bits(b) for b in range(256)]
    tensors['f8_e8m0'] = ('F8_E8M0', [4], bytes([0, 127, 128, 255]))  # raw only: no float32 conversion
    save_file(tensors, os.path.join(OUT, 'dtypes.safetensors'), {'format': 'pt'})
    expected['dtypes.safetensors'] = {
        'metadata': {'format': 'pt'},
        'tensors': {n: {'dtype': d, 'shape': s, 'f32': values.get(n)} for n, (d, s, _) in tensors.items()},
    }


def rounding_fixture(expected):
    """float32 inputs and what torch rounds them to in bf16 and f16."""
    g = torch.Generator().manual_seed(1)
    special = [0.0, -0.0, 1.0, -1.0, float('inf'), -float('inf'), 3.4028234663852886e38, 1e-45, -1e-45,
               1.1754942106924411e-38, 65504.0, 65519.99609375, 65520.0, 65536.0, -70000.0, 2.0**-24, 2.0**-25,
               2.0**-25 * 1.0000001, 3 * 2.0**-26, 2.0**-14, 2.0**-14 - 2.0**-25, 1e-8, 5.960464477539063e-08]
    ties = []
    for hi in [0x3F80, 0x3F81, 0xC2F7, 0x7F7F, 0x0001]:
        for lo in [0x7FFF, 0x8000, 0x8001]:
            ties.append(struct.unpack('<f', struct.pack('<I', (hi << 16) | lo))[0])
    for base in [0x3C00, 0x3C01, 0x0001, 0x0002, 0x03FF, 0x7BFE]:  # f16 neighbours: halfway points between them
        a = torch.tensor([base, base + 1], dtype=torch.int32).to(torch.int16).view(torch.float16).double()
        mid = float((a[0] + a[1]) / 2)
        ties += [mid, float(np.nextafter(np.float32(mid), np.float32(0))), float(np.nextafter(np.float32(mid), np.float32(1e9)))]
    rand = torch.cat([torch.randn(200, generator=g) * s for s in (1e-6, 1.0, 1e4)])
    rand_bits = torch.randint(0, 2**31 - 1, (200,), generator=g, dtype=torch.int64)
    rand_bits = (rand_bits * 2 + torch.randint(0, 2, (200,), generator=g)).to(torch.int64)
    wild = torch.from_numpy((rand_bits.numpy() & 0xFFFFFFFF).astype(np.uint32).view(np.float32).copy())
    x = torch.cat([torch.tensor(special + ties, dtype=torch.float32), rand, wild])
    x = x[~torch.isnan(x)]
    tensors = {'x': raw(x), 'x.bf16': raw(x.to(torch.bfloat16)), 'x.f16': raw(x.half())}
    save_file(tensors, os.path.join(OUT, 'rounding.safetensors'))
    expected['rounding.safetensors'] = {'count': int(x.numel())}


def fp8_fixture(expected):
    g = torch.Generator().manual_seed(2)
    lut = torch.tensor(np.array([e4m3fn_to_f32_bits(b) for b in range(256)], np.uint32).view(np.float32))
    tensors = {}
    cases = {}
    for name, shape, block in [('linear.weight', (129, 131), (128, 128)), ('experts.weight', (2, 40, 33), (16, 16))]:
        codes = torch.randint(0, 256, shape, generator=g, dtype=torch.int64)
        codes[(codes & 0x7F) == 0x7F] = 0x3C  # no NaN codes: they would make the product NaN anyway
        rows, cols = shape[-2], shape[-1]
        srows, scols = -(-rows // block[0]), -(-cols // block[1])
        scale = torch.rand(*shape[:-2], srows, scols, generator=g) * 1e-2 + 1e-4
        w = lut[codes]
        s = scale.repeat_interleave(block[0], dim=-2)[..., :rows, :].repeat_interleave(block[1], dim=-1)[..., :cols]
        y = w * s  # float32 product, as weight_dequant_kernel / transformers' dequantize
        tensors[name] = ('F8_E4M3', list(shape), codes.to(torch.uint8).numpy().tobytes())
        tensors[name.replace('weight', 'weight_scale_inv')] = raw(scale)
        tensors[name + '.expected'] = raw(y)
        cases[name] = {'block': list(block)}
    save_file(tensors, os.path.join(OUT, 'fp8-block.safetensors'))
    expected['fp8-block.safetensors'] = cases


FP4_VALUES = [+0.0, +0.5, +1.0, +1.5, +2.0, +3.0, +4.0, +6.0, -0.0, -0.5, -1.0, -1.5, -2.0, -3.0, -4.0, -6.0]


def convert_moe_packed_tensors(blocks, scales, dtype=torch.float32):
    """transformers integrations/mxfp4.py, without the CUDA moves and the row chunking."""
    scales = scales.to(torch.int32) - 127
    assert blocks.shape[:-1] == scales.shape
    lut = torch.tensor(FP4_VALUES, dtype=dtype)
    *prefix_shape, G, B = blocks.shape
    rows_total = int(np.prod(prefix_shape)) * G
    blocks = blocks.reshape(rows_total, B)
    scales = scales.reshape(rows_total, 1)
    out = torch.empty(rows_total, B * 2, dtype=dtype)
    idx_lo = (blocks & 0x0F).to(torch.long)
    idx_hi = (blocks >> 4).to(torch.long)
    out[:, 0::2] = lut[idx_lo]
    out[:, 1::2] = lut[idx_hi]
    torch.ldexp(out, scales, out=out)
    out = out.reshape(*prefix_shape, G, B * 2).view(*prefix_shape, G * B * 2)
    return out.transpose(1, 2).contiguous()


def mxfp4_fixture(expected):
    g = torch.Generator().manual_seed(3)
    blocks = torch.randint(0, 256, (2, 3, 2, 16), generator=g, dtype=torch.int64).to(torch.uint8)
    scales = torch.randint(110, 140, (2, 3, 2), generator=g, dtype=torch.int64)
    scales[0, 0, 0] = 0  # 2^-127: a subnormal float32 scale
    scales[1, 2, 1] = 254  # 2^127: 6·2^127 is still finite in float32
    scales = scales.to(torch.uint8)
    y = convert_moe_packed_tensors(blocks, scales)
    tensors = {'gate_up_proj_blocks': raw(blocks), 'gate_up_proj_scales': raw(scales), 'gate_up_proj.expected': raw(y)}
    save_file(tensors, os.path.join(OUT, 'mxfp4.safetensors'))
    expected['mxfp4.safetensors'] = {'shape': list(y.shape)}


def split_state_dict(state, max_shard_size):
    """huggingface_hub split_state_dict_into_shards_factory (no shared storages here)."""
    shards, current, size = [], {}, 0
    for key, (dtype, shape, data) in state.items():
        if len(data) > max_shard_size:
            shards.append({key: state[key]})
            continue
        if size + len(data) > max_shard_size:
            shards.append(current)
            current, size = {}, 0
        current[key] = state[key]
        size += len(data)
    if current:
        shards.append(current)
    return shards


def save_pretrained(state, directory, max_shard_size):
    os.makedirs(directory, exist_ok=True)
    shards = split_state_dict(state, max_shard_size)
    if len(shards) == 1:
        save_file(shards[0], os.path.join(directory, 'model.safetensors'), {'format': 'pt'})
        return ['model.safetensors']
    names = ['model-%05d-of-%05d.safetensors' % (i + 1, len(shards)) for i in range(len(shards))]
    weight_map = {}
    for name, shard in zip(names, shards):
        save_file(shard, os.path.join(directory, name), {'format': 'pt'})
        weight_map.update({k: name for k in shard})
    total = sum(len(d) for _, _, d in state.values())
    index = {'metadata': {'total_size': total}, 'weight_map': weight_map}
    with open(os.path.join(directory, 'model.safetensors.index.json'), 'w', encoding='utf-8') as f:
        f.write(json.dumps(index, indent=2, sort_keys=True) + '\n')
    return names


def checkpoint_fixtures(expected):
    g = torch.Generator().manual_seed(4)
    h, v, ffn = 8, 16, 12
    state = {'model.embed_tokens.weight': raw(torch.randn(v, h, generator=g).to(torch.bfloat16))}
    for layer in range(2):
        p = 'model.layers.%d.' % layer
        state[p + 'input_layernorm.weight'] = raw(torch.ones(h))
        state[p + 'self_attn.q_proj.weight'] = raw(torch.randn(h, h, generator=g).to(torch.bfloat16))
        state[p + 'mlp.experts.0.gate_proj.weight'] = raw(torch.randn(ffn, h, generator=g).to(torch.bfloat16))
        state[p + 'mlp.gate.weight'] = raw(torch.randn(2, h, generator=g))
    state['model.norm.weight'] = raw(torch.ones(h))
    state['lm_head.weight'] = raw(torch.randn(v, h, generator=g).to(torch.bfloat16))
    files = save_pretrained(state, os.path.join(OUT, 'sharded'), 300)
    single = save_pretrained(state, os.path.join(OUT, 'single'), 5_000_000_000)
    expected['checkpoint'] = {'order': list(state.keys()), 'max_shard_size': 300, 'sharded_files': files, 'single_files': single}


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    expected = {}
    dtypes_fixture(expected)
    rounding_fixture(expected)
    fp8_fixture(expected)
    mxfp4_fixture(expected)
    checkpoint_fixtures(expected)
    with open(os.path.join(OUT, 'expected.json'), 'w', encoding='utf-8') as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write('\n')


if __name__ == '__main__':
    main()
