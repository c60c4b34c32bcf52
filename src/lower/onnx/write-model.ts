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
import { DEFAULT_EXTERNAL_THRESHOLD, DEFAULT_SHARD_BYTES, externalTensor, fitsProto, mustStayInline, planExternalData, shardIndex, wantsExternal, type DataShard, type ExternalMode } from './external-data.js';
import { SourceFailure, type DataContext, type DeferredData } from './initializer-data.js';

export interface WriteModelOptions {
  /** 'auto' (default): external data only when the model would not fit a 2 GB protobuf. */
  externalData?: ExternalMode;
  /** Initializers of at least this many bytes go to the data files (default 1024). */
  externalThreshold?: number;
  /** Largest data shard in bytes (default just under 2 GiB). */
  shardBytes?: number;
  /**
   * Called after each chunk of up to 16 MiB is written (data shards, then the model file):
   * bytes written and to write (the model file's bytes are added once it is encoded), and
   * initializers done. Tests use it to fail or be killed mid-write; the CLI shows it.
   */
  onProgress?: (written: number, total: number, tensors: { done: number; total: number }) => void | Promise<void>;
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
/**
 * A tensor's write may still be in flight while the next tensor is read and converted, when it
 * is at most this large (and at most the largest initializer) and not in the kernel pool's
 * reused buffers: reading and writing then overlap, for at most this much more memory.
 */
export const OVERLAP_BYTES = 64 * 2 ** 20;
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
  tensors = 0;
  constructor(
    public total: number,
    readonly tensorCount: number,
    readonly hook?: WriteModelOptions['onProgress'],
  ) {}
  async write(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
    for (let at = 0; at < bytes.length; at += CHUNK) {
      const chunk = bytes.subarray(at, Math.min(at + CHUNK, bytes.length));
      // Every byte or an error: a short write (disk full) must not leave a hole of zeros.
      await writeAll(fh, chunk, position + at);
      this.written += chunk.length;
      await this.hook?.(this.written, this.total, { done: this.tensors, total: this.tensorCount });
    }
  }
  /** An initializer finished (`inline` bytes of it went to the model, not to a shard). */
  tensorDone(inline: number): void {
    this.tensors++;
    // Inline bytes are written with the model file at the end; counted there.
    this.total -= inline;
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

/** A model whose deferred initializers are computed while it is written (emitOnnxGraph). */
export interface StreamedModel {
  model: onnxProto.onnx.IModelProto;
  deferred: Map<string, DeferredData>;
  data: DataContext;
}

/** One data shard being written: its temporary file, open until the next shard starts. */
interface OpenShard {
  index: number;
  fh: FileHandle;
}

/**
 * Finish a shard's bytes. Not fsynced yet: the kernel writes it back while the next shard is
 * computed, and every shard is fsynced before anything is renamed (syncShards) — fsyncing
 * each 2 GiB shard as it closed stalled the compile for the whole write-back.
 */
async function closeShard(shard: OpenShard, length: number): Promise<void> {
  try {
    // Alignment padding at the end, if any, is made explicit so the file length is exact.
    await shard.fh.truncate(length);
  } finally {
    await shard.fh.close();
  }
}

async function syncShards(paths: string[]): Promise<void> {
  for (const path of paths) {
    const fh = await open(path, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}

/** A deferred initializer's bytes; a failure other than the source's own names the initializer (an allocation that failed says which tensor). */
function convert(name: string, d: DeferredData, data: DataContext): Uint8Array {
  try {
    return d.conversion.take(d.index, data);
  } catch (err) {
    if (err instanceof SourceFailure) throw err;
    throw new Error(`initializer \`${name}\` (from ${d.conversion.inputs.join(', ')}): ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Write `model` to `path` atomically (with its external data shards when needed or asked for).
 * A StreamedModel's deferred initializers are computed one at a time, in initializer order, and
 * their bytes go straight to the shard files at offsets planned from sizes alone, so memory
 * holds one tensor, never the model (inline models, under 2 GB, are encoded in memory).
 * Failures come back as an MOE9004 diagnostic (or the weight source's own) with nothing left behind.
 */
export async function writeOnnxModel(input: onnxProto.onnx.IModelProto | StreamedModel, path: string, options: WriteModelOptions = {}): Promise<Result<WrittenModel | undefined>> {
  const streamed = 'deferred' in input ? input : { model: input, deferred: new Map<string, DeferredData>(), data: undefined };
  const temps: string[] = [];
  let shard: OpenShard | undefined;
  const cleanup = async () => {
    await shard?.fh.close().catch(() => undefined);
    await Promise.all(temps.map((t) => rm(t, { force: true })));
  };
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
    const { model, deferred, data } = streamed;
    const initializers = model.graph?.initializer ?? [];
    const sizes = initializers.map((t) => t.rawData?.length ?? deferred.get(t.name!)?.byteLength ?? 0);
    const dataBytes = sizes.reduce((a, b) => a + b, 0);
    const overlap = Math.min(OVERLAP_BYTES, sizes.reduce((a, b) => Math.max(a, b), 0));
    const external = wantsExternal(dataBytes, options.externalData ?? 'auto');
    const plan = external
      ? planExternalData(sizes, base, options.externalThreshold ?? DEFAULT_EXTERNAL_THRESHOLD, options.shardBytes ?? DEFAULT_SHARD_BYTES, initializers.map(mustStayInline))
      : { shards: [] as DataShard[], places: [] };
    if (external) {
      // Refused before any weight is read: the initializers left inline must still fit one protobuf.
      const inline = sizes.filter((_, i) => !plan.places[i]);
      const inlineBytes = inline.reduce((a, b) => a + b, 0);
      if (!fitsProto(inlineBytes)) {
        const threshold = options.externalThreshold ?? DEFAULT_EXTERNAL_THRESHOLD;
        return { value: undefined, diagnostics: [createDiagnostic('MOE5640', { args: { count: inline.length, threshold, path, bytes: inlineBytes.toLocaleString('en-US') } })] };
      }
    }
    await mkdir(dir, { recursive: true });
    await removeDeadTemps(dir, base);
    const progress = new Progress(dataBytes, initializers.length, options.onProgress);

    const written: onnxProto.onnx.ITensorProto[] = [];
    // The one write that may be in flight while the next tensor is produced.
    let inflight: { done: Promise<void>; bytes: number; shared: boolean } | undefined;
    let failure: { error: unknown } | undefined;
    const settle = async () => {
      await inflight?.done;
      inflight = undefined;
      if (failure) throw failure.error;
    };
    for (const [i, t] of initializers.entries()) {
      const d = deferred.get(t.name!);
      if (d && !data) throw new Error(`internal: initializer ${t.name} has no data source`);
      // A conversion about to run may reuse the pool's buffers or need the memory: wait unless the write is small and its own.
      if (d?.conversion.fresh && inflight && (inflight.shared || inflight.bytes > overlap)) await settle();
      const bytes = d ? convert(t.name!, d, data!) : t.rawData ?? new Uint8Array(0);
      const place = plan.places[i];
      if (!place) {
        // Kept until the model is encoded: a view of the kernel pool's reused buffers is copied out.
        written.push(d ? { ...t, rawData: bytes.buffer instanceof SharedArrayBuffer ? bytes.slice() : bytes } : t);
        progress.tensorDone(bytes.length);
        continue;
      }
      await settle();
      if (shard?.index !== place.shard) {
        if (shard) await closeShard(shard, plan.shards[shard.index].length);
        shard = undefined;
        const tmp = tempName(join(dir, plan.shards[place.shard].name));
        temps.push(tmp);
        shard = { index: place.shard, fh: await open(tmp, 'w', 0o644) };
      }
      const done = progress.write(shard.fh, bytes, place.offset).then(
        () => progress.tensorDone(0),
        (error: unknown) => void (failure ??= { error }),
      );
      inflight = { done, bytes: bytes.length, shared: bytes.buffer instanceof SharedArrayBuffer };
      written.push(externalTensor(t, place, plan.shards[place.shard]));
    }
    await settle();
    if (shard) await closeShard(shard, plan.shards[shard.index].length);
    shard = undefined;
    const late = data?.finish?.() ?? [];
    if (late.length) throw new SourceFailure(late);
    await syncShards([...temps]);

    const encoded = onnxProto.onnx.ModelProto.encode({ ...model, graph: { ...model.graph, initializer: written } }).finish();
    progress.total += encoded.length;
    const tmpModel = tempName(file);
    temps.push(tmpModel);
    await writeFile(tmpModel, [{ offset: 0, bytes: encoded }], encoded.length, progress);

    // Commit. The model goes last, so a model.onnx on disk always has its data beside it.
    if (plan.shards.length > 0) await rm(file, { force: true });
    for (const [i, s] of plan.shards.entries()) await rename(temps[i], join(dir, s.name));
    await rename(tmpModel, file);
    temps.length = 0;
    for (const stale of await staleShards(dir, base, plan.shards.length)) await rm(stale, { force: true });
    await fsyncDir(dir);
    const bytes = (await stat(file)).size;
    const shards = plan.shards.map((s) => ({ path: join(dir, s.name), bytes: s.length }));
    return { value: { path: file, bytes, data: shards, totalBytes: bytes + shards.reduce((a, s) => a + s.bytes, 0) }, diagnostics: [] };
  } catch (err) {
    await cleanup();
    if (err instanceof SourceFailure) return { value: undefined, diagnostics: err.diagnostics };
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
