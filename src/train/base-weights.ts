/**
 * Training phase — where a run's starting (base) weights come from, recorded so the run can be
 * resumed and its adapters merged later: `moec train --init-from <dir>` reads them from a moec
 * run or checkpoint directory (a Hugging Face checkpoint directory once the HF bridge reads
 * one); without it they are initialised from the seed. A LoRA checkpoint stores only the
 * adapters, so `--resume` reads the base again from the recorded source and checks, by its
 * fingerprint, that it still holds the same weights (MOE6606).
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { readCheckpointWeights, readManifest } from '../checkpoint/index.js';
import { createDiagnostic, type Diagnostic, type Result } from '../diagnostics/diagnostic.js';
import type { ModelIR } from '../ir/types.js';
import { initWeights } from '../weights/init-weights.js';

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
    };

function checkpointFingerprint(manifest: { tensors: unknown[]; shards: { file: string; sha256: string }[] }): string {
  return createHash('sha256').update(JSON.stringify({ tensors: manifest.tensors, shards: manifest.shards.map((s) => [s.file, s.sha256]) })).digest('hex');
}

/** Read base weights from a moec run or checkpoint directory. */
export function readBaseFrom(path: string, ir: ModelIR): Result<{ weights: Map<string, Float32Array>; source: BaseSource } | undefined> {
  const m = readManifest(path);
  if (!m.value) return m as Result<undefined>;
  const w = readCheckpointWeights(m.value.dir, ir);
  if (!w.value) return { value: undefined, diagnostics: w.diagnostics };
  const source: BaseSource = { kind: 'moec-checkpoint', path: resolve(m.value.dir), step: m.value.manifest.step, fingerprint: checkpointFingerprint(m.value.manifest) };
  return { value: { weights: w.value, source }, diagnostics: w.diagnostics };
}

/**
 * The base weights for a run: `--init-from` when given; on resume the recorded source (checked
 * unchanged); else fresh from the seed.
 */
export function loadBaseWeights(
  ir: ModelIR,
  opts: { initFrom?: string; recorded?: BaseSource; seed: number; runDir: string },
): Result<{ weights: Map<string, Float32Array>; source: BaseSource } | undefined> {
  const diagnostics: Diagnostic[] = [];
  const recorded = opts.recorded;
  if (opts.initFrom !== undefined) return readBaseFrom(opts.initFrom, ir);
  if (!recorded || recorded.kind === 'init') {
    const seed = recorded?.seed ?? opts.seed;
    return { value: { weights: initWeights(ir, seed), source: { kind: 'init', seed } }, diagnostics };
  }
  const read = readBaseFrom(recorded.path, ir);
  if (!read.value) return read;
  if (read.value.source.kind === 'moec-checkpoint' && read.value.source.fingerprint !== recorded.fingerprint) {
    const args = { path: opts.runDir, source: recorded.path, expected: recorded.fingerprint.slice(0, 12), found: read.value.source.fingerprint.slice(0, 12) };
    return { value: undefined, diagnostics: [...read.diagnostics, createDiagnostic('MOE6606', { args })] };
  }
  return read;
}
