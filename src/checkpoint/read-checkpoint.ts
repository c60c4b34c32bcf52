/**
 * Checkpoint readers (docs/checkpoint.md): locate a checkpoint from a run directory (via
 * `latest`) or a checkpoint directory, verify its manifest, and read weights, optimizer
 * state and trainer state. Every problem is a diagnostic; nothing here throws on bad input.
 * `moec compile --target onnx --weights` and `moec train --resume` both read through here;
 * weights are read one tensor at a time by checkpoint-source.ts.
 * Every file is read as a capped regular file (src/io/read-file.ts) and verified against the
 * manifest before it is parsed or used (verify.ts).
 */
import { join, resolve } from 'node:path';
import { createDiagnostic, type Diagnostic, type Result } from '../diagnostics/diagnostic.js';
import type { ModelIR } from '../ir/types.js';
import { describeArchitecture, firstArchitectureDifference } from '../ir/architecture.js';
import { describeReadFailure, readRegularFile } from '../io/read-file.js';
import { LEGACY_CHECKPOINT_VERSION, MANIFEST_FILE, OPTIMIZER_FILE, STATE_FILE, type Manifest, type OptimizerFile, type ShardEntry } from './format.js';
import { resolveCheckpointDir } from './locate.js';
import { readTensorShards } from './tensor-files.js';
import { checkFormat, checkHeader, listProblem, manifestDigest, notCheckpoint, sha256 } from './verify.js';

export { resolveCheckpointDir };

/** manifest.json of DeepSeek-V3 (46k tensors) is 7 MB; the IR allows 2M tensors. */
export const MAX_CHECKPOINT_JSON_BYTES = 512 * 2 ** 20;

const fail = <T>(d: Diagnostic): Result<T | undefined> => ({ value: undefined, diagnostics: [d] });

/** Read a checkpoint file, capped; with `expected`, its size and sha256 must match (else MOE6560). */
function readChecked(dir: string, file: string, expected?: ShardEntry): Result<Buffer | undefined> {
  const read = readRegularFile(join(dir, file), expected ? Math.min(expected.bytes, MAX_CHECKPOINT_JSON_BYTES) : MAX_CHECKPOINT_JSON_BYTES);
  if (!read.ok) {
    if (expected && read.kind === 'too-large') return fail(createDiagnostic('MOE6560', { args: { path: dir, file } }));
    return fail(notCheckpoint(dir, `${file}: ${describeReadFailure(read)}`));
  }
  if (expected && (read.bytes.length !== expected.bytes || sha256(read.bytes) !== expected.sha256)) {
    return fail(createDiagnostic('MOE6560', { args: { path: dir, file } }));
  }
  return { value: read.bytes, diagnostics: [] };
}

function parseJson(bytes: Buffer, file: string, dir: string): Result<unknown> {
  try {
    return { value: JSON.parse(bytes.toString('utf8')), diagnostics: [] };
  } catch (err) {
    return fail(notCheckpoint(dir, `${file}: ${(err as Error).message}`));
  }
}

export interface CheckpointLocation {
  dir: string;
  manifest: Manifest;
  /** False for a version-1 checkpoint, whose manifest and JSON files carry no checksum. */
  verified: boolean;
}

/** Locate, read and verify a checkpoint's manifest (format, version, checksum, lists). */
export function readManifest(path: string): Result<CheckpointLocation | undefined> {
  const located = resolveCheckpointDir(resolve(path));
  if (!located.value) return located as Result<undefined>;
  const dir = located.value;
  const bytes = readChecked(dir, MANIFEST_FILE);
  if (!bytes.value) return bytes as Result<undefined>;
  const json = parseJson(bytes.value, MANIFEST_FILE, dir);
  if (json.diagnostics.length) return json as Result<undefined>;
  const format = checkFormat(json.value, MANIFEST_FILE, dir);
  if (format) return fail(format);
  const manifest = json.value as Manifest;
  const verified = manifest.version !== LEGACY_CHECKPOINT_VERSION;
  // The checksum first: an edited file is reported as edited, whatever the edit broke.
  if (verified && (typeof manifest.sha256 !== 'string' || manifest.sha256 !== manifestDigest(manifest as unknown as Record<string, unknown>))) {
    return fail(createDiagnostic('MOE6560', { args: { path: dir, file: MANIFEST_FILE } }));
  }
  const bad = checkHeader(manifest, MANIFEST_FILE, dir) ?? (verified ? listProblem(manifest, dir) : undefined);
  if (bad) return fail(bad);
  if (typeof manifest.step !== 'number' || !Number.isSafeInteger(manifest.step) || typeof manifest.specHash !== 'string') {
    return fail(notCheckpoint(dir, `${MANIFEST_FILE} lacks a valid step or specHash`));
  }
  if (!verified) return { value: { dir, manifest, verified }, diagnostics: [createDiagnostic('MOE6561', { args: { path: dir } })] };
  return { value: { dir, manifest, verified }, diagnostics: [] };
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
      return [createDiagnostic('MOE6502', { args: { path: dir, found: manifest.specHash.slice(0, 12), expected: ir.specHash.slice(0, 12) } })];
    }
    return [];
  }
  if (manifest.architectureHash === ir.architectureHash) return [];
  const diff = firstArchitectureDifference(manifest.architecture, describeArchitecture(ir));
  if (!diff) return [];
  return [createDiagnostic('MOE6550', { args: { path: dir, field: diff.path, found: diff.found, expected: diff.expected } })];
}

/**
 * MOE6552 when the checkpoint records the tokenizer it was trained with and `fingerprint`
 * (the export's tokenizer, TextTokenizer.fingerprint or `bytes`) is another: the architecture
 * cannot see it (a byte-level and a 256-token BPE model have the same tensors), yet every
 * embedding row means a different token. Older checkpoints record none and are not checked.
 */
export function checkTokenizer(dir: string, manifest: Manifest, fingerprint: string, tokenizer: string): Diagnostic[] {
  if (manifest.tokenizer === undefined || manifest.tokenizer === fingerprint) return [];
  const short = (f: string) => (f.length > 12 ? f.slice(0, 12) : f);
  return [createDiagnostic('MOE6552', { args: { path: dir, found: short(manifest.tokenizer), expected: short(fingerprint), tokenizer } })];
}

/** A JSON file the (verified) manifest lists, read only when its size and sha256 match. */
function readListedJson(checkpointDir: string, file: string): Result<unknown> {
  const m = readManifest(checkpointDir);
  if (!m.value) return m as Result<undefined>;
  if (!m.value.verified) return fail(createDiagnostic('MOE6562', { args: { path: m.value.dir } }));
  const entry = m.value.manifest.files!.find((f) => f.file === file);
  if (!entry) return fail(notCheckpoint(m.value.dir, `${MANIFEST_FILE} does not list ${file}`));
  const bytes = readChecked(m.value.dir, file, entry);
  if (!bytes.value) return bytes as Result<undefined>;
  return parseJson(bytes.value, file, m.value.dir);
}

export interface OptimizerState extends Omit<OptimizerFile, 'tensors' | 'shards'> {
  tensors: Map<string, Float32Array>;
}

/** Read optimizer.json (verified against the manifest) and its slot tensors from a checkpoint directory. */
export function readOptimizerState(checkpointDir: string): Result<OptimizerState | undefined> {
  const json = readListedJson(checkpointDir, OPTIMIZER_FILE);
  if (json.diagnostics.length) return json as Result<undefined>;
  const bad = checkHeader(json.value, OPTIMIZER_FILE, checkpointDir);
  if (bad) return fail(bad);
  const file = json.value as OptimizerFile;
  const read = readTensorShards(checkpointDir, file.tensors, file.shards);
  if ('damaged' in read) return fail(createDiagnostic('MOE6505', { args: { path: checkpointDir, reason: read.damaged } }));
  const { tensors: _t, shards: _s, ...rest } = file;
  return { value: { ...rest, tensors: read.tensors }, diagnostics: [] };
}

/** Read state.json (the trainer's step, data position, RNG state, …; verified) from a checkpoint directory. */
export function readTrainerState<S = Record<string, unknown>>(checkpointDir: string): Result<S | undefined> {
  const json = readListedJson(checkpointDir, STATE_FILE);
  if (json.diagnostics.length) return json as Result<undefined>;
  if (!json.value || typeof json.value !== 'object' || Array.isArray(json.value)) {
    return fail(notCheckpoint(checkpointDir, `${STATE_FILE} is not a JSON object`));
  }
  return { value: json.value as S, diagnostics: [] };
}
