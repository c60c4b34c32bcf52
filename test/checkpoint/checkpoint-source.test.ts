/**
 * A moec checkpoint as a weight source (src/checkpoint/checkpoint-source.ts): tensors read one at
 * a time in any order give the written values; each shard is hashed from the bytes that stream
 * past (read once in IR order) and a damaged byte anywhere in a shard — in a tensor read, one
 * skipped, or one never asked for — is reported by `end()` (MOE6505), never silently used.
 */
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openCheckpointSource, readManifest, writeCheckpoint, type NamedTensor } from '../../src/checkpoint/index.js';
import { checkpointBytesRead } from '../../src/checkpoint/checkpoint-source.js';
import { emitOnnxGraph } from '../../src/lower/onnx/emit-model.js';
import { readOrder } from '../../src/lower/onnx/source-data.js';
import type { ModelIR } from '../../src/ir/types.js';
import { buildTinyIR } from '../train/tiny-model.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ir: ModelIR = await buildTinyIR();

function weightsFor(seed: number): NamedTensor[] {
  return ir.tensors.map((t, i) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    return { name: t.name, shape: t.shape, data: Float32Array.from({ length: n }, (_, j) => Math.sin(seed + i * 1000 + j)) };
  });
}

/** A checkpoint in several shards; returns its directory and the written tensors. */
function checkpoint(): { dir: string; weights: NamedTensor[] } {
  const run = mkdtempSync(join(tmpdir(), 'moec-source-'));
  dirs.push(run);
  const weights = weightsFor(3);
  const dir = writeCheckpoint(run, { step: 5, specHash: ir.specHash, weights, state: {}, shardBytes: 48 * 1024 }).value!;
  return { dir, weights };
}

/** Read `names` in this order in one pass; return the values and what `end()` reported. */
function pass(dir: string, names: string[]) {
  const source = openCheckpointSource(dir, ir).value!;
  try {
    source.begin(names);
    const values = new Map(names.map((n) => [n, source.read(n)]));
    return { values, end: source.end() };
  } finally {
    source.close();
  }
}

const flipByte = (file: string, at: number) => {
  const b = readFileSync(file);
  b[at] ^= 0x40;
  writeFileSync(file, b);
};

describe('checkpoint weight source', () => {
  it('reads every tensor in IR order, reverse order or a subset, each equal to what was written, and verifies the shards', () => {
    const { dir, weights } = checkpoint();
    expect(readManifest(dir).value!.manifest.shards.length).toBeGreaterThan(2);
    const names = ir.tensors.map((t) => t.name);
    for (const order of [names, [...names].reverse(), names.filter((_, i) => i % 3 === 1)]) {
      const r = pass(dir, order);
      expect(r.end).toEqual([]);
      for (const w of weights.filter((x) => order.includes(x.name))) {
        expect(r.values.get(w.name)!.diagnostics).toEqual([]);
        expect(Array.from(r.values.get(w.name)!.value!)).toEqual(Array.from(w.data));
      }
    }
  });

  it('in the ONNX writer’s order (IR order with local swaps) every shard byte is read once', () => {
    const { dir, weights } = checkpoint();
    const m = readManifest(dir).value!.manifest;
    const order = readOrder(emitOnnxGraph(ir));
    expect(order).not.toEqual(ir.tensors.map((t) => t.name)); // up before gate, q_norm before k_proj …
    const before = checkpointBytesRead.total;
    const r = pass(dir, order);
    expect(r.end).toEqual([]);
    expect(checkpointBytesRead.total - before).toBe(m.shards.reduce((a, s) => a + s.bytes, 0));
    for (const w of weights) expect(Array.from(r.values.get(w.name)!.value!)).toEqual(Array.from(w.data));
  });

  it('fills the caller’s array when one is given', () => {
    const { dir, weights } = checkpoint();
    const source = openCheckpointSource(dir, ir).value!;
    const w = weights[3]!;
    const out = new Float32Array(new SharedArrayBuffer(4 * w.data.length));
    source.begin([w.name]);
    expect(source.read(w.name, out).value).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(w.data));
    expect(source.end()).toEqual([]);
    source.close();
  });

  it('a damaged byte is reported at the end of the pass, in a tensor read, one skipped, or one not asked for', () => {
    const names = ir.tensors.map((t) => t.name);
    const manifest = (dir: string) => readManifest(dir).value!.manifest;
    for (const where of ['read', 'skipped', 'unread'] as const) {
      const { dir } = checkpoint();
      const m = manifest(dir);
      const shard = m.shards[1]!.file;
      const inShard = m.tensors.filter((t) => t.file === shard);
      expect(inShard.length).toBeGreaterThan(2);
      const [first, last] = [inShard[0]!, inShard[inShard.length - 1]!];
      // 'skipped': the damaged tensor lies before the only one read (hashed on the way past);
      // 'unread': after the only one read (hashed by end()).
      const target = where === 'unread' ? last : first;
      flipByte(join(dir, shard), target.offset + 2);
      const order = where === 'read' ? names : where === 'skipped' ? [last.name] : [first.name];
      const r = pass(dir, order);
      expect(r.end.map((d) => d.code), where).toEqual(['MOE6505']);
      expect(r.end[0]!.message).toContain(`${shard} does not match its sha256`);
    }
  });

  it('a truncated shard is refused before any of its bytes are used', () => {
    const { dir } = checkpoint();
    const m = readManifest(dir).value!.manifest;
    truncateSync(join(dir, m.shards[0]!.file), m.shards[0]!.bytes - 4);
    const source = openCheckpointSource(dir, ir).value!;
    source.begin([m.tensors[0]!.name]);
    const r = source.read(m.tensors[0]!.name);
    expect(r.value).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE6505']);
    expect(r.diagnostics[0]!.message).toContain(`has ${m.shards[0]!.bytes - 4} bytes, the manifest says ${m.shards[0]!.bytes}`);
    source.close();
  });
});
