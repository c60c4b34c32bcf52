/**
 * Safetensors interop — reading tensors of one validated `.safetensors` file (opened by
 * open-safetensors.ts). Tensors are read one at a time with positioned reads, never the whole
 * file; float32 conversion streams through a fixed scratch buffer, so a tensor larger than 2 GiB
 * (Node's per-read limit) reads like any other. `TensorReader` is the interface a checkpoint
 * directory's reader offers too.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { closest, distance } from 'fastest-levenshtein';
import { createDiagnostic, type Diagnostic, type Result } from '../../diagnostics/diagnostic.js';
import { convertsToFloat32, decodeToFloat32 } from './convert.js';
import { DTYPES, dtypeBytes } from './dtypes.js';
import type { SafetensorsHeader, TensorInfo } from './header.js';
import { allocBytes, ioDiagnostic, readFully } from './positioned-io.js';

/** Float32 conversion goes through a scratch buffer of at most this many bytes (a multiple of 8). */
const SCRATCH_BYTES = 8 << 20;

/** What a reader of one file or of a checkpoint directory offers. Every read returns diagnostics, never throws on bad files. */
export interface TensorReader {
  /** Tensors in storage order. */
  readonly tensors: readonly TensorInfo[];
  get(name: string): TensorInfo | undefined;
  /** The tensor's bytes as stored (little-endian, C order), for any dtype. */
  readRaw(name: string): Result<Uint8Array | undefined>;
  /** Bytes [start, start+count) of the tensor as stored (a slice along the first axis, e.g. one expert of a stacked tensor). */
  readRawRange(name: string, start: number, count: number): Result<Uint8Array | undefined>;
  /** The whole tensor as float32 (dtypes with DTYPES[d].noFloat32 unset). */
  readFloat32(name: string): Result<Float32Array | undefined>;
  /** Elements [start, start+count) in C order, into `into` when given (its first `count` slots). */
  readFloat32Range(name: string, start: number, count: number, into?: Float32Array): Result<Float32Array | undefined>;
  /** Release file handles; reads after close reopen the file. */
  close(): void;
}

/** An open, validated safetensors file. */
export class SafetensorsFile implements TensorReader {
  readonly tensors: readonly TensorInfo[];
  readonly metadata: Readonly<Record<string, string>>;
  private readonly byName: Map<string, TensorInfo>;

  constructor(
    readonly path: string,
    readonly header: SafetensorsHeader,
    private readonly fileSize: number,
    private fd: number,
  ) {
    this.tensors = header.tensors;
    this.metadata = header.metadata;
    this.byName = new Map(header.tensors.map((t) => [t.name, t]));
  }

  get(name: string): TensorInfo | undefined {
    return this.byName.get(name);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  readRaw(name: string): Result<Uint8Array | undefined> {
    const t = this.lookUp(name);
    if (!t.value) return t as Result<undefined>;
    const info = t.value;
    const out = this.allocate(info, () => allocBytes(info.byteLength), info.byteLength);
    if (!out.value) return out;
    const short = this.readAt(info, out.value, info.offset);
    return short ? { value: undefined, diagnostics: [short] } : out;
  }

  readRawRange(name: string, start: number, count: number): Result<Uint8Array | undefined> {
    const t = this.lookUp(name);
    if (!t.value) return t as Result<undefined>;
    const info = t.value;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || start + count > info.byteLength) {
      throw new RangeError(`readRawRange(${name}, ${start}, ${count}): the tensor has ${info.byteLength} bytes`);
    }
    const out = this.allocate(info, () => allocBytes(count), count);
    if (!out.value) return out;
    const short = this.readAt(info, out.value, info.offset + start);
    return short ? { value: undefined, diagnostics: [short] } : out;
  }

  readFloat32(name: string): Result<Float32Array | undefined> {
    const info = this.byName.get(name);
    return this.readFloat32Range(name, 0, info?.elements ?? 0);
  }

  readFloat32Range(name: string, start: number, count: number, into?: Float32Array): Result<Float32Array | undefined> {
    const t = this.lookUp(name);
    if (!t.value) return t as Result<undefined>;
    const info = t.value;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || start + count > info.elements) {
      throw new RangeError(`readFloat32Range(${name}, ${start}, ${count}): the tensor has ${info.elements} elements`);
    }
    if (into && into.length < count) throw new RangeError(`readFloat32Range(${name}): the target holds ${into.length} < ${count} elements`);
    if (!convertsToFloat32(info.dtype)) {
      const why = DTYPES[info.dtype].noFloat32!;
      return { value: undefined, diagnostics: [createDiagnostic('MOE7521', { args: { path: this.path, tensor: name, dtype: info.dtype, why } })] };
    }
    const out = into ? { value: into, diagnostics: [] } : this.allocate(info, () => new Float32Array(count), count * 4);
    if (!out.value) return out;
    const size = dtypeBytes(info.dtype)!;
    const first = info.offset + start * size;
    if (info.dtype === 'F32') {
      const short = this.readAt(info, new Uint8Array(out.value.buffer, out.value.byteOffset, count * 4), first);
      return short ? { value: undefined, diagnostics: [short] } : out;
    }
    const perChunk = Math.floor(SCRATCH_BYTES / size);
    const scratch = new Uint8Array(Math.min(count, perChunk) * size);
    for (let done = 0; done < count; done += perChunk) {
      const n = Math.min(perChunk, count - done);
      const chunk = scratch.subarray(0, n * size);
      const short = this.readAt(info, chunk, first + done * size);
      if (short) return { value: undefined, diagnostics: [short] };
      decodeToFloat32(info.dtype, chunk, n, out.value, done);
    }
    return out;
  }

  private lookUp(name: string): Result<TensorInfo | undefined> {
    const info = this.byName.get(name);
    if (info) return { value: info, diagnostics: [] };
    const near = this.tensors.length ? closest(name, this.tensors.map((t) => t.name)) : undefined;
    const hint = near !== undefined && distance(name, near) <= Math.max(2, name.length / 4) ? `did you mean \`${near}\`?` : undefined;
    return { value: undefined, diagnostics: [createDiagnostic('MOE7520', { args: { path: this.path, tensor: name }, hint })] };
  }

  private allocate<T>(info: TensorInfo, make: () => T, bytes: number): Result<T | undefined> {
    try {
      return { value: make(), diagnostics: [] };
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      const args = { path: this.path, tensor: info.name, bytes, reason: err.message };
      return { value: undefined, diagnostics: [createDiagnostic('MOE7523', { args })] };
    }
  }

  /** Fill `target` from `position`; a diagnostic when the file ends early or cannot be reopened. */
  private readAt(info: TensorInfo, target: Uint8Array, position: number): Diagnostic | undefined {
    if (this.fd < 0) {
      const reopened = this.reopen();
      if (reopened) return reopened;
    }
    try {
      const got = readFully(this.fd, target, position);
      if (got === target.length) return undefined;
      return createDiagnostic('MOE7522', { args: { path: this.path, tensor: info.name, missing: target.length - got } });
    } catch (err) {
      return ioDiagnostic(this.path, err);
    }
  }

  private reopen(): Diagnostic | undefined {
    try {
      this.fd = openSync(this.path, 'r');
    } catch (err) {
      return ioDiagnostic(this.path, err);
    }
    if (fstatSync(this.fd).size !== this.fileSize) {
      this.close();
      return createDiagnostic('MOE7500', { args: { path: this.path, reason: 'the file changed size since its header was read' } });
    }
    return undefined;
  }
}
