/**
 * Safetensors interop — writing one `.safetensors` file, streamed and atomic. The layout is
 * planned first (write-plan.ts: the reference writer's order and header), so for the same
 * tensors moec's bytes equal Python `safetensors.torch.save_file`'s (test/fixtures/safetensors
 * checks this). Streaming: each tensor's data is pulled (a callback) when the writer reaches it,
 * may arrive in chunks, and is converted chunk by chunk, so the file never sits in memory. Every
 * write's byte count is checked. Atomic: the file is written under a temporary name in the same
 * directory, fsynced, then renamed; on any failure the temporary file is removed and nothing
 * exists under the final name.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fsyncDir } from '../../checkpoint/fs-atomic.js';
import { createDiagnostic, type Diagnostic, type Result } from '../../diagnostics/diagnostic.js';
import { encodeFloat32, isFloat32Encodable, FLOAT32_ENCODABLE } from './convert.js';
import type { Dtype } from './dtypes.js';
import { writeFully } from './positioned-io.js';
import { planFile, type TensorData, type TensorToWrite, type WriteOptions, type WrittenFile } from './write-plan.js';

export type { TensorData, TensorToWrite, WriteOptions, WrittenFile } from './write-plan.js';

/** Encode at most this many float32 values at once (bounds the conversion buffer). */
const ENCODE_CHUNK = 1 << 22;
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
