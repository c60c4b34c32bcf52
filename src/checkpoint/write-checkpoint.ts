/**
 * Checkpoint writer (docs/checkpoint.md). A checkpoint is built in a temporary directory
 * beside its final place, every file fsynced, then renamed into place; only then is `latest`
 * replaced (also by rename). A kill at any moment therefore leaves `latest` naming a complete
 * checkpoint: the previous one or the new one.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { createDiagnostic, type Result } from '../diagnostics/diagnostic.js';
import { VERSION } from '../version.js';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  CHECKPOINTS_DIR,
  DEFAULT_SHARD_BYTES,
  LATEST_FILE,
  MANIFEST_FILE,
  OPTIMIZER_FILE,
  STATE_FILE,
  checkpointName,
  type Manifest,
  type OptimizerFile,
  type ShardEntry,
  type WeightsInput,
} from './format.js';
import { manifestDigest, sha256 } from './verify.js';
import { fsyncDir, replaceFileAtomic, writeFileDurable } from './fs-atomic.js';
import { toNamedTensors, writeTensorShards } from './tensor-files.js';

export interface OptimizerSnapshot {
  kind: string;
  hyper: Record<string, number>;
  step: number;
  scalars: Record<string, number>;
  slots: string[];
  /** Slot tensors named `<slot>/<parameter name>`. */
  tensors: WeightsInput;
}

export interface CheckpointInput {
  step: number;
  specHash: string;
  /** The architecture the weights belong to (describeArchitecture) and its hash. */
  architecture?: { hash: string; description: Record<string, unknown> };
  /** Fingerprint of the tokenizer the weights were trained with (Manifest.tokenizer). */
  tokenizer?: string;
  /** Parameters, in IR order. */
  weights: WeightsInput;
  optimizer?: OptimizerSnapshot;
  /** Trainer state (step, data position, RNG state, …), stored as state.json. */
  state: object;
  shardBytes?: number;
  /** Keep only the newest `keep` checkpoints (0 or absent: keep all). */
  keep?: number;
}

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** Write a JSON file of the checkpoint; its size and sha256 go into the manifest. */
function writeJson(dir: string, file: string, value: unknown): ShardEntry {
  const bytes = Buffer.from(pretty(value), 'utf8');
  writeFileDurable(join(dir, file), bytes);
  return { file, bytes: bytes.length, sha256: sha256(bytes) };
}

/** Write `<runDir>/checkpoints/step-NNNNNN/` atomically and point `latest` at it. */
export function writeCheckpoint(runDir: string, input: CheckpointInput): Result<string | undefined> {
  const root = join(runDir, CHECKPOINTS_DIR);
  const name = checkpointName(input.step);
  const finalDir = join(root, name);
  const tmpDir = join(root, `.tmp-${name}-${process.pid}`);
  const shardBytes = input.shardBytes ?? DEFAULT_SHARD_BYTES;
  try {
    mkdirSync(root, { recursive: true });
    // Leftovers of a writer killed mid-checkpoint are never referenced by `latest`.
    for (const entry of readdirSync(root)) if (entry.startsWith('.tmp-') || entry.startsWith('.old-')) rmSync(join(root, entry), { recursive: true, force: true });
    mkdirSync(tmpDir);

    const weights = writeTensorShards(tmpDir, 'weights', toNamedTensors(input.weights), shardBytes);
    const files: ShardEntry[] = [];
    if (input.optimizer) {
      const o = input.optimizer;
      const slots = writeTensorShards(tmpDir, 'optimizer', toNamedTensors(o.tensors), shardBytes);
      const file: OptimizerFile = {
        format: CHECKPOINT_FORMAT,
        version: CHECKPOINT_VERSION,
        kind: o.kind,
        hyper: o.hyper,
        step: o.step,
        scalars: o.scalars,
        slots: o.slots,
        ...slots,
      };
      files.push(writeJson(tmpDir, OPTIMIZER_FILE, file));
    }
    files.push(writeJson(tmpDir, STATE_FILE, input.state));
    const body: Manifest = {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      specHash: input.specHash,
      ...(input.architecture ? { architectureHash: input.architecture.hash, architecture: input.architecture.description } : {}),
      ...(input.tokenizer !== undefined ? { tokenizer: input.tokenizer } : {}),
      moecVersion: VERSION,
      step: input.step,
      ...weights,
      files,
    };
    // The manifest's own checksum covers offsets, shapes and the JSON files' hashes (verify.ts).
    const manifest: Manifest = { ...body, sha256: manifestDigest(body as unknown as Record<string, unknown>) };
    // The manifest is written last: a directory without one is never a checkpoint.
    writeFileDurable(join(tmpDir, MANIFEST_FILE), pretty(manifest));
    fsyncDir(tmpDir);

    if (existsSync(finalDir)) {
      // Rewriting a step (a resumed run passes it again): move the old one aside first,
      // since rename cannot replace a non-empty directory.
      const old = join(root, `.old-${name}-${process.pid}`);
      renameSync(finalDir, old);
      renameSync(tmpDir, finalDir);
      rmSync(old, { recursive: true, force: true });
    } else renameSync(tmpDir, finalDir);
    fsyncDir(root);
    replaceFileAtomic(join(runDir, LATEST_FILE), `${CHECKPOINTS_DIR}/${name}\n`);
    if (input.keep && input.keep > 0) pruneCheckpoints(root, input.keep, name);
    return { value: finalDir, diagnostics: [] };
  } catch (err) {
    rmSync(tmpDir, { recursive: true, force: true });
    const reason = err instanceof Error ? err.message : String(err);
    return { value: undefined, diagnostics: [createDiagnostic('MOE6506', { args: { path: finalDir, reason } })] };
  }
}

/**
 * Point `latest` at an existing checkpoint of the run (resuming from an earlier one), so the
 * run directory says which step it is at before the first new checkpoint is written.
 */
export function pointLatestAt(runDir: string, checkpointDir: string): void {
  replaceFileAtomic(join(runDir, LATEST_FILE), `${CHECKPOINTS_DIR}/${basename(resolve(checkpointDir))}\n`);
}

/** Delete all but the newest `keep` step directories; never the one `latest` names. */
function pruneCheckpoints(root: string, keep: number, current: string): void {
  const steps = readdirSync(root)
    .filter((e) => /^step-\d+$/.test(e))
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  for (const e of steps.slice(0, Math.max(0, steps.length - keep))) {
    if (e !== current) rmSync(join(root, e), { recursive: true, force: true });
  }
}
