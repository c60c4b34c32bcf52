/**
 * Training phase — where a run's starting (base) weights come from, recorded so the run can be
 * resumed and its adapters merged later: `moec train --init-from <dir>` reads them from a moec
 * run or checkpoint directory or a Hugging Face model directory, through the one weights reader
 * (readModelWeights: lazy, one tensor per read, for an HF directory); without it they are
 * initialised from the seed. A LoRA checkpoint stores only the adapters, so `--resume` reads the
 * base again from the recorded source and checks, by its fingerprint, that it still holds the same
 * weights (MOE6606).
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { readManifest } from '../checkpoint/index.js';
import { createDiagnostic, type Result } from '../diagnostics/diagnostic.js';
import { hfCheckpointFingerprint } from '../interop/hf/weights/fingerprint.js';
import type { ModelIR } from '../ir/types.js';
import { initWeights } from '../weights/init-weights.js';
import { readModelWeights, type ModelWeights } from '../weights/read-model-weights.js';

/** state.json `base`: the base weights' provenance. */
export type BaseSource =
  | { kind: 'init'; seed: number }
  | {
      kind: 'moec-checkpoint';
      /** The checkpoint directory read (absolute), and its step. */
      path: string;
      step: number;
      /** sha256 over the manifest's tensor list and shard sha256s: identifies the weights without re-reading them. */
      fingerprint: string;
    }
  | {
      kind: 'hf';
      /** The Hugging Face model directory read (absolute), and its model_type. */
      path: string;
      modelType: string;
      /** hfCheckpointFingerprint: config bytes, shard sizes and identities, header entries. */
      fingerprint: string;
    };

export interface BaseWeights {
  /** IR name → values; lazy (read per `get`) for a Hugging Face directory. */
  weights: Map<string, Float32Array>;
  source: BaseSource;
  /** Release the source's file handles. */
  close(): void;
}

function checkpointFingerprint(manifest: { tensors: unknown[]; shards: { file: string; sha256: string }[] }): string {
  return createHash('sha256').update(JSON.stringify({ tensors: manifest.tensors, shards: manifest.shards.map((s) => [s.file, s.sha256]) })).digest('hex');
}

/** The provenance of weights readModelWeights read from `path`. */
function identify(path: string, read: ModelWeights): Result<BaseSource | undefined> {
  if (read.kind === 'hf') {
    const fp = hfCheckpointFingerprint(path);
    if (!fp.value) return fp as Result<undefined>;
    const modelType = read.meta.find(([k]) => k === 'moec.hf_model_type')?.[1] ?? 'unknown';
    return { value: { kind: 'hf', path: resolve(path), modelType, fingerprint: fp.value }, diagnostics: fp.diagnostics };
  }
  const m = readManifest(path);
  if (!m.value) return m as Result<undefined>;
  return { value: { kind: 'moec-checkpoint', path: resolve(m.value.dir), step: m.value.manifest.step, fingerprint: checkpointFingerprint(m.value.manifest) }, diagnostics: [] };
}

/** Read base weights from a moec run or checkpoint directory, or a Hugging Face model directory. */
export function readBaseFrom(path: string, ir: ModelIR): Result<BaseWeights | undefined> {
  const read = readModelWeights(path, ir);
  if (!read.value) return read as Result<undefined>;
  const w = read.value;
  const source = identify(path, w);
  if (!source.value) {
    w.close();
    return { value: undefined, diagnostics: [...read.diagnostics, ...source.diagnostics] };
  }
  return { value: { weights: w.weights, source: source.value, close: () => w.close() }, diagnostics: [...read.diagnostics, ...source.diagnostics] };
}

/** Whether two sources name the same weights (same seed, or same fingerprint). */
export function sameBase(a: BaseSource, b: BaseSource): boolean {
  if (a.kind === 'init') return b.kind === 'init' && a.seed === b.seed;
  return b.kind === a.kind && b.fingerprint === a.fingerprint;
}

/**
 * The base weights for a run: `--init-from` when given; on resume the recorded source (checked
 * unchanged); else fresh from the seed.
 */
export function loadBaseWeights(
  ir: ModelIR,
  opts: { initFrom?: string; recorded?: BaseSource; seed: number; runDir: string },
): Result<BaseWeights | undefined> {
  const recorded = opts.recorded;
  if (opts.initFrom !== undefined) return readBaseFrom(opts.initFrom, ir);
  if (!recorded || recorded.kind === 'init') {
    const seed = recorded?.seed ?? opts.seed;
    return { value: { weights: initWeights(ir, seed), source: { kind: 'init', seed }, close: () => {} }, diagnostics: [] };
  }
  const read = readBaseFrom(recorded.path, ir);
  if (!read.value) return read;
  if (!sameBase(read.value.source, recorded)) {
    read.value.close();
    const found = read.value.source.kind === 'init' ? '' : read.value.source.fingerprint;
    const args = { path: opts.runDir, source: recorded.path, expected: recorded.fingerprint.slice(0, 12), found: found.slice(0, 12) };
    return { value: undefined, diagnostics: [...read.diagnostics, createDiagnostic('MOE6606', { args })] };
  }
  return read;
}
