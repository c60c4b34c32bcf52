/**
 * Safetensors interop — writing a Hugging Face checkpoint directory, laid out as transformers'
 * `save_pretrained` lays it out:
 * - shards planned by huggingface_hub `split_state_dict_into_shards_factory`
 *   (serialization/_base.py): tensors in the given (state-dict) order fill a shard until the next
 *   one would pass `maxShardSize`; a tensor larger than the limit gets a shard of its own, placed
 *   where it occurs; default 5 GB (= 5·10⁹ bytes, `MAX_SHARD_SIZE`, as transformers v4 — v5's
 *   `save_pretrained` defaults to "50GB");
 * - one shard → `model.safetensors` and no index; more → `model-00001-of-00003.safetensors`, …
 *   and `model.safetensors.index.json` = `{"metadata": {"total_size"}, "weight_map"}` written as
 *   `json.dumps(index, indent=2, sort_keys=True) + "\n"`;
 * - every shard carries `__metadata__ = {"format": "pt"}` (transformers' loader refuses a
 *   safetensors file whose metadata lacks a known `format`).
 * Atomic as a set: every shard is written completely under a temporary name first; only then are
 * they renamed, the index last, and stale shards of an earlier save (other `-NNNNN-of-NNNNN`
 * names, or the single file / index of the other layout, which would shadow or confuse the new
 * one) removed. On failure nothing under a final name has changed.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDir, writeFileDurable } from '../../checkpoint/fs-atomic.js';
import { createDiagnostic, type Diagnostic, type Result } from '../../diagnostics/diagnostic.js';
import { indexNameFor, SAFE_WEIGHTS_NAME, type CheckpointTensor } from './checkpoint-reader.js';
import { isDtype, tensorBytes } from './dtypes.js';
import { pythonJsonDumps } from './python-json.js';
import { commitTemp, writeSafetensorsTemp, type TensorToWrite } from './write-safetensors.js';

/** huggingface_hub `MAX_SHARD_SIZE`: 5 GB, decimal. */
export const DEFAULT_MAX_SHARD_SIZE = 5_000_000_000;

export interface CheckpointWriteOptions {
  maxShardSize?: number;
  /** `__metadata__` of every shard; default `{ format: 'pt' }`. */
  metadata?: Readonly<Record<string, string>>;
  /** `model.safetensors` (default) or e.g. `adapter_model.safetensors`. */
  weightsName?: string;
  /** Written as `metadata.total_parameters` in the index (transformers v5 writes `num_parameters()`). */
  totalParameters?: number;
}

export interface WrittenCheckpoint {
  /** Shard file names in order. */
  files: string[];
  /** The index file name, when sharded. */
  index?: string;
  totalSize: number;
  tensors: CheckpointTensor[];
}

/** Write `tensors` (in state-dict order) into `dir` as a safetensors checkpoint. */
export function writeCheckpointDir(dir: string, tensors: readonly TensorToWrite[], options: CheckpointWriteOptions = {}): Result<WrittenCheckpoint | undefined> {
  const weightsName = options.weightsName ?? SAFE_WEIGHTS_NAME;
  const maxShardSize = options.maxShardSize ?? DEFAULT_MAX_SHARD_SIZE;
  if (!Number.isSafeInteger(maxShardSize) || maxShardSize <= 0) throw new RangeError(`maxShardSize ${maxShardSize} must be a positive whole number`);
  const sizes = sizesOf(tensors);
  if (!sizes.value) return sizes as Result<undefined>;
  const shards = planShards(tensors, sizes.value, maxShardSize);
  const files = shards.length === 1 ? [weightsName] : shards.map((_, i) => shardName(weightsName, i + 1, shards.length));
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    return { value: undefined, diagnostics: [createDiagnostic('MOE7531', { args: { path: dir, reason: (err as Error).message } })] };
  }
  const temps: [string, string][] = [];
  const out: CheckpointTensor[] = [];
  const abandon = (d: Diagnostic[]) => {
    for (const [tmp] of temps) rmSync(tmp, { force: true });
    return { value: undefined, diagnostics: d };
  };
  for (let i = 0; i < shards.length; i++) {
    const path = join(dir, files[i]!);
    const written = writeSafetensorsTemp(path, shards[i]!, { metadata: options.metadata ?? { format: 'pt' } });
    if (!written.value) return abandon(written.diagnostics);
    temps.push([written.value.tempPath, path]);
    out.push(...written.value.tensors.map((t) => ({ ...t, file: files[i]! })));
  }
  const totalSize = out.reduce((a, t) => a + t.byteLength, 0);
  const indexName = indexNameFor(weightsName);
  if (shards.length > 1) {
    const metadata: Record<string, number> = { total_size: totalSize };
    if (options.totalParameters !== undefined) metadata.total_parameters = options.totalParameters;
    const fileOf = new Map(shards.flatMap((s, i) => s.map((t) => [t, files[i]!] as const)));
    const weightMap = Object.fromEntries(tensors.map((t) => [t.name, fileOf.get(t)!]));
    const tmp = join(dir, `.${indexName}.tmp-${process.pid}`);
    try {
      writeFileDurable(tmp, `${pythonJsonDumps({ metadata, weight_map: weightMap })}\n`);
    } catch (err) {
      return abandon([createDiagnostic('MOE7531', { args: { path: join(dir, indexName), reason: (err as Error).message } })]);
    }
    temps.push([tmp, join(dir, indexName)]);
  }
  for (let i = 0; i < temps.length; i++) {
    const failed = commitTemp(temps[i]![0], temps[i]![1]);
    if (failed) return abandon([failed]); // temps already renamed are gone; the rest are removed
  }
  const stale = removeStale(dir, weightsName, new Set(shards.length > 1 ? [...files, indexName] : files));
  return { value: { files, index: shards.length > 1 ? indexName : undefined, totalSize, tensors: out }, diagnostics: stale };
}

function sizesOf(tensors: readonly TensorToWrite[]): Result<Map<TensorToWrite, number> | undefined> {
  const sizes = new Map<TensorToWrite, number>();
  const problems: Diagnostic[] = [];
  const names = new Set<string>();
  for (const t of tensors) {
    const bad = (reason: string) => problems.push(createDiagnostic('MOE7530', { args: { tensor: t.name, reason } }));
    if (names.has(t.name)) bad('the name occurs twice');
    names.add(t.name);
    const valid = isDtype(t.dtype) && t.shape.every((d) => Number.isSafeInteger(d) && d >= 0);
    const size = valid ? tensorBytes(t.dtype, t.shape) : undefined;
    if (typeof size !== 'number') bad(`dtype ${t.dtype} with shape [${t.shape.join(', ')}] is not a valid tensor`);
    else sizes.set(t, size);
  }
  return problems.length ? { value: undefined, diagnostics: problems } : { value: sizes, diagnostics: [] };
}

/** huggingface_hub's greedy split, in input order. */
export function planShards<T>(tensors: readonly T[], sizes: ReadonlyMap<T, number>, maxShardSize: number): T[][] {
  const shards: T[][] = [];
  let current: T[] = [];
  let currentSize = 0;
  for (const t of tensors) {
    const size = sizes.get(t)!;
    if (size > maxShardSize) {
      shards.push([t]);
      continue;
    }
    if (currentSize + size > maxShardSize) {
      shards.push(current);
      current = [];
      currentSize = 0;
    }
    current.push(t);
    currentSize += size;
  }
  if (current.length > 0 || shards.length === 0) shards.push(current);
  return shards;
}

/** `model-00001-of-00003.safetensors` (transformers' `filename_pattern` with `-{i:05d}-of-{n:05d}`). */
export function shardName(weightsName: string, i: number, n: number): string {
  const stem = weightsName.replace(/\.safetensors$/, '');
  return `${stem}-${String(i).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors`;
}

/** Remove files of an earlier save that the new one does not replace; a diagnostic for each that stays. */
function removeStale(dir: string, weightsName: string, keep: ReadonlySet<string>): Diagnostic[] {
  const stem = weightsName.replace(/\.safetensors$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const ours = new RegExp(`^${stem}-\\d{5}-of-\\d{5}\\.safetensors$`);
  const problems: Diagnostic[] = [];
  for (const f of readdirSync(dir)) {
    if (keep.has(f) || !(ours.test(f) || f === weightsName || f === indexNameFor(weightsName))) continue;
    try {
      rmSync(join(dir, f), { force: true });
    } catch (err) {
      const reason = `the new checkpoint is complete, but \`${f}\` of an earlier save could not be removed (${(err as NodeJS.ErrnoException).code}); remove it by hand`;
      problems.push(createDiagnostic('MOE7531', { args: { path: join(dir, f), reason } }));
    }
  }
  fsyncDir(dir);
  return problems;
}
