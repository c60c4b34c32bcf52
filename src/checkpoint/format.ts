/**
 * Checkpoint format (moec-checkpoint v2, docs/checkpoint.md): the JSON shapes of
 * manifest.json, optimizer.json and state.json, and the names inside a run directory.
 * Shared by the writer (src/checkpoint/write-checkpoint.ts, used by `moec train`) and the
 * readers (`moec train --resume`, `moec compile --target onnx --weights`). This module
 * imports nothing from TensorFlow.js, so the ONNX path can read checkpoints without it.
 */

export const CHECKPOINT_FORMAT = 'moec-checkpoint';
/**
 * 2: manifest.json carries a sha256 over its own contents and lists optimizer.json and
 * state.json with their sha256, so every byte that decides how tensors are read and how
 * training resumes is verified. 1 (no metadata checksum) is still read for weights only.
 */
export const CHECKPOINT_VERSION = 2;
export const LEGACY_CHECKPOINT_VERSION = 1;

/** Node cannot read a file over 2 GiB into one Buffer; shards stay under 1 GiB. */
export const DEFAULT_SHARD_BYTES = 1 << 30;

export const LATEST_FILE = 'latest';
export const CHECKPOINTS_DIR = 'checkpoints';
export const MANIFEST_FILE = 'manifest.json';
export const OPTIMIZER_FILE = 'optimizer.json';
export const STATE_FILE = 'state.json';

/** `step-000200`: zero-padded so a directory listing sorts by step. */
export function checkpointName(step: number): string {
  return `step-${String(step).padStart(6, '0')}`;
}

/** One tensor's place in the shard files. Offsets and lengths are in bytes. */
export interface TensorEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  file: string;
  offset: number;
  length: number;
}

/** One shard file, with its size and sha256 so a damaged or truncated file is caught on read. */
export interface ShardEntry {
  file: string;
  bytes: number;
  sha256: string;
}

export interface Manifest {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  /** The whole spec's hash: provenance only (which spec trained it). */
  specHash: string;
  /**
   * What the weights belong to (src/ir/architecture.ts): a reader matches a spec by this.
   * Absent in checkpoints written before moec 0.2; those are matched by specHash.
   */
  architectureHash?: string;
  architecture?: Record<string, unknown>;
  /**
   * Fingerprint of the tokenizer whose ids the weights learned (sha256 of tokenizer.json, chat
   * template and special tokens; `bytes` for the byte-level one). Absent in older checkpoints.
   */
  tokenizer?: string;
  moecVersion: string;
  step: number;
  tensors: TensorEntry[];
  shards: ShardEntry[];
  /** v2: the checkpoint's JSON files (optimizer.json, state.json) with size and sha256. */
  files?: ShardEntry[];
  /** v2: sha256 of JSON.stringify of this object without `sha256` (keys in written order). */
  sha256?: string;
}

/** Optimizer slots: `tensors` are named `<slot>/<parameter name>`, e.g. `m/embed_tokens.weight`. */
export interface OptimizerFile {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  kind: string;
  /** Hyper-parameters as configured (lr is the schedule's peak, not the current value). */
  hyper: Record<string, number>;
  /** Optimizer steps taken (bias correction uses it). */
  step: number;
  /** Scalars the optimizer carries between steps besides its slot tensors (e.g. Adam's β^t products). */
  scalars: Record<string, number>;
  slots: string[];
  tensors: TensorEntry[];
  shards: ShardEntry[];
}

/** A tensor handed to the writer: a plain array with its shape, or anything tensor-like (tf.Variable). */
export interface NamedTensor {
  name: string;
  shape: readonly number[];
  data: Float32Array;
}

/** Duck type of a tf.Tensor / tf.Variable, so this module does not import TensorFlow.js. */
export interface TensorLike {
  shape: readonly number[];
  dataSync(): ArrayLike<number>;
}

export type WeightsInput = readonly NamedTensor[] | ReadonlyMap<string, TensorLike | NamedTensor>;
