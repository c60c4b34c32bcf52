/**
 * Safetensors interop — opening a Hugging Face checkpoint directory: `model.safetensors`, or the
 * shards listed by `model.safetensors.index.json`. As transformers (`_get_resolved_checkpoint_files`)
 * does, a single `model.safetensors` wins when both exist. The index is validated against the
 * shards before anything is read: every shard exists and is inside the directory, every key is
 * in the shard the index names, no key lives in two shards; every shard's header is validated as
 * a file of its own. All problems are reported together.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createDiagnostic, hasErrors, type Diagnostic, type Result } from '../../diagnostics/diagnostic.js';
import { MAX_INDEX_BYTES, notAFile, parseCheckpointIndex } from './checkpoint-index.js';
import { CheckpointReader, indexNameFor, SAFE_WEIGHTS_NAME, type CheckpointOptions } from './checkpoint-reader.js';
import { openSafetensors, type OpenOptions } from './open-safetensors.js';
import type { SafetensorsFile } from './safetensors-file.js';

/** Open a checkpoint directory, validating index and shard headers; all problems are reported together. */
export function openCheckpoint(dir: string, options: CheckpointOptions = {}): Result<CheckpointReader | undefined> {
  try {
    return openCheckpointUnguarded(dir, options);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') throw err;
    return { value: undefined, diagnostics: [createDiagnostic('MOE7540', { args: { path: dir, reason: `it cannot be read (${code})` } })] };
  }
}

function openCheckpointUnguarded(dir: string, options: CheckpointOptions): Result<CheckpointReader | undefined> {
  const weightsName = options.weightsName ?? SAFE_WEIGHTS_NAME;
  const indexName = indexNameFor(weightsName);
  const none = (reason: string) => ({
    value: undefined,
    diagnostics: [createDiagnostic('MOE7540', { args: { path: dir, reason } })],
  });
  if (!existsSync(dir)) return none('it does not exist');
  if (!statSync(dir).isDirectory()) return none('it is not a directory');
  if (notAFile(join(dir, weightsName)) === undefined) {
    const file = openSafetensors(join(dir, weightsName), options);
    if (!file.value) return file as Result<undefined>;
    const names = new Map(file.value.tensors.map((t) => [t.name, weightsName]));
    return { value: new CheckpointReader(dir, 'single', [[weightsName, file.value]], names), diagnostics: file.diagnostics };
  }
  const indexPath = join(dir, indexName);
  if (notAFile(indexPath) !== undefined) return none(describeContents(dir, weightsName, indexName));
  if (statSync(indexPath).size > MAX_INDEX_BYTES) {
    const reason = `the index is over ${MAX_INDEX_BYTES} bytes`;
    return { value: undefined, diagnostics: [createDiagnostic('MOE7541', { args: { path: indexPath, reason } })] };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(indexPath));
  } catch {
    return { value: undefined, diagnostics: [createDiagnostic('MOE7541', { args: { path: indexPath, reason: 'it is not UTF-8 text' } })] };
  }
  const index = parseCheckpointIndex(indexPath, text, dir);
  if (!index.value) return index as Result<undefined>;
  return openShards(dir, indexPath, index.value.weightMap, index.value.files, index.value.totalSize, options);
}

function describeContents(dir: string, weightsName: string, indexName: string): string {
  const entries = readdirSync(dir);
  const pickles = entries.filter((f) => f.endsWith('.bin') || f.endsWith('.pt') || f.endsWith('.pth'));
  const others = entries.filter((f) => f.endsWith('.safetensors'));
  if (others.length) return `neither \`${weightsName}\` nor \`${indexName}\`, only ${others.slice(0, 3).map((f) => `\`${f}\``).join(', ')}`;
  if (pickles.length) return `it has PyTorch pickle weights (${pickles.slice(0, 3).join(', ')}), which moec does not read`;
  return `neither \`${weightsName}\` nor \`${indexName}\``;
}

function openShards(
  dir: string,
  indexPath: string,
  weightMap: Map<string, string>,
  files: string[],
  totalSize: number | undefined,
  options: OpenOptions,
): Result<CheckpointReader | undefined> {
  const diagnostics: Diagnostic[] = [];
  const opened: [string, SafetensorsFile][] = [];
  for (const file of files) {
    const missing = notAFile(join(dir, file));
    if (missing) {
      diagnostics.push(createDiagnostic('MOE7543', { args: { path: indexPath, file, reason: missing } }));
      continue;
    }
    const shard = openSafetensors(join(dir, file), options);
    diagnostics.push(...shard.diagnostics);
    if (!shard.value) continue;
    shard.value.close(); // reopened on first read; keeps descriptors bounded
    opened.push([file, shard.value]);
  }
  const holders = new Map<string, string[]>();
  for (const [file, shard] of opened) for (const t of shard.tensors) holders.set(t.name, [...(holders.get(t.name) ?? []), file]);
  const byFile = new Map(opened);
  let indexedBytes = 0;
  for (const [tensor, file] of weightMap) {
    const shard = byFile.get(file);
    if (!shard) continue; // the shard's own problem is reported
    const inShard = shard.get(tensor);
    if (!inShard) diagnostics.push(createDiagnostic('MOE7544', { args: { path: indexPath, tensor, file } }));
    else indexedBytes += inShard.byteLength;
  }
  for (const [tensor, where] of holders) {
    if (where.length > 1) diagnostics.push(createDiagnostic('MOE7545', { args: { tensor, file: where[0]!, other: where[1]! } }));
    else if (!weightMap.has(tensor)) diagnostics.push(createDiagnostic('MOE7546', { args: { path: indexPath, tensor, file: where[0]! } }));
  }
  if (hasErrors(diagnostics)) return { value: undefined, diagnostics };
  if (totalSize !== undefined && totalSize !== indexedBytes) {
    diagnostics.push(createDiagnostic('MOE7547', { args: { path: indexPath, declared: totalSize, actual: indexedBytes } }));
  }
  return { value: new CheckpointReader(dir, 'sharded', opened, weightMap), diagnostics };
}
