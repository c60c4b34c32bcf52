/**
 * Checkpoint readers (docs/checkpoint.md): locate a checkpoint from a run directory (via
 * `latest`) or a checkpoint directory, validate its manifest, and read weights, optimizer
 * state and trainer state. Every problem is a diagnostic; nothing here throws on bad input.
 * `moec compile --target onnx --weights` and `moec train --resume` both read through here.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { createDiagnostic, type Diagnostic, type Result } from '../diagnostics/diagnostic.js';
import type { ModelIR } from '../ir/types.js';
import { describeArchitecture, firstArchitectureDifference } from '../ir/architecture.js';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  CHECKPOINTS_DIR,
  LATEST_FILE,
  MANIFEST_FILE,
  OPTIMIZER_FILE,
  STATE_FILE,
  type Manifest,
  type OptimizerFile,
} from './format.js';
import { readTensorShards } from './tensor-files.js';

const fail = <T>(d: Diagnostic): Result<T | undefined> => ({ value: undefined, diagnostics: [d] });

/** The checkpoint directory for a run dir (follows `latest`) or a checkpoint dir (has manifest.json). */
export function resolveCheckpointDir(path: string): Result<string | undefined> {
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    return fail(createDiagnostic('MOE6500', { args: { path, reason: 'not a directory' } }));
  }
  if (existsSync(join(path, MANIFEST_FILE))) return { value: path, diagnostics: [] };
  const latest = join(path, LATEST_FILE);
  if (!existsSync(latest)) {
    const reason = existsSync(join(path, CHECKPOINTS_DIR))
      ? 'the run has no `latest` file (it was stopped before its first checkpoint completed)'
      : 'it has neither a `latest` file nor a manifest.json';
    return fail(createDiagnostic('MOE6500', { args: { path, reason } }));
  }
  const named = readFileSync(latest, 'utf8').trim();
  // `latest` holds `checkpoints/step-NNNNNN`; a bare `step-NNNNNN` is accepted too.
  const dir = isAbsolute(named) ? named : named.includes('/') ? join(path, named) : join(path, CHECKPOINTS_DIR, named);
  if (!existsSync(join(dir, MANIFEST_FILE))) {
    return fail(createDiagnostic('MOE6500', { args: { path, reason: `\`latest\` names ${named}, which has no manifest.json` } }));
  }
  return { value: dir, diagnostics: [] };
}

function readJson(path: string, what: string, dir: string): Result<unknown> {
  try {
    return { value: JSON.parse(readFileSync(path, 'utf8')), diagnostics: [] };
  } catch (err) {
    const reason = `${what}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
    return fail(createDiagnostic('MOE6501', { args: { path: dir, reason } }));
  }
}

function checkHeader(value: unknown, what: string, dir: string): Diagnostic | undefined {
  const v = value as { format?: unknown; version?: unknown; tensors?: unknown; shards?: unknown } | null;
  if (!v || typeof v !== 'object' || v.format !== CHECKPOINT_FORMAT) {
    return createDiagnostic('MOE6501', { args: { path: dir, reason: `${what} is not a ${CHECKPOINT_FORMAT} file` } });
  }
  if (v.version !== CHECKPOINT_VERSION) {
    return createDiagnostic('MOE6501', { args: { path: dir, reason: `${what} has format version ${String(v.version)}` } });
  }
  if (!Array.isArray(v.tensors) || !Array.isArray(v.shards)) {
    return createDiagnostic('MOE6501', { args: { path: dir, reason: `${what} lacks its tensors/shards lists` } });
  }
  return undefined;
}

export interface CheckpointLocation {
  dir: string;
  manifest: Manifest;
}

/** Locate and parse a checkpoint's manifest (format and version checked). */
export function readManifest(path: string): Result<CheckpointLocation | undefined> {
  const located = resolveCheckpointDir(resolve(path));
  if (!located.value) return located as Result<undefined>;
  const dir = located.value;
  const json = readJson(join(dir, MANIFEST_FILE), MANIFEST_FILE, dir);
  if (json.diagnostics.length) return json as Result<undefined>;
  const bad = checkHeader(json.value, MANIFEST_FILE, dir);
  if (bad) return fail(bad);
  return { value: { dir, manifest: json.value as Manifest }, diagnostics: [] };
}

/**
 * Whether a checkpoint's weights belong to `ir` (docs/checkpoint.md "Matching a spec"): every IR
 * tensor present with its shape (the first that is not is named), then the recorded architecture
 * equal to the spec's (the first differing field is named). A checkpoint written before
 * architectures were recorded is matched by its whole spec hash instead.
 */
export function checkArchitecture(dir: string, manifest: Manifest, ir: ModelIR): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const byName = new Map(manifest.tensors.map((t) => [t.name, t]));
  for (const t of ir.tensors) {
    const e = byName.get(t.name);
    if (!e) diagnostics.push(createDiagnostic('MOE6503', { args: { path: dir, name: t.name } }));
    else if (e.shape.join(',') !== t.shape.join(',')) {
      diagnostics.push(createDiagnostic('MOE6504', { args: { name: t.name, found: e.shape.join(', '), expected: t.shape.join(', ') } }));
    }
  }
  if (diagnostics.length) {
    // Tensors named first: they say what is wrong in the user's terms. One per kind is enough
    // when the whole model differs (a wrong spec gives hundreds).
    return diagnostics.length > 10 ? [...diagnostics.slice(0, 10)] : diagnostics;
  }
  if (manifest.architecture === undefined) {
    if (manifest.specHash !== ir.specHash) {
      return [createDiagnostic('MOE6502', { args: { path: dir, found: short(manifest.specHash), expected: short(ir.specHash) } })];
    }
    return [];
  }
  if (manifest.architectureHash === ir.architectureHash) return [];
  const diff = firstArchitectureDifference(manifest.architecture, describeArchitecture(ir));
  if (!diff) return [];
  return [createDiagnostic('MOE6550', { args: { path: dir, field: diff.path, found: diff.found, expected: diff.expected } })];
}

/**
 * Read a checkpoint's weights for `ir`: the checkpoint must hold `ir`'s architecture
 * (checkArchitecture), not necessarily its whole spec. Extra tensors are ignored with a warning.
 * The map is in IR order.
 */
export function readCheckpointWeights(runOrCheckpointDir: string, ir: ModelIR): Result<Map<string, Float32Array> | undefined> {
  const m = readManifest(runOrCheckpointDir);
  if (!m.value) return m as Result<undefined>;
  const { dir, manifest } = m.value;
  const diagnostics = checkArchitecture(dir, manifest, ir);
  if (diagnostics.length) return { value: undefined, diagnostics };
  const wanted = new Set(ir.tensors.map((t) => t.name));
  const extra = manifest.tensors.filter((t) => !wanted.has(t.name));
  if (extra.length) diagnostics.push(createDiagnostic('MOE6507', { args: { path: dir, count: extra.length, name: extra[0]!.name } }));
  const read = readTensorShards(dir, manifest.tensors.filter((t) => wanted.has(t.name)), manifest.shards);
  if ('damaged' in read) return fail(createDiagnostic('MOE6505', { args: { path: dir, reason: read.damaged } }));
  const ordered = new Map<string, Float32Array>();
  for (const t of ir.tensors) ordered.set(t.name, read.tensors.get(t.name)!);
  return { value: ordered, diagnostics };
}

function short(hash: string): string {
  return typeof hash === 'string' ? hash.slice(0, 12) : String(hash);
}

export interface OptimizerState extends Omit<OptimizerFile, 'tensors' | 'shards'> {
  tensors: Map<string, Float32Array>;
}

/** Read optimizer.json and its slot tensors from a checkpoint directory. */
export function readOptimizerState(checkpointDir: string): Result<OptimizerState | undefined> {
  const json = readJson(join(checkpointDir, OPTIMIZER_FILE), OPTIMIZER_FILE, checkpointDir);
  if (json.diagnostics.length) return json as Result<undefined>;
  const bad = checkHeader(json.value, OPTIMIZER_FILE, checkpointDir);
  if (bad) return fail(bad);
  const file = json.value as OptimizerFile;
  const read = readTensorShards(checkpointDir, file.tensors, file.shards);
  if ('damaged' in read) return fail(createDiagnostic('MOE6505', { args: { path: checkpointDir, reason: read.damaged } }));
  const { tensors: _t, shards: _s, ...rest } = file;
  return { value: { ...rest, tensors: read.tensors }, diagnostics: [] };
}

/** Read state.json (the trainer's step, data position, RNG state, …) from a checkpoint directory. */
export function readTrainerState<S = Record<string, unknown>>(checkpointDir: string): Result<S | undefined> {
  const json = readJson(join(checkpointDir, STATE_FILE), STATE_FILE, checkpointDir);
  if (json.diagnostics.length) return json as Result<undefined>;
  if (!json.value || typeof json.value !== 'object') {
    return fail(createDiagnostic('MOE6501', { args: { path: checkpointDir, reason: `${STATE_FILE} is not a JSON object` } }));
  }
  return { value: json.value as S, diagnostics: [] };
}
