"""Minimal safetensors writer/reader (struct + json), by the format, for the fixture generator.

Format (huggingface/safetensors README): 8-byte little-endian u64 header length N, then N bytes of
UTF-8 JSON {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}},
then the packed little-endian tensor bytes; offsets are relative to the end of the header.
Debian has no python3-safetensors (apt-cache policy: no candidate), hence this file.

Tensors are handled as raw little-endian bytes plus a dtype name, because torch 1.13 has no
float8 and the MXFP4 blocks are plain uint8: the caller encodes/decodes (see quant.py, dtypes.py).
"""
import json
import struct

DTYPE_SIZES = {'F64': 8, 'F32': 4, 'F16': 2, 'BF16': 2, 'I64': 8, 'I32': 4, 'I16': 2, 'I8': 1,
               'U8': 1, 'BOOL': 1, 'F8_E4M3': 1, 'F8_E5M2': 1}


def write_safetensors(path, tensors, metadata=None):
    """tensors: ordered list of (name, dtype, shape, raw_bytes). Names are written sorted, as the
    reference writer does (safetensors sorts by dtype alignment then name; we sort by name only,
    which the format allows: readers must not assume an order)."""
    header = {}
    if metadata:
        header['__metadata__'] = {str(k): str(v) for k, v in metadata.items()}
    offset = 0
    blobs = []
    for name, dtype, shape, raw in sorted(tensors, key=lambda t: t[0]):
        n = DTYPE_SIZES[dtype]
        for d in shape:
            n *= d
        if n != len(raw):
            raise ValueError(f'{name}: {dtype}{list(shape)} needs {n} bytes, got {len(raw)}')
        header[name] = {'dtype': dtype, 'shape': list(shape), 'data_offsets': [offset, offset + n]}
        blobs.append(raw)
        offset += n
    head = json.dumps(header, separators=(',', ':')).encode('utf-8')
    head += b' ' * ((8 - len(head) % 8) % 8)  # pad with spaces to 8-byte alignment, as the reference does
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)
    return offset


def read_safetensors(path):
    """Returns ({name: (dtype, shape, raw_bytes)}, metadata)."""
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n].decode('utf-8'))
    meta = header.pop('__metadata__', {})
    base = 8 + n
    out = {}
    for name, info in header.items():
        b, e = info['data_offsets']
        out[name] = (info['dtype'], tuple(info['shape']), data[base + b: base + e])
    return out, meta
