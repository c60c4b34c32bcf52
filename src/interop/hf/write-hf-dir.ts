/**
 * HF bridge (export) — writing a model directory as one unit: config.json,
 * generation_config.json and the checkpoint (safetensors shards + index, save_pretrained's layout:
 * src/interop/safetensors/write-checkpoint-dir.ts) go into a temporary sibling directory, which is
 * renamed to the final name only when everything is written. On any failure the temporary
 * directory is removed, so nothing ever exists under the final name half-written. An existing
 * output is replaced only with `force` (renamed aside first, removed after the new one is in place).
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fsyncDir, writeFileDurable } from '../../checkpoint/fs-atomic.js';
import { createDiagnostic, type Diagnostic, type Result } from '../../diagnostics/diagnostic.js';
import { WeightsReadError } from '../../weights/lazy-source.js';
import { writeCheckpointDir, type WrittenCheckpoint } from '../safetensors/write-checkpoint-dir.js';
import type { TensorToWrite } from '../safetensors/write-safetensors.js';

export interface HfDirContents {
  files: Record<string, string>;
  tensors?: readonly TensorToWrite[];
  maxShardSize?: number;
  totalParameters?: number;
}

export interface WrittenHfDir {
  dir: string;
  files: string[];
  checkpoint?: WrittenCheckpoint;
}

const problem = (path: string, reason: string): Diagnostic => createDiagnostic('MOE7202', { args: { path, reason } });

export function writeHfDir(out: string, contents: HfDirContents, force = false): Result<WrittenHfDir | undefined> {
  const dir = resolve(out);
  if (existsSync(dir) && !force && readdirSync(dir).length > 0) {
    return { value: undefined, diagnostics: [createDiagnostic('MOE9012', { args: { path: out } })] };
  }
  const tmp = join(dirname(dir), `.${basename(dir)}.moec-tmp-${process.pid}`);
  const abandon = (d: Diagnostic[]) => {
    rmSync(tmp, { recursive: true, force: true });
    return { value: undefined, diagnostics: d };
  };
  let checkpoint: WrittenCheckpoint | undefined;
  try {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    if (contents.tensors) {
      const written = writeCheckpointDir(tmp, contents.tensors, { maxShardSize: contents.maxShardSize, totalParameters: contents.totalParameters });
      if (!written.value) return abandon(written.diagnostics);
      checkpoint = written.value;
    }
    for (const [name, text] of Object.entries(contents.files)) writeFileDurable(join(tmp, name), text);
    fsyncDir(tmp);
  } catch (err) {
    if (err instanceof WeightsReadError) return abandon(err.diagnostics);
    if (typeof (err as NodeJS.ErrnoException).code === 'string') return abandon([problem(out, (err as Error).message)]);
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const aside = `${tmp}.old`;
  try {
    if (existsSync(dir)) renameSync(dir, aside);
    renameSync(tmp, dir);
    fsyncDir(dirname(dir));
  } catch (err) {
    if (existsSync(aside) && !existsSync(dir)) renameSync(aside, dir);
    return abandon([problem(out, (err as Error).message)]);
  }
  rmSync(aside, { recursive: true, force: true });
  const files = [...Object.keys(contents.files), ...(checkpoint ? [...checkpoint.files, ...(checkpoint.index ? [checkpoint.index] : [])] : [])].sort();
  return { value: { dir: out, files, checkpoint }, diagnostics: [] };
}
