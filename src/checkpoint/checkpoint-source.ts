/**
 * Checkpoint readers — a moec checkpoint (docs/checkpoint.md) as a weight source: tensors are
 * read one at a time with positioned reads straight into the caller's array, and each shard's
 * sha256 is computed from the same bytes as they stream past, so a shard is read once and
 * verified. The trainer wrote tensors in IR order; the ONNX writer asks in nearly that order
 * (`begin(order)` says exactly), with local swaps (a linear's up projection before its gate).
 * A tensor the reader passes on its way to a later one is hashed as it goes by and, when the
 * pass will ask for it, kept (up to LOOKAHEAD_BYTES) so it is not read again; a tensor asked for
 * after the reader passed it and not kept is read again, positioned. `end()` hashes what no read
 * reached and compares every digest with the manifest: a compile writes nothing under its final
 * names before that comes back clean.
 *
 * A shard is opened once (O_NONBLOCK, then fstat on the descriptor: a symlink to /dev/zero is
 * the character device it is) and must have the size the manifest records before any byte is
 * read from it.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { createDiagnostic, type Diagnostic, type Result } from '../diagnostics/diagnostic.js';
import type { ModelIR } from '../ir/types.js';
import { describeFileType } from '../io/read-file.js';
import type { WeightSource } from '../weights/weight-source.js';
import type { ShardEntry, TensorEntry } from './format.js';
import { checkArchitecture, readManifest } from './read-checkpoint.js';

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
/** Largest single read: Node refuses 2 GiB or more in one call. */
const READ_CHUNK = 1 << 30;
const SKIP_CHUNK = 8 << 20;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Most bytes of passed-over tensors kept for a later read of the same pass. */
export const LOOKAHEAD_BYTES = 256 * 2 ** 20;

interface ShardState {
  entry: ShardEntry;
  fd?: number;
  hash?: Hash;
  /** Bytes [0, cursor) are in `hash`. */
  cursor: number;
}

class Damaged extends Error {}

/** Bytes read from shard files by this process (tests check a pass reads each byte once). */
export const checkpointBytesRead = { total: 0 };

function readFully(fd: number, into: Uint8Array, position: number, file: string): void {
  checkpointBytesRead.total += into.length;
  for (let done = 0; done < into.length; ) {
    const n = readSync(fd, into, done, Math.min(READ_CHUNK, into.length - done), position + done);
    if (n <= 0) throw new Damaged(`${file} ended ${into.length - done} bytes early`);
    done += n;
  }
}

export class CheckpointSource implements WeightSource {
  private readonly shards = new Map<string, ShardState>();
  /** The tensors this source serves, per shard, by offset. */
  private readonly byShard = new Map<string, TensorEntry[]>();
  private scratch?: Uint8Array;
  /** Tensors the current pass will still ask for, and those read ahead for it. */
  private pending = new Set<string>();
  private readonly kept = new Map<string, Float32Array>();
  private keptBytes = 0;
  private readonly largest: number;

  constructor(
    readonly dir: string,
    readonly from: string,
    readonly metadata: readonly (readonly [string, string])[],
    private readonly entries: ReadonlyMap<string, TensorEntry>,
    shards: readonly ShardEntry[],
  ) {
    for (const s of shards) this.shards.set(s.file, { entry: s, cursor: 0 });
    for (const e of entries.values()) this.byShard.set(e.file, [...(this.byShard.get(e.file) ?? []), e]);
    for (const list of this.byShard.values()) list.sort((a, b) => a.offset - b.offset);
    this.largest = [...entries.values()].reduce((a, e) => Math.max(a, e.length), 0);
  }

  begin(order: readonly string[] = []): void {
    for (const s of this.shards.values()) {
      s.hash = undefined;
      s.cursor = 0;
    }
    this.pending = new Set(order);
    this.kept.clear();
    this.keptBytes = 0;
  }

  read(name: string, out?: Float32Array): Result<Float32Array | undefined> {
    const e = this.entries.get(name);
    if (!e) throw new Error(`internal: checkpoint source has no tensor ${name}`);
    this.pending.delete(name);
    const early = this.kept.get(name);
    if (early) {
      this.kept.delete(name);
      this.keptBytes -= e.length;
      return { value: early, diagnostics: [] };
    }
    const count = e.shape.reduce((a, b) => a * b, 1);
    const values = out && out.length === count ? out : new Float32Array(count);
    try {
      const shard = this.open(e.file);
      const bytes = new Uint8Array(values.buffer, values.byteOffset, e.length);
      if (e.offset < shard.cursor) readFully(shard.fd!, bytes, e.offset, e.file);
      else {
        this.hashUpTo(shard, e.offset, true);
        readFully(shard.fd!, bytes, e.offset, e.file);
        shard.hash!.update(bytes);
        shard.cursor = e.offset + e.length;
      }
      if (!LITTLE_ENDIAN) {
        const view = new DataView(values.buffer, values.byteOffset, e.length);
        for (let i = 0; i < count; i++) values[i] = view.getFloat32(i * 4, true);
      }
      return { value: values, diagnostics: [] };
    } catch (err) {
      return { value: undefined, diagnostics: [this.damaged(e.file, err)] };
    }
  }

  end(): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const [file, s] of this.shards) {
      if (!s.hash) continue; // not read in this pass
      try {
        this.hashUpTo(s, s.entry.bytes, false);
        if (s.hash.digest('hex') !== s.entry.sha256) out.push(this.damaged(file, new Damaged(`${file} does not match its sha256`)));
      } catch (err) {
        out.push(this.damaged(file, err));
      }
      s.hash = undefined;
    }
    return out;
  }

  /** The tensor, plus a tensor read ahead for a later read of the pass. */
  readBytes(name: string): number {
    return (this.entries.get(name)?.length ?? 0) + Math.min(LOOKAHEAD_BYTES, this.largest);
  }

  close(): void {
    for (const s of this.shards.values()) {
      if (s.fd !== undefined) closeSync(s.fd);
      s.fd = undefined;
    }
  }

  private open(file: string): ShardState {
    const s = this.shards.get(file);
    if (!s) throw new Damaged(`${file} is not listed as a shard`);
    if (s.fd === undefined) {
      const fd = openSync(join(this.dir, file), OPEN_FLAGS);
      const stats = fstatSync(fd);
      if (!stats.isFile()) {
        closeSync(fd);
        throw new Damaged(`cannot read ${file} (it is ${describeFileType(stats)}, not a regular file)`);
      }
      if (stats.size !== s.entry.bytes) {
        closeSync(fd);
        throw new Damaged(`${file} has ${stats.size} bytes, the manifest says ${s.entry.bytes}`);
      }
      s.fd = fd;
    }
    if (!s.hash) {
      s.hash = createHash('sha256');
      s.cursor = 0;
    }
    return s;
  }

  /**
   * Hash the shard's bytes from its cursor to `end`, reading what no tensor read covered;
   * with `keep`, tensors in the way that the pass will ask for are kept (within LOOKAHEAD_BYTES).
   */
  private hashUpTo(s: ShardState, end: number, keep: boolean): void {
    if (s.cursor >= end) return;
    this.open(s.entry.file);
    for (const e of keep ? (this.byShard.get(s.entry.file) ?? []) : []) {
      if (e.offset < s.cursor) continue;
      if (e.offset + e.length > end) break;
      if (!this.pending.has(e.name) || this.kept.has(e.name) || this.keptBytes + e.length > LOOKAHEAD_BYTES) continue;
      this.skipTo(s, e.offset);
      const values = new Float32Array(e.length / 4);
      const bytes = new Uint8Array(values.buffer);
      readFully(s.fd!, bytes, e.offset, e.file);
      s.hash!.update(bytes);
      s.cursor = e.offset + e.length;
      if (!LITTLE_ENDIAN) {
        const view = new DataView(values.buffer);
        for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
      }
      this.kept.set(e.name, values);
      this.keptBytes += e.length;
    }
    this.skipTo(s, end);
  }

  /** Hash [cursor, end) through the scratch buffer. */
  private skipTo(s: ShardState, end: number): void {
    this.scratch ??= new Uint8Array(SKIP_CHUNK);
    while (s.cursor < end) {
      const part = this.scratch.subarray(0, Math.min(SKIP_CHUNK, end - s.cursor));
      readFully(s.fd!, part, s.cursor, s.entry.file);
      s.hash!.update(part);
      s.cursor += part.length;
    }
  }

  private damaged(file: string, err: unknown): Diagnostic {
    const reason = err instanceof Damaged ? err.message : `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
    return createDiagnostic('MOE6505', { args: { path: this.dir, reason } });
  }
}

/**
 * Open a checkpoint (a run directory or a checkpoint directory) as the weight source for `ir`:
 * the manifest is read and verified and the architecture matched first (readManifest,
 * checkArchitecture); tensors the spec does not use are ignored with a warning (MOE6507).
 */
export function openCheckpointSource(path: string, ir: ModelIR): Result<CheckpointSource | undefined> {
  const m = readManifest(path);
  if (!m.value) return m as Result<undefined>;
  const { dir, manifest } = m.value;
  const mismatch = checkArchitecture(dir, manifest, ir);
  if (mismatch.length) return { value: undefined, diagnostics: [...m.diagnostics, ...mismatch] };
  const diagnostics: Diagnostic[] = [...m.diagnostics];
  const wanted = new Set(ir.tensors.map((t) => t.name));
  const extra = manifest.tensors.filter((t) => !wanted.has(t.name));
  if (extra.length) diagnostics.push(createDiagnostic('MOE6507', { args: { path: dir, count: extra.length, name: extra[0]!.name } }));
  const entries = new Map(manifest.tensors.filter((t) => wanted.has(t.name)).map((t) => [t.name, t]));
  const metadata: [string, string][] = [
    ['moec.weights', 'checkpoint'],
    ['moec.checkpoint_step', String(manifest.step)],
  ];
  const source = new CheckpointSource(dir, `checkpoint step ${manifest.step} (${dir})`, metadata, entries, manifest.shards);
  return { value: source, diagnostics };
}

/**
 * Every weight of `ir` from a checkpoint, in IR order (the trainer's resume and the TensorFlow.js
 * target hold them all anyway): one pass of the source, verified at its end.
 */
export function readCheckpointWeights(path: string, ir: ModelIR): Result<Map<string, Float32Array> | undefined> {
  const opened = openCheckpointSource(path, ir);
  if (!opened.value) return opened as Result<undefined>;
  const source = opened.value;
  try {
    const weights = new Map<string, Float32Array>();
    source.begin(ir.tensors.map((t) => t.name));
    for (const t of ir.tensors) {
      const r = source.read(t.name);
      if (!r.value) return { value: undefined, diagnostics: [...opened.diagnostics, ...r.diagnostics] };
      weights.set(t.name, r.value);
    }
    const late = source.end();
    if (late.length) return { value: undefined, diagnostics: [...opened.diagnostics, ...late] };
    return { value: weights, diagnostics: opened.diagnostics };
  } finally {
    source.close();
  }
}
