/**
 * Safetensors interop — writing one `.safetensors` file, streamed and atomic.
 *
 * Layout as the reference writer produces it (huggingface/safetensors `tensor.rs` `prepare` +
 * `serialize_to_file`, at 24b0b28): tensors sorted by dtype alignment (descending) then name
 * (bytewise), header JSON compact with `__metadata__` first and each entry `{"dtype","shape",
 * "data_offsets"}`, padded with spaces so the data starts 8-byte aligned. For the same tensors and
 * a metadata map of at most one key, moec's bytes equal Python `safetensors.torch.save_file`'s
 * (the test/fixtures/safetensors files check this); with more keys moec sorts them, the reference
 * uses hash order.
 *
 * Streaming: each tensor's data is pulled (a callback) when the writer reaches it, may arrive in
 * chunks, and is converted chunk by chunk, so the file never sits in memory. Every write's byte
 * count is checked. Atomic: the file is written under a temporary name in the same directory,
 * fsynced, then renamed; on any failure the temporary file is removed and nothing exists under
 * the final name.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fsyncDir } from '../../checkpoint/fs-atomic.js';
import { createDiagnostic, type Diagnostic, type Result } from '../../diagnostics/diagnostic.js';
import { encodeFloat32, isFloat32Encodable, FLOAT32_ENCODABLE } from './convert.js';
import { ALIGNMENT_ORDER, isDtype, tensorBytes, type Dtype } from './dtypes.js';
import type { TensorInfo } from './header.js';
import { writeFully } from './positioned-io.js';
import { MAX_HEADER_BYTES } from './safetensors-file.js';

/** One tensor's data: one view or chunks. A Float32Array holds values; any other view holds raw little-endian bytes of the dtype. */
export type TensorData = ArrayBufferView | Iterable<ArrayBufferView>;

export interface TensorToWrite {
  name: string;
  dtype: Dtype;
  shape: readonly number[];
  /** The data, or a function called once, when the writer reaches this tensor, that produces it (or diagnostics). */
  data: TensorData | (() => TensorData | Result<TensorData | undefined>);
}

export interface WriteOptions {
  /** `__metadata__` (string → string), e.g. `{ format: 'pt' }` as transformers writes. */
  metadata?: Readonly<Record<string, string>>;
  /** `reference` (default): the Python writer's order. `given`: the order of the input. */
  order?: 'reference' | 'given';
}

export interface WrittenFile {
  path: string;
  /** Size of the whole file. */
  bytes: number;
  /** The tensors as a reader will see them (storage order). */
  tensors: TensorInfo[];
}

/** Encode at most this many float32 values at once (bounds the conversion buffer). */
const ENCODE_CHUNK = 1 << 22;
const SURROGATE = /[\uD800-\uDFFF]/;

/** Whether `s` is valid Unicode (no lone surrogate), i.e. representable in UTF-8 JSON. */
function wellFormed(s: string): boolean {
  if (!SURROGATE.test(s)) return true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = s.charCodeAt(i + 1);
    if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}

let tempCounter = 0;

/** Write `tensors` to `path` atomically. */
export function writeSafetensors(path: string, tensors: readonly TensorToWrite[], options: WriteOptions = {}): Result<WrittenFile | undefined> {
  const written = writeSafetensorsTemp(path, tensors, options);
  if (!written.value) return written as Result<undefined>;
  const committed = commitTemp(written.value.tempPath, path);
  if (committed) return { value: undefined, diagnostics: [committed] };
  const { tempPath: _, ...file } = written.value;
  return { value: file, diagnostics: written.diagnostics };
}

/**
 * Write the file completely (fsynced) under a temporary name beside `path`; the caller renames it
 * with `commitTemp` (the sharded writer renames all shards only after every one is complete).
 */
export function writeSafetensorsTemp(
  path: string,
  tensors: readonly TensorToWrite[],
  options: WriteOptions = {},
): Result<(WrittenFile & { tempPath: string }) | undefined> {
  const plan = planFile(path, tensors, options);
  if (!plan.value) return plan as Result<undefined>;
  const { header, order, infos } = plan.value;
  const tempPath = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${tempCounter++}`);
  const fail = (d: Diagnostic[]) => {
    rmSync(tempPath, { force: true });
    return { value: undefined, diagnostics: d };
  };
  let fd = -1;
  try {
    fd = openSync(tempPath, 'wx');
    writeFully(fd, header);
    for (let i = 0; i < order.length; i++) {
      const problem = writeTensor(fd, order[i]!, infos[i]!.byteLength);
      if (problem) {
        closeSync(fd);
        fd = -1;
        return fail(problem);
      }
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
  } catch (err) {
    if (fd >= 0) closeSync(fd);
    if (typeof (err as NodeJS.ErrnoException).code === 'string') return fail([writeError(path, err)]);
    rmSync(tempPath, { force: true });
    throw err; // not an I/O error: a bug in a data callback, not a problem with the output
  }
  const bytes = header.length + infos.reduce((a, t) => a + t.byteLength, 0);
  return { value: { path, tempPath, bytes, tensors: infos }, diagnostics: [] };
}

/** Rename a finished temporary file to its final name and make the rename durable. */
export function commitTemp(tempPath: string, path: string): Diagnostic | undefined {
  try {
    renameSync(tempPath, path);
    fsyncDir(dirname(path));
    return undefined;
  } catch (err) {
    rmSync(tempPath, { force: true });
    return writeError(path, err);
  }
}

function writeError(path: string, err: unknown): Diagnostic {
  const e = err as NodeJS.ErrnoException;
  return createDiagnostic('MOE7531', { args: { path, reason: e.code ? `${e.code} (${e.message})` : String(e.message ?? err) } });
}

interface FilePlan {
  header: Uint8Array;
  order: TensorToWrite[];
  infos: TensorInfo[];
}

/** Check every tensor and build the header before the first byte is written. */
function planFile(path: string, tensors: readonly TensorToWrite[], options: WriteOptions): Result<FilePlan | undefined> {
  const problems: Diagnostic[] = [];
  const bad = (tensor: string, reason: string) => problems.push(createDiagnostic('MOE7530', { args: { tensor, reason } }));
  const seen = new Set<string>();
  const sizes = new Map<TensorToWrite, number>();
  for (const t of tensors) {
    if (seen.has(t.name)) bad(t.name, 'the name occurs twice');
    seen.add(t.name);
    if (t.name === '__metadata__') bad(t.name, '`__metadata__` is reserved for the metadata map');
    if (!wellFormed(t.name)) bad(t.name, 'the name is not valid Unicode (lone surrogate)');
    if (!isDtype(t.dtype)) {
      bad(t.name, `unknown dtype ${String(t.dtype)}`);
      continue;
    }
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      bad(t.name, `shape [${t.shape.join(', ')}] must hold whole numbers ≥ 0`);
      continue;
    }
    const size = tensorBytes(t.dtype, t.shape);
    if (size === 'fraction') bad(t.name, `${t.shape.join('×')} elements of ${t.dtype} are not a whole number of bytes`);
    else if (size === 'huge') bad(t.name, 'the tensor is larger than 2^53 bytes');
    else sizes.set(t, size);
  }
  for (const [k, v] of Object.entries(options.metadata ?? {})) {
    if (typeof v !== 'string') bad('__metadata__', `the value of ${JSON.stringify(k)} is not a string`);
    if (!wellFormed(k) || !wellFormed(v)) bad('__metadata__', 'a key or value is not valid Unicode');
  }
  if (problems.length) return { value: undefined, diagnostics: problems };

  const order = options.order === 'given' ? [...tensors] : sortLikeReference(tensors);
  const infos: TensorInfo[] = [];
  const parts: string[] = [];
  const meta = Object.entries(options.metadata ?? {}).sort(([a], [b]) => utf8Compare(a, b));
  if (meta.length) parts.push(`"__metadata__":{${meta.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);
  let offset = 0;
  const rel: [number, number][] = [];
  for (const t of order) {
    const size = sizes.get(t)!;
    parts.push(`${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + size}]}`);
    rel.push([offset, size]);
    offset += size;
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded > MAX_HEADER_BYTES) {
    return { value: undefined, diagnostics: [createDiagnostic('MOE7532', { args: { path, length: padded, limit: MAX_HEADER_BYTES } })] };
  }
  const header = new Uint8Array(8 + padded).fill(0x20);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(json, 8);
  order.forEach((t, i) => {
    const elements = t.shape.reduce((a, d) => a * d, 1);
    infos.push({ name: t.name, dtype: t.dtype, shape: [...t.shape], elements, offset: header.length + rel[i]![0], byteLength: rel[i]![1] });
  });
  return { value: { header, order, infos }, diagnostics: [] };
}

/** Reference order: dtype alignment descending, then name compared as UTF-8 bytes (Rust `String` order). */
function sortLikeReference(tensors: readonly TensorToWrite[]): TensorToWrite[] {
  const rank = new Map(ALIGNMENT_ORDER.map((d, i) => [d, i]));
  return [...tensors].sort((a, b) => rank.get(b.dtype)! - rank.get(a.dtype)! || utf8Compare(a.name, b.name));
}

/**
 * Compare as UTF-8 bytes (= code point order) without encoding: UTF-16 code units order the same
 * way except that surrogates (astral characters) must sort after U+E000–U+FFFF.
 */
export function utf8Compare(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/** Pull one tensor's data and write it; a diagnostic list when it is missing, mistyped or mis-sized. */
function writeTensor(fd: number, t: TensorToWrite, expected: number): Diagnostic[] | undefined {
  const bad = (reason: string) => [createDiagnostic('MOE7530', { args: { tensor: t.name, reason } })];
  let data = typeof t.data === 'function' ? t.data() : t.data;
  if (isResult(data)) {
    if (data.value === undefined || data.diagnostics.some((d) => d.severity === 'error')) {
      return data.diagnostics.length ? data.diagnostics : bad('its data could not be produced');
    }
    data = data.value;
  }
  let written = 0;
  for (const chunk of ArrayBuffer.isView(data) ? [data] : data) {
    if (!ArrayBuffer.isView(chunk)) return bad('a data chunk is not a typed array');
    for (const bytes of chunkBytes(t.dtype, chunk)) {
      if (typeof bytes === 'string') return bad(bytes);
      if (written + bytes.length > expected) return bad(`the data has more than the ${expected} bytes its shape and dtype take`);
      writeFully(fd, bytes);
      written += bytes.length;
    }
  }
  return written === expected ? undefined : bad(`the data has ${written} bytes; shape [${t.shape.join(', ')}] of ${t.dtype} takes ${expected}`);
}

/** The bytes of one chunk, converting float32 values in bounded pieces; a string is a problem. */
function* chunkBytes(dtype: Dtype, chunk: ArrayBufferView): Generator<Uint8Array | string> {
  if (!(chunk instanceof Float32Array)) {
    yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    return;
  }
  if (!isFloat32Encodable(dtype)) {
    yield `float32 values can be written as ${FLOAT32_ENCODABLE.join(', ')}, not ${dtype}; pass the raw little-endian bytes of ${dtype} instead`;
    return;
  }
  for (let i = 0; i < chunk.length; i += ENCODE_CHUNK) yield encodeFloat32(dtype, chunk.subarray(i, i + ENCODE_CHUNK));
}

function isResult(v: unknown): v is Result<TensorData | undefined> {
  return typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) && 'diagnostics' in v && Array.isArray((v as Result<unknown>).diagnostics);
}
