/**
 * I/O — an output file written in pieces (a shard streamed tensor by tensor, a large export)
 * with the guarantees of writeFileAtomicSync: bytes go to a hidden temporary sibling, every
 * write is checked, `commit()` fsyncs, renames over the target and fsyncs the directory;
 * `abort()` (or any failure) removes the temporary and leaves the previous file untouched.
 *
 *   const out = await createAtomicFile('model.onnx.data');
 *   try { for (const t of tensors) await out.write(t.bytes); await out.commit(); }
 *   finally { await out.abort(); }      // no-op after a commit
 *
 * `write(bytes, position)` writes at an offset (for a layout planned ahead); without a position
 * the file grows at its end. SIGINT/SIGTERM during a write are the caller's to handle (as in
 * src/lower/onnx/write-model.ts); a SIGKILLed writer's temporary is removed by the next writer.
 */
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDirSync, removeDeadTempsSync, tempPathFor, writeAll, writeTarget } from './write-file.js';

export interface AtomicFile {
  /** The file that `commit()` replaces (a symlink's target when the path is a symlink). */
  readonly path: string;
  readonly tempPath: string;
  /** Bytes written so far (the end of the file when writing without positions). */
  readonly size: number;
  write(bytes: Uint8Array, position?: number): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export async function createAtomicFile(path: string, mode = 0o666): Promise<AtomicFile> {
  const file = writeTarget(path);
  await mkdir(dirname(file), { recursive: true });
  removeDeadTempsSync(file);
  const tempPath = tempPathFor(file);
  let fh: FileHandle | undefined = await open(tempPath, 'w', mode);
  let size = 0;
  let done = false;
  const close = async () => {
    const h = fh;
    fh = undefined;
    await h?.close();
  };
  const fail = async (err: unknown): Promise<never> => {
    await close().catch(() => undefined);
    await rm(tempPath, { force: true });
    done = true;
    throw err;
  };
  return {
    path: file,
    tempPath,
    get size() {
      return size;
    },
    async write(bytes, position) {
      if (done || !fh) throw new Error(`${file}: write after commit or abort`);
      const at = position ?? size;
      await writeAll(fh, bytes, at).catch(fail);
      size = Math.max(size, at + bytes.length);
    },
    async commit() {
      if (done || !fh) throw new Error(`${file}: commit after commit or abort`);
      try {
        await fh.truncate(size);
        await fh.sync();
        await close();
        await rename(tempPath, file);
        fsyncDirSync(dirname(file));
      } catch (err) {
        await fail(err);
      }
      done = true;
    },
    async abort() {
      if (done) return;
      done = true;
      await close().catch(() => undefined);
      await rm(tempPath, { force: true });
    },
  };
}
