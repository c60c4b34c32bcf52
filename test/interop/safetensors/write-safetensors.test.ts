/**
 * Writing safetensors files: byte-identical to the Python-format fixtures, rounding identical to
 * torch, round trips of every dtype, streaming, and atomicity (nothing under the final name and
 * no temporary file left after a failure).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDiagnostic } from '../../../src/diagnostics/diagnostic.js';
import {
  ALIGNMENT_ORDER,
  dtypeBytes,
  openSafetensors,
  writeSafetensors,
  type Dtype,
  type TensorToWrite,
} from '../../../src/interop/safetensors/index.js';
import { f16ToF32Table } from '../../../src/interop/safetensors/float-bits.js';
import { codes, FIXTURES, tempDir } from './helpers.js';

/** Every tensor of a file as raw TensorToWrite entries. */
function rawTensors(path: string): TensorToWrite[] {
  const f = openSafetensors(path).value!;
  return f.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: f.readRaw(t.name).value! }));
}

describe('same bytes as the Python writer', () => {
  for (const [file, metadata] of [
    ['dtypes.safetensors', { format: 'pt' }],
    ['rounding.safetensors', undefined],
    ['fp8-block.safetensors', undefined],
    ['mxfp4.safetensors', undefined],
  ] as const) {
    it(file, () => {
      const path = join(tempDir(), file);
      // reversed input: the writer's own order (dtype alignment, then UTF-8 name) must restore the file
      const r = writeSafetensors(path, rawTensors(join(FIXTURES, file)).reverse(), { metadata });
      expect(r.diagnostics).toEqual([]);
      expect(Buffer.compare(readFileSync(path), readFileSync(join(FIXTURES, file)))).toBe(0);
      expect(r.value!.bytes).toBe(readFileSync(path).length);
    });
  }
});

describe('float32 → BF16 / F16 rounding', () => {
  const f = openSafetensors(join(FIXTURES, 'rounding.safetensors')).value!;
  const x = f.readFloat32('x').value!;
  for (const [dtype, key] of [['BF16', 'x.bf16'], ['F16', 'x.f16']] as const) {
    it(`${dtype} bits equal torch's for ${x.length} values (ties, subnormals, overflow, random bit patterns)`, () => {
      const path = join(tempDir(), 'r.safetensors');
      writeSafetensors(path, [{ name: 'x', dtype, shape: [x.length], data: x }]);
      const ours = openSafetensors(path).value!.readRaw('x').value!;
      expect(Buffer.from(ours).equals(Buffer.from(f.readRaw(key).value!))).toBe(true);
    });
  }

  it('F16 → F32 → F16 is the identity on all 65536 bit patterns (NaN stays NaN)', () => {
    const table = f16ToF32Table();
    const all = new Float32Array(table.buffer.slice(0));
    const path = join(tempDir(), 'h.safetensors');
    writeSafetensors(path, [{ name: 'h', dtype: 'F16', shape: [65536], data: all }]);
    const back = new Uint16Array(openSafetensors(path).value!.readRaw('h').value!.buffer);
    for (let h = 0; h < 65536; h++) {
      const isNaN = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (isNaN) expect((back[h]! & 0x7c00) === 0x7c00 && (back[h]! & 0x3ff) !== 0).toBe(true);
      else if (back[h] !== h) expect.fail(`f16 ${h.toString(16)} came back as ${back[h]!.toString(16)}`);
    }
  });

  it('NaN → BF16 0x7FC0 and → F16 0x7E00 | sign (c10 scalar casts)', () => {
    const nan = new Float32Array(new Uint32Array([0x7fc00000, 0xffc00001, 0x7f800001]).buffer);
    const path = join(tempDir(), 'n.safetensors');
    writeSafetensors(path, [
      { name: 'b', dtype: 'BF16', shape: [3], data: nan },
      { name: 'h', dtype: 'F16', shape: [3], data: nan },
    ]);
    const r = openSafetensors(path).value!;
    expect([...new Uint16Array(r.readRaw('b').value!.buffer)]).toEqual([0x7fc0, 0x7fc0, 0x7fc0]);
    expect([...new Uint16Array(r.readRaw('h').value!.buffer)]).toEqual([0x7e00, 0xfe00, 0x7e00]);
  });
});

describe('round trips', () => {
  it('every byte-aligned dtype, raw, bit-exact (random bytes, shapes including scalars and empties)', () => {
    const tensors: TensorToWrite[] = [];
    let seed = 1;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (const dtype of ALIGNMENT_ORDER) {
      const size = dtypeBytes(dtype);
      if (size === undefined) continue;
      for (const shape of [[], [0], [3, 5], [2, 0, 4]]) {
        const n = shape.reduce((a, d) => a * d, 1) * size;
        tensors.push({ name: `${dtype}/${shape.join('x')}`, dtype, shape, data: Uint8Array.from({ length: n }, rand) });
      }
    }
    tensors.push({ name: 'F4/packed', dtype: 'F4', shape: [6], data: new Uint8Array([0x12, 0x34, 0x56]) });
    const path = join(tempDir(), 'all.safetensors');
    expect(writeSafetensors(path, tensors, { metadata: { format: 'pt', 'ключ': 'значение "q"' } }).diagnostics).toEqual([]);
    const r = openSafetensors(path);
    expect(r.diagnostics).toEqual([]);
    expect(r.value!.metadata).toEqual({ format: 'pt', 'ключ': 'значение "q"' });
    expect(r.value!.header.dataOffset % 8).toBe(0);
    for (const t of tensors) {
      expect(r.value!.get(t.name)!.shape).toEqual(t.shape);
      expect(Buffer.from(r.value!.readRaw(t.name).value!).equals(Buffer.from(t.data as Uint8Array))).toBe(true);
    }
  });

  it('float32 values through F32 / F64 exactly, and through BF16 / F16 to the rounded value', () => {
    const data = new Float32Array([0, -0, 1.5, -2.75, 1e-30, 3e38, Infinity, 65504, 1 / 3]);
    const path = join(tempDir(), 'f.safetensors');
    const dtypes: Dtype[] = ['F32', 'F64', 'BF16', 'F16'];
    writeSafetensors(path, dtypes.map((dtype) => ({ name: dtype, dtype, shape: [data.length], data })));
    const r = openSafetensors(path).value!;
    expect(r.readFloat32('F32').value).toEqual(data);
    expect(r.readFloat32('F64').value).toEqual(data);
    expect([...r.readFloat32('BF16').value!]).toEqual([0, -0, 1.5, -2.75, 9.98402083170343e-31, 3.00405527047391e38, Infinity, 65536, 0.333984375]); // torch: x.to(torch.bfloat16).float()
    expect([...r.readFloat32('F16').value!]).toEqual([0, -0, 1.5, -2.75, 0, Infinity, Infinity, 65504, 0.333251953125]); // torch: x.half().float()
  });
});

describe('order and streaming', () => {
  it('reference order by default (dtype alignment desc, then UTF-8 name), input order with order: given', () => {
    const t = (name: string, dtype: Dtype): TensorToWrite => ({ name, dtype, shape: [1], data: new Uint8Array(dtypeBytes(dtype)!) });
    const input = [t('b', 'U8'), t('\u{1F600}', 'F32'), t('\uFFFD', 'F32'), t('a', 'I64'), t('c', 'F32')];
    const dir = tempDir();
    writeSafetensors(join(dir, 'r'), input);
    writeSafetensors(join(dir, 'g'), input, { order: 'given' });
    // U+FFFD (EF BF BD) sorts before U+1F600 (F0 9F 98 80) as UTF-8, though not as UTF-16 code units.
    expect(openSafetensors(join(dir, 'r')).value!.tensors.map((x) => x.name)).toEqual(['a', 'c', '\uFFFD', '\u{1F600}', 'b']);
    expect(openSafetensors(join(dir, 'g')).value!.tensors.map((x) => x.name)).toEqual(input.map((x) => x.name));
  });

  it('pulls each tensor only when it is written, in file order, and accepts chunks', () => {
    const pulled: string[] = [];
    const chunked = function* () {
      pulled.push('big');
      for (let i = 0; i < 4; i++) yield new Float32Array([i, i + 0.5]);
    };
    const path = join(tempDir(), 's.safetensors');
    const r = writeSafetensors(path, [
      { name: 'big', dtype: 'BF16', shape: [4, 2], data: chunked },
      { name: 'a', dtype: 'F32', shape: [1], data: () => (pulled.push('a'), new Float32Array([7])) },
    ]);
    expect(r.diagnostics).toEqual([]);
    expect(pulled).toEqual(['a', 'big']); // F32 sorts before BF16
    expect([...openSafetensors(path).value!.readFloat32('big').value!]).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]);
  });
});

describe('refusals leave nothing behind', () => {
  const noLeftovers = (dir: string, expectFile?: string) => expect(readdirSync(dir)).toEqual(expectFile ? [expectFile] : []);
  const cases: [string, TensorToWrite[], string][] = [
    ['too few bytes', [{ name: 'w', dtype: 'F32', shape: [3], data: new Float32Array(2) }], 'MOE7530'],
    ['too many bytes', [{ name: 'w', dtype: 'U8', shape: [3], data: new Uint8Array(4) }], 'MOE7530'],
    ['float32 values for an integer dtype', [{ name: 'w', dtype: 'I32', shape: [1], data: new Float32Array(1) }], 'MOE7530'],
    ['duplicate names', [{ name: 'w', dtype: 'U8', shape: [], data: new Uint8Array(1) }, { name: 'w', dtype: 'U8', shape: [], data: new Uint8Array(1) }], 'MOE7530'],
    ['reserved name', [{ name: '__metadata__', dtype: 'U8', shape: [], data: new Uint8Array(1) }], 'MOE7530'],
    ['lone surrogate', [{ name: 'w\uD800', dtype: 'U8', shape: [], data: new Uint8Array(1) }], 'MOE7530'],
    ['negative dimension', [{ name: 'w', dtype: 'U8', shape: [-1], data: new Uint8Array(0) }], 'MOE7530'],
    ['odd F4 count', [{ name: 'w', dtype: 'F4', shape: [3], data: new Uint8Array(2) }], 'MOE7530'],
    ['unknown dtype', [{ name: 'w', dtype: 'F128' as Dtype, shape: [1], data: new Uint8Array(16) }], 'MOE7530'],
  ];
  for (const [what, tensors, code] of cases) {
    it(what, () => {
      const dir = tempDir();
      const r = writeSafetensors(join(dir, 'out.safetensors'), tensors);
      expect(codes(r.diagnostics)[0]).toBe(code);
      noLeftovers(dir);
    });
  }

  it('a failing data producer: its diagnostics are returned and the previous file is untouched', () => {
    const dir = tempDir();
    const path = join(dir, 'model.safetensors');
    writeFileSync(path, 'previous');
    const failure = createDiagnostic('MOE7522', { args: { path: 'src.safetensors', tensor: 'w', missing: 4 } });
    const r = writeSafetensors(path, [
      { name: 'a', dtype: 'U8', shape: [1], data: new Uint8Array(1) },
      { name: 'w', dtype: 'F32', shape: [1], data: () => ({ value: undefined, diagnostics: [failure] }) },
    ]);
    expect(r.diagnostics).toEqual([failure]);
    expect(readFileSync(path, 'utf8')).toBe('previous');
    noLeftovers(dir, 'model.safetensors');
  });

  it('a throwing data producer is a bug: rethrown, temporary file removed', () => {
    const dir = tempDir();
    const boom = () => {
      throw new TypeError('bug');
    };
    expect(() => writeSafetensors(join(dir, 'x'), [{ name: 'w', dtype: 'F32', shape: [1], data: boom }])).toThrow('bug');
    noLeftovers(dir);
  });

  it('an unwritable destination is MOE7531', () => {
    const r = writeSafetensors(join(tempDir(), 'no', 'such', 'dir', 'x.safetensors'), []);
    expect(codes(r.diagnostics)).toEqual(['MOE7531']);
    expect(existsSync(join(tempDir(), 'no'))).toBe(false);
  });
});
