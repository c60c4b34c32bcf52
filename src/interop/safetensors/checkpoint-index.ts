/**
 * Safetensors interop — the shard index of a Hugging Face checkpoint directory,
 * `model.safetensors.index.json`: `{"metadata": {"total_size": N, …}, "weight_map": {key: file}}`
 * (written by transformers `PreTrainedModel.save_pretrained`, read by `load_sharded_checkpoint`
 * / `_get_resolved_checkpoint_files`). Parsed strictly (a key mapped twice is an error, not "the
 * last one wins"), and every shard name must stay inside the directory: the index comes with
 * downloaded checkpoints, so `../../.ssh/x` or `/etc/passwd` must never be opened. Symlinked
 * shards are fine (the Hub cache links snapshot files to `../../blobs/…`): only the *name* in the
 * index is checked.
 */
import { statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { createDiagnostic, type Diagnostic, type Result } from '../../diagnostics/diagnostic.js';
import { JsonNumber, parseStrictJson, type JsonObject } from './strict-json.js';

export interface CheckpointIndex {
  /** Tensor name → shard file name (relative to the directory), in index order. */
  weightMap: Map<string, string>;
  /** Distinct shard names, sorted (model-00001-of-… first). */
  files: string[];
  /** `metadata.total_size` when present and a whole number. */
  totalSize?: number;
}

/** Index files are bounded like headers: larger is damage, not a model. */
export const MAX_INDEX_BYTES = 100_000_000;

export function parseCheckpointIndex(indexPath: string, text: string, dir: string): Result<CheckpointIndex | undefined> {
  const bad = (reason: string) => createDiagnostic('MOE7541', { args: { path: indexPath, reason } });
  const parsed = parseStrictJson(text);
  if (!parsed.ok) {
    const reason = parsed.duplicateKey !== undefined ? `the key ${JSON.stringify(parsed.duplicateKey)} occurs twice` : `not valid JSON: ${parsed.reason} at character ${parsed.at}`;
    return { value: undefined, diagnostics: [bad(reason)] };
  }
  const root = parsed.value;
  if (!(root instanceof Map)) return { value: undefined, diagnostics: [bad('the index is not a JSON object')] };
  const map = root.get('weight_map');
  if (!(map instanceof Map)) return { value: undefined, diagnostics: [bad('it has no `weight_map` object')] };
  const problems: Diagnostic[] = [];
  const weightMap = new Map<string, string>();
  for (const [key, file] of map) {
    if (typeof file === 'string') weightMap.set(key, file);
    else problems.push(bad(`weight_map maps ${JSON.stringify(key)} to ${typeof file === 'number' || file instanceof JsonNumber ? 'a number' : 'a non-string'}; values are shard file names`));
  }
  const firstKey = new Map<string, string>();
  for (const [key, file] of weightMap) if (!firstKey.has(file)) firstKey.set(file, key);
  for (const [file, key] of firstKey) {
    if (!isInside(dir, file)) problems.push(createDiagnostic('MOE7542', { args: { path: indexPath, tensor: key, file } }));
  }
  const meta = root.get('metadata');
  let totalSize: number | undefined;
  if (meta instanceof Map) totalSize = totalSizeOf(meta);
  else if (meta !== undefined && meta !== null) problems.push(bad('`metadata` is not an object'));
  if (problems.length) return { value: undefined, diagnostics: problems };
  const files = [...firstKey.keys()].sort();
  return { value: { weightMap, files, totalSize }, diagnostics: [] };
}

function totalSizeOf(meta: JsonObject): number | undefined {
  const t = meta.get('total_size');
  // transformers writes an int; some converters wrote a float (e.g. 1.2e10): take it when whole.
  const v = typeof t === 'number' ? t : t instanceof JsonNumber ? Number(t.text) : undefined;
  if (v === undefined) return undefined;
  return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/** Whether the relative name `file` resolves to a path inside `dir` (lexically). */
export function isInside(dir: string, file: string): boolean {
  if (file === '' || file.includes('\0') || isAbsolute(file) || /^[a-zA-Z]:/.test(file)) return false;
  if (file.split(/[\\/]/).some((seg) => seg === '..')) return false;
  const rel = relative(resolve(dir), resolve(dir, file));
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/** `undefined` when `path` is a regular file (following links), else why not. */
export function notAFile(path: string): string | undefined {
  try {
    return statSync(path).isFile() ? undefined : 'is not a regular file';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`;
  }
}
