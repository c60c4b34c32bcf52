/**
 * Checkpoint readers — integrity (docs/checkpoint.md § Integrity). Everything read from a
 * checkpoint directory is checked before it is trusted:
 *   - manifest.json (v2) carries `sha256`, the hash of its own JSON without that field, so a
 *     shifted offset, an edited shape or step is refused; it lists optimizer.json and
 *     state.json with their sizes and hashes, so the optimizer and data-cursor state are too;
 *   - every list is validated structurally before it is used: file names are plain names
 *     inside the directory (never `../x` or `/dev/zero`), sizes and offsets are safe integers,
 *     tensors lie inside their shard and do not overlap, shapes match lengths.
 * The hashes detect edits and damage, not a forger who recomputes them (docs/security.md).
 */
import { createHash } from 'node:crypto';
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, LEGACY_CHECKPOINT_VERSION, MANIFEST_FILE, type Manifest, type ShardEntry, type TensorEntry } from './format.js';

export const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/** The digest stored in (and checked against) manifest.json's `sha256`. */
export function manifestDigest(body: Record<string, unknown>): string {
  const { sha256: _self, ...rest } = body;
  return sha256(JSON.stringify(rest));
}

/** File names a checkpoint may refer to: one plain name inside its directory. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const HEX64 = /^[0-9a-f]{64}$/;

const count = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A reason the file list is malformed, or undefined. */
export function checkFileList(list: unknown, what: string): string | undefined {
  if (!Array.isArray(list)) return `${what} is not a list`;
  const seen = new Set<string>();
  for (const [i, e] of list.entries()) {
    if (!isRecord(e)) return `${what}[${i}] is not an object`;
    if (typeof e.file !== 'string' || !FILE_NAME.test(e.file) || e.file.includes('..')) return `${what}[${i}] names ${JSON.stringify(e.file)}, not a file of the checkpoint directory`;
    if (seen.has(e.file)) return `${what} lists ${e.file} twice`;
    seen.add(e.file);
    if (!count(e.bytes)) return `${what}[${i}] (${e.file}) has no valid byte count`;
    if (typeof e.sha256 !== 'string' || !HEX64.test(e.sha256)) return `${what}[${i}] (${e.file}) has no valid sha256`;
  }
  return undefined;
}

/** A reason the tensor list does not fit its shards, or undefined. */
export function checkTensorList(list: unknown, shards: readonly ShardEntry[]): string | undefined {
  if (!Array.isArray(list)) return 'tensors is not a list';
  const sizes = new Map(shards.map((s) => [s.file, s.bytes]));
  const names = new Set<string>();
  const byFile = new Map<string, [number, number, string][]>();
  for (const [i, e] of (list as unknown[]).entries()) {
    if (!isRecord(e) || typeof e.name !== 'string') return `tensors[${i}] has no name`;
    const t = e as unknown as TensorEntry;
    if (names.has(t.name)) return `tensor ${t.name} is listed twice`;
    names.add(t.name);
    if (!Array.isArray(t.shape) || !t.shape.every(count)) return `tensor ${t.name} has an invalid shape`;
    const elements = t.shape.reduce((a, b) => a * b, 1);
    if (t.dtype !== 'float32') return `tensor ${t.name} has dtype ${String(t.dtype)}; only float32 is written`;
    if (!count(t.offset) || !count(t.length) || !Number.isSafeInteger(elements) || t.length !== elements * 4) return `tensor ${t.name}: its length does not match its shape`;
    const size = typeof t.file === 'string' ? sizes.get(t.file) : undefined;
    if (size === undefined) return `tensor ${t.name} points at ${String(t.file)}, which is not listed as a shard`;
    if (t.offset + t.length > size) return `tensor ${t.name} lies outside ${t.file}`;
    let ranges = byFile.get(t.file);
    if (!ranges) byFile.set(t.file, (ranges = []));
    ranges.push([t.offset, t.offset + t.length, t.name]);
  }
  for (const [file, ranges] of byFile) {
    ranges.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++) {
      if (ranges[i]![0] < ranges[i - 1]![1]) return `tensors ${ranges[i - 1]![2]} and ${ranges[i]![2]} overlap in ${file}`;
    }
  }
  return undefined;
}

export const notCheckpoint = (dir: string, reason: string): Diagnostic => createDiagnostic('MOE6501', { args: { path: dir, reason } });

export function checkFormat(value: unknown, what: string, dir: string): Diagnostic | undefined {
  const v = value as { format?: unknown; version?: unknown } | null;
  if (!v || typeof v !== 'object' || v.format !== CHECKPOINT_FORMAT) return notCheckpoint(dir, `${what} is not a ${CHECKPOINT_FORMAT} file`);
  if (v.version !== CHECKPOINT_VERSION && v.version !== LEGACY_CHECKPOINT_VERSION) return notCheckpoint(dir, `${what} has format version ${String(v.version)}`);
  return undefined;
}

/** Format, version, then the tensor and shard lists (after any checksum was verified). */
export function checkHeader(value: unknown, what: string, dir: string): Diagnostic | undefined {
  const bad = checkFormat(value, what, dir);
  if (bad) return bad;
  const v = value as { tensors?: unknown; shards?: unknown };
  if (!Array.isArray(v.tensors) || !Array.isArray(v.shards)) return notCheckpoint(dir, `${what} lacks its tensors/shards lists`);
  const shards = checkFileList(v.shards, `${what} shards`);
  if (shards) return notCheckpoint(dir, shards);
  const tensors = checkTensorList(v.tensors, v.shards as ShardEntry[]);
  return tensors ? notCheckpoint(dir, `${what}: ${tensors}`) : undefined;
}

export function listProblem(manifest: Manifest, dir: string): Diagnostic | undefined {
  const files = checkFileList(manifest.files, `${MANIFEST_FILE} files`);
  return files ? notCheckpoint(dir, files) : undefined;
}
