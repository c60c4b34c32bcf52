/**
 * Chunked positioned I/O: transfers larger than one call (1 GiB in production, a few bytes here)
 * loop, keep their offsets, and report a short read at end of file by its count.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readFully, writeFully } from '../../../src/interop/safetensors/positioned-io.js';
import { tempDir } from './helpers.js';

it('writes and reads in chunks, at positions, stopping short at end of file', () => {
  const path = join(tempDir(), 'io.bin');
  const bytes = Uint8Array.from({ length: 100 }, (_, i) => i);
  const w = openSync(path, 'w');
  writeFully(w, bytes.subarray(0, 37), 7);
  writeFully(w, bytes.subarray(37), 5);
  closeSync(w);
  expect([...readFileSync(path)]).toEqual([...bytes]);
  const r = openSync(path, 'r');
  const target = new Uint8Array(50);
  expect(readFully(r, target, 13, 7)).toBe(50);
  expect([...target]).toEqual([...bytes.subarray(13, 63)]);
  expect(readFully(r, new Uint8Array(50), 80, 7)).toBe(20);
  closeSync(r);
});
