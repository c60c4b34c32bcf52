/**
 * ONNX output — writing a model atomically. Every file is written under a hidden temporary
 * name in the output directory, fsynced, and only then renamed into place (POSIX rename is
 * atomic), so after a failure, Ctrl-C or kill there is never a half-written `model.onnx`.
 *
 * With external data the model and its data shards are one set: the old `model.onnx` is removed
 * first, the shards are renamed, and the model is renamed last. A kill in between leaves no
 * `model.onnx` at all — never a model that points at data from another compile. SIGINT/SIGTERM
 * remove the temporaries before the process exits; temporaries of a writer killed with SIGKILL
 * are removed by the next write to the same path.
 *
 * Output is a pure function of the model proto: no timestamps, no random names in the files.
 */
import { constants, rmSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import onnxProto from 'onnx-proto';
import { createDiagnostic, type Result } from '../../diagnostics/diagnostic.js';
import { writeAll, writeTarget } from '../../io/write-file.js';
import { createAtomicFile, type AtomicFile } from '../../io/atomic-file.js';
import { DEFAULT_EXTERNAL_THRESHOLD, DEFAULT_SHARD_BYTES, planExternalData, shardIndex, wantsExternal, type DataShard, type ExternalMode } from './external-data.js';

export interface WriteModelOptions {
  /** 'auto' (default): external data only when the model would not fit a 2 GB protobuf. */
  externalData?: ExternalMode;
  /** Initializers of at least this many bytes go to the data files (default 1024). */
  externalThreshold?: number;
  /** Largest data shard in bytes (default just under 2 GiB). */
  shardBytes?: number;
  /** Called after each chunk is written; tests use it to fail or be killed mid-write. */
  onProgress?: (written: number, total: number) => void | Promise<void>;
}

export interface WrittenFile {
  path: string;
  bytes: number;
}

export interface WrittenModel extends WrittenFile {
  /** External data shards (empty when every initializer is inline). */
  data: WrittenFile[];
  /** Model plus data, in bytes. */
  totalBytes: number;
}

const CHUNK = 16 * 2 ** 20;
const TMP_MARK = '.tmp-';

/** Hidden temporary sibling of `file`; `pid` lets a later writer recognise a dead writer's leftovers. */
function tempName(file: string): string {
  return join(dirname(file), `.${basename(file)}${TMP_MARK}${process.pid}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove temporaries that writers of this model left when they were killed with SIGKILL. */
async function removeDeadTemps(dir: string, base: string): Promise<void> {
  for (const entry of await readdir(dir)) {
    if (!entry.startsWith(`.${base}`)) continue;
    const mark = entry.lastIndexOf(TMP_MARK);
    const pid = mark < 0 ? NaN : Number(entry.slice(mark + TMP_MARK.length));
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) await rm(join(dir, entry), { force: true });
  }
}

/** Data shards of an earlier compile of the same model that the new model no longer uses. */
async function staleShards(dir: string, base: string, keep: number): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir)) {
    const m = shardIndex(base, entry);
    if (m !== undefined && m >= keep) out.push(join(dir, entry));
  }
  return out;
}

async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await open(dir, constants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

class Progress {
  written = 0;
  constructor(readonly total: number, readonly hook?: WriteModelOptions['onProgress']) {}
  async write(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
    for (let at = 0; at < bytes.length; at += CHUNK) {
      const chunk = bytes.subarray(at, Math.min(at + CHUNK, bytes.length));
      // Every byte or an error: a short write (disk full) must not leave a hole of zeros.
      await writeAll(fh, chunk, position + at);
      this.written += chunk.length;
      await this.hook?.(this.written, this.total);
    }
  }
}

async function writeFile(path: string, parts: { offset: number; bytes: Uint8Array }[], length: number, progress: Progress): Promise<void> {
  const fh = await open(path, 'w', 0o644);
  try {
    for (const p of parts) await progress.write(fh, p.bytes, p.offset);
    // Alignment padding at the end, if any, is made explicit so the file length is exact.
    await fh.truncate(length);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Write `model` to `path` atomically (with its external data shards when needed or asked for).
 * Failures come back as an MOE9004 diagnostic with nothing left behind.
 */
export async function writeOnnxModel(model: onnxProto.onnx.IModelProto, path: string, options: WriteModelOptions = {}): Promise<Result<WrittenModel | undefined>> {
  const temps: string[] = [];
  const cleanup = () => Promise.all(temps.map((t) => rm(t, { force: true })));
  const onSignal = (signal: NodeJS.Signals) => {
    // Synchronous removal: the process is about to die with the same signal.
    for (const t of temps) rmSync(t, { force: true });
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.kill(process.pid, signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let file = resolve(path);
  try {
    // A symlinked output is written through: the link stays, its target is replaced.
    file = writeTarget(path);
    const dir = dirname(file);
    const base = basename(file);
    await mkdir(dir, { recursive: true });
    await removeDeadTemps(dir, base);
    const external = wantsExternal(model, options.externalData ?? 'auto');
    const layout = external
      ? planExternalData(model, base, options.externalThreshold ?? DEFAULT_EXTERNAL_THRESHOLD, options.shardBytes ?? DEFAULT_SHARD_BYTES)
      : { model, shards: [] as DataShard[] };
    const encoded = onnxProto.onnx.ModelProto.encode(layout.model).finish();
    const total = encoded.length + layout.shards.reduce((s, d) => s + d.length, 0);
    const progress = new Progress(total, options.onProgress);

    const data: WrittenFile[] = [];
    for (const shard of layout.shards) {
      const target = join(dir, shard.name);
      const tmp = tempName(target);
      temps.push(tmp);
      await writeFile(tmp, shard.pieces, shard.length, progress);
      data.push({ path: target, bytes: shard.length });
    }
    const tmpModel = tempName(file);
    temps.push(tmpModel);
    await writeFile(tmpModel, [{ offset: 0, bytes: encoded }], encoded.length, progress);

    // Commit. The model goes last, so a model.onnx on disk always has its data beside it.
    if (layout.shards.length > 0) await rm(file, { force: true });
    for (const [i, shard] of layout.shards.entries()) await rename(temps[i], join(dir, shard.name));
    await rename(tmpModel, file);
    temps.length = 0;
    for (const stale of await staleShards(dir, base, layout.shards.length)) await rm(stale, { force: true });
    await fsyncDir(dir);
    const bytes = (await stat(file)).size;
    return { value: { path: file, bytes, data, totalBytes: total }, diagnostics: [] };
  } catch (err) {
    await cleanup();
    const reason = err instanceof Error ? err.message : String(err);
    return { value: undefined, diagnostics: [createDiagnostic('MOE9004', { args: { path, reason } })] };
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

/** A small text file (e.g. Triton's config.pbtxt), with the same temp/fsync/rename discipline. */
export async function writeTextAtomic(path: string, text: string): Promise<Result<void>> {
  let out: AtomicFile | undefined;
  try {
    out = await createAtomicFile(path, 0o644);
    await out.write(Buffer.from(text, 'utf8'));
    await out.commit();
    return { value: undefined, diagnostics: [] };
  } catch (err) {
    await out?.abort();
    return { value: undefined, diagnostics: [createDiagnostic('MOE9004', { args: { path, reason: err instanceof Error ? err.message : String(err) } })] };
  }
}
