/**
 * Reading safetensors files: the Python-format fixture (every dtype, values from torch/numpy),
 * one diagnostic per kind of header damage, positioned and chunked tensor reads.
 */
import { closeSync, openSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSafetensors, MAX_PROBLEMS, writeSafetensors } from '../../../src/interop/safetensors/index.js';
import { bitsOf, codes, craft, expected, FIXTURES, tempDir } from './helpers.js';

const DTYPES_FILE = join(FIXTURES, 'dtypes.safetensors');

describe('the Python-format fixture', () => {
  const file = openSafetensors(DTYPES_FILE);
  const reader = file.value!;
  const want = expected['dtypes.safetensors'];

  it('opens without diagnostics, with metadata and every tensor', () => {
    expect(file.diagnostics).toEqual([]);
    expect(reader.metadata).toEqual({ format: 'pt' });
    expect(new Set(reader.tensors.map((t) => t.name))).toEqual(new Set(Object.keys(want.tensors)));
    for (const t of reader.tensors) {
      expect([t.name, t.dtype, t.shape]).toEqual([t.name, want.tensors[t.name].dtype, want.tensors[t.name].shape]);
    }
  });

  it('lists tensors in storage order, tiling the data buffer', () => {
    let at = reader.header.dataOffset;
    for (const t of reader.tensors) {
      expect(t.offset).toBe(at);
      at += t.byteLength;
    }
  });

  it('converts every float32-convertible dtype to the values torch/numpy give, bit for bit', () => {
    for (const [name, w] of Object.entries<{ f32: number[] | null }>(want.tensors)) {
      if (!w.f32) continue;
      const got = reader.readFloat32(name);
      expect(got.diagnostics, name).toEqual([]);
      expect(bitsOf(got.value!), name).toEqual(w.f32);
    }
  });

  it('reads raw bytes of any dtype, and refuses float32 for E8M0 with a reason', () => {
    expect([...reader.readRaw('f8_e8m0').value!]).toEqual([0, 127, 128, 255]);
    const r = reader.readFloat32('f8_e8m0');
    expect(codes(r.diagnostics)).toEqual(['MOE7521']);
    expect(r.diagnostics[0]!.message).toContain('scale');
  });

  it('reads element ranges into a caller buffer', () => {
    const into = new Float32Array(8).fill(-1);
    const r = reader.readFloat32Range('f32', 3, 5, into);
    expect(r.value).toBe(into);
    const whole = reader.readFloat32('f32').value!;
    expect([...into.subarray(0, 5)]).toEqual([...whole.subarray(3, 8)]);
    expect(into[5]).toBe(-1);
    expect(() => reader.readFloat32Range('f32', 18, 3)).toThrow(RangeError); // a caller bug, not a file problem
  });

  it('names the closest tensor when asked for a missing one', () => {
    const r = reader.readRaw('f33');
    expect(codes(r.diagnostics)).toEqual(['MOE7520']);
    expect(r.diagnostics[0]!.hint).toContain('f32');
  });
});

describe('header validation: one diagnostic per problem, naming file and tensor', () => {
  const entry = (dtype: string, shape: number[], offsets: number[]) => ({ dtype, shape, data_offsets: offsets });
  const cases: [string, () => string, string[]][] = [
    ['missing file', () => join(tempDir(), 'nope.safetensors'), ['MOE7500']],
    ['directory', () => tempDir(), ['MOE7500']],
    ['shorter than 8 bytes', () => { const p = join(tempDir(), 'a'); writeFileSync(p, 'abc'); return p; }, ['MOE7501']],
    ['zip (torch.save)', () => { const p = join(tempDir(), 'a'); writeFileSync(p, Buffer.from('PK\x03\x04rest of a zip')); return p; }, ['MOE7501']],
    ['10 GB header length', () => craft('{}', 0, 10_000_000_000n), ['MOE7502']],
    ['2^64-1 header length', () => craft('{}', 0, 2n ** 64n - 1n), ['MOE7502']],
    ['header past end of file', () => craft('{}', 0, 5000n), ['MOE7501']],
    ['invalid UTF-8', () => craft(Buffer.from([0x7b, 0xff, 0x7d])), ['MOE7503']],
    ['not starting with {', () => craft(' {}'), ['MOE7501']],
    ['JSON array', () => craft('[1,2]'), ['MOE7501']],
    ['truncated JSON', () => craft('{"a":'), ['MOE7504']],
    ['trailing comma', () => craft('{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},}', 4), ['MOE7504']],
    ['too deep', () => craft(`{"a":${'['.repeat(200)}${']'.repeat(200)}}`), ['MOE7504']],
    ['duplicate key', () => craft('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', 1), ['MOE7511']],
    ['entry not an object', () => craft({ a: 3 }), ['MOE7505']],
    ['no dtype', () => craft({ a: { shape: [1], data_offsets: [0, 4] } }, 4), ['MOE7505']],
    ['unknown dtype', () => craft({ a: entry('F128', [1], [0, 16]) }, 16), ['MOE7506']],
    ['lowercase dtype', () => craft({ a: entry('f32', [1], [0, 4]) }, 4), ['MOE7506']],
    ['negative dim', () => craft({ a: entry('F32', [-1], [0, 4]) }, 4), ['MOE7505']],
    ['fractional dim', () => craft('{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}', 4), ['MOE7505']],
    ['huge dim', () => craft('{"a":{"dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,4]}}', 4), ['MOE7505']],
    ['offsets not a pair', () => craft({ a: entry('F32', [1], [0]) }, 4), ['MOE7505']],
    ['shape/size mismatch', () => craft({ a: entry('F32', [2], [0, 4]) }, 4), ['MOE7507']],
    ['sub-byte size', () => craft({ a: entry('F4', [3], [0, 2]) }, 2), ['MOE7507']],
    ['overflowing shape', () => craft({ a: entry('F64', [2 ** 40, 2 ** 40], [0, 8]) }, 8), ['MOE7507']],
    ['end before begin', () => craft({ a: entry('U8', [0], [4, 0]) }, 4), ['MOE7508']],
    ['past the buffer', () => craft({ a: entry('F32', [2], [0, 8]) }, 4), ['MOE7508']],
    ['overlap', () => craft({ a: entry('F32', [2], [0, 8]), b: entry('F32', [1], [4, 8]) }, 8), ['MOE7509']],
    ['hole', () => craft({ a: entry('F32', [1], [0, 4]), b: entry('F32', [1], [8, 12]) }, 12), ['MOE7510']],
    ['trailing bytes', () => craft({ a: entry('F32', [1], [0, 4]) }, 9), ['MOE7510']],
    ['metadata not strings', () => craft({ __metadata__: { format: 'pt', n: 3 } }), ['MOE7512']],
    ['metadata a list', () => craft({ __metadata__: ['x'] }), ['MOE7512']],
  ];
  for (const [what, make, want] of cases) {
    it(what, () => {
      const path = make();
      const r = openSafetensors(path);
      expect(r.value).toBeUndefined();
      expect(codes(r.diagnostics)).toEqual(want);
      expect(r.diagnostics[0]!.message).toContain(path);
    });
  }

  it('names the tensor in entry problems', () => {
    const r = openSafetensors(craft({ 'model.layers.3.mlp.w': { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8));
    expect(r.diagnostics[0]!.message).toContain('model.layers.3.mlp.w');
    expect(r.diagnostics[0]!.message).toMatch(/takes 12 bytes, but data_offsets span 8/);
  });

  it('reports every bad entry, up to a cap, then counts the rest', () => {
    const header: Record<string, object> = {};
    for (let i = 0; i < 30; i++) header[`t${i}`] = { dtype: 'NOPE', shape: [1], data_offsets: [0, 1] };
    const r = openSafetensors(craft(header, 1));
    expect(r.diagnostics).toHaveLength(MAX_PROBLEMS + 1);
    expect(r.diagnostics.at(-1)!.code).toBe('MOE7513');
    expect(r.diagnostics.at(-1)!.message).toContain('10 more');
  });

  it('accepts what the format allows: empty file header, null metadata, scalars, empty tensors, extra entry fields, trailing whitespace', () => {
    expect(openSafetensors(craft('{}')).diagnostics).toEqual([]);
    expect(openSafetensors(craft('{"__metadata__":null}  \n')).diagnostics).toEqual([]);
    const r = openSafetensors(
      craft({ s: { dtype: 'F32', shape: [], data_offsets: [0, 4], note: { any: [1] } }, e: { dtype: 'BF16', shape: [0, 5], data_offsets: [4, 4] } }, 4),
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.value!.get('e')!.elements).toBe(0);
    expect(r.value!.readFloat32('e').value).toEqual(new Float32Array(0));
  });

  it('does not let a `__proto__` key or metadata key reach an object prototype', () => {
    const r = openSafetensors(craft('{"__metadata__":{"__proto__":"x"},"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', 1));
    expect(r.diagnostics).toEqual([]);
    expect(Object.getPrototypeOf(r.value!.metadata)).toBe(Object.prototype);
    expect(r.value!.metadata['__proto__']).toBe('x');
    expect(r.value!.get('__proto__')!.dtype).toBe('U8');
  });
});

describe('tensor reads', () => {
  it('streams a tensor larger than the 8 MiB scratch buffer through chunks (bf16 → f32)', () => {
    const n = 5_000_003; // 10 MB of bf16: two scratch chunks and a remainder
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = (((i * 7919) % 255) - 127) * 2 ** ((i % 61) - 30); // exact in bf16
    const path = join(tempDir(), 'big.safetensors');
    expect(writeSafetensors(path, [{ name: 'w', dtype: 'BF16', shape: [n], data }]).diagnostics).toEqual([]);
    const back = openSafetensors(path).value!.readFloat32('w').value!;
    // these integers are exact in bf16; compare bytes (a deep toEqual over 5M elements is very slow)
    expect(Buffer.compare(Buffer.from(back.buffer), Buffer.from(data.buffer))).toBe(0);
  });

  it('reports a file truncated after it was opened', () => {
    const path = join(tempDir(), 't.safetensors');
    writeSafetensors(path, [{ name: 'w', dtype: 'F32', shape: [100], data: new Float32Array(100) }]);
    const f = openSafetensors(path).value!;
    truncateSync(path, 300);
    const r = f.readFloat32('w');
    expect(codes(r.diagnostics)).toEqual(['MOE7522']);
    expect(r.diagnostics[0]!.message).toMatch(/ended \d+ bytes early while reading tensor `w`/);
  });

  it('reopens after close, and notices a file replaced by one of another size', () => {
    const path = join(tempDir(), 't.safetensors');
    writeSafetensors(path, [{ name: 'w', dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) }]);
    const f = openSafetensors(path).value!;
    f.close();
    expect([...f.readFloat32('w').value!]).toEqual([1, 2]);
    f.close();
    const fd = openSync(path, 'a');
    writeSync(fd, 'xx');
    closeSync(fd);
    expect(codes(f.readFloat32('w').diagnostics)).toEqual(['MOE7500']);
  });
});
