/** Shared by the safetensors tests: temporary directories, hand-made files, fixture access. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic.js';

export const FIXTURES = 'test/fixtures/safetensors';

export const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8'));

const dirs: string[] = [];

/** A fresh temporary directory, removed after the test. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'moec-st-'));
  dirs.push(d);
  return d;
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Bytes of a safetensors file with `header` as given (a string is used verbatim) and `data` after it. */
export function craftBytes(header: string | Uint8Array | object, data: Uint8Array | number = 0, declaredLength?: bigint): Uint8Array {
  const json = header instanceof Uint8Array ? header : Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

/** Write crafted bytes to a temporary file and return its path. */
export function craft(header: string | Uint8Array | object, data: Uint8Array | number = 0, declaredLength?: bigint): string {
  const path = join(tempDir(), 'x.safetensors');
  writeFileSync(path, craftBytes(header, data, declaredLength));
  return path;
}

export const codes = (ds: readonly Diagnostic[]) => ds.map((d) => d.code);

/** float32 bit patterns of an array (NaN-safe comparisons). */
export const bitsOf = (a: Float32Array) => [...new Uint32Array(a.buffer, a.byteOffset, a.length)];
