/**
 * Weights phase — the one entry point for "take the weights from this directory": a moec
 * training run or checkpoint (docs/checkpoint.md: `latest`, `manifest.json`), or a Hugging Face
 * model directory (`config.json` + `model.safetensors` or shards + index: src/interop/hf/). The
 * kind is decided by what the directory holds, before anything large is read. `moec compile
 * --weights` and `moec train --init-from` read through here.
 *
 * A moec checkpoint is read whole (its tensors are matched by architecture hash first); a
 * Hugging Face checkpoint is validated completely and then read one tensor per `get`, so a
 * consumer that reads each weight once (the ONNX emitter) never holds the checkpoint.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpointWeights, readManifest } from '../checkpoint/index.js';
import { CHECKPOINTS_DIR, LATEST_FILE, MANIFEST_FILE } from '../checkpoint/format.js';
import { createDiagnostic, type Result } from '../diagnostics/diagnostic.js';
import { indexNameFor, SAFE_WEIGHTS_NAME } from '../interop/safetensors/checkpoint-reader.js';
import { readHfWeights } from '../interop/hf/weights/read-hf-weights.js';
import type { ModelIR } from '../ir/types.js';

export type WeightsKind = 'moec' | 'hf';

export interface ModelWeights {
  /** IR name → float32 values in the IR's layout; lazy (one read per `get`) for `hf`. */
  weights: Map<string, Float32Array>;
  kind: WeightsKind;
  /** Every tensor in memory at once (moec checkpoints), rather than read per tensor. */
  whole: boolean;
  /** ONNX metadata_props describing the source (`moec.weights`, …). */
  meta: [string, string][];
  /** For messages: `checkpoint step 200 (runs/tiny/checkpoints/step-000200)`, `Hugging Face mixtral checkpoint (BF16) at …`. */
  from: string;
  /** Release file handles. */
  close(): void;
}

const has = (dir: string, name: string) => existsSync(join(dir, name));

/** What `path` holds, or undefined when it is neither (the readers then say why). */
export function weightsKind(path: string): WeightsKind | undefined {
  if (!existsSync(path) || !statSync(path).isDirectory()) return undefined;
  if (has(path, MANIFEST_FILE) || has(path, LATEST_FILE) || has(path, CHECKPOINTS_DIR)) return 'moec';
  if (has(path, 'config.json') && (has(path, SAFE_WEIGHTS_NAME) || has(path, indexNameFor(SAFE_WEIGHTS_NAME)))) return 'hf';
  return undefined;
}

/** The weights in `path` for `ir`, from whichever kind of directory it is. */
export function readModelWeights(path: string, ir: ModelIR): Result<ModelWeights | undefined> {
  const kind = weightsKind(path);
  if (kind === 'hf') {
    const r = readHfWeights(path, ir);
    if (!r.value) return r as Result<undefined>;
    const { weights, modelType, storage } = r.value;
    return {
      value: {
        weights,
        kind,
        whole: false,
        meta: [['moec.weights', 'huggingface'], ['moec.hf_model_type', modelType]],
        from: `Hugging Face ${modelType} checkpoint (${storage}) at ${path}`,
        close: () => weights.close(),
      },
      diagnostics: r.diagnostics,
    };
  }
  if (kind === undefined && existsSync(path) && statSync(path).isDirectory() && has(path, 'config.json')) {
    return { value: undefined, diagnostics: [createDiagnostic('MOE7106', { args: { path, reason: 'it has a config.json but neither model.safetensors nor model.safetensors.index.json' } })] };
  }
  // A PEFT adapter passed where base weights go (--weights, --init-from): it holds no base.
  if (kind === undefined && existsSync(path) && statSync(path).isDirectory() && has(path, 'adapter_config.json')) {
    const hint = 'pass the adapter as --adapter and its base model as --weights (or --init-from)';
    return { value: undefined, diagnostics: [createDiagnostic('MOE6605', { args: { path, reason: 'is a PEFT adapter (adapter_config.json), not model weights' }, hint })] };
  }
  // A moec run or checkpoint, or nothing usable: the checkpoint reader says what is missing (MOE6500).
  const read = readCheckpointWeights(path, ir);
  if (!read.value) return read as Result<undefined>;
  const located = readManifest(path);
  const step = located.value?.manifest.step ?? 0;
  return {
    value: {
      weights: read.value,
      kind: 'moec',
      whole: true,
      meta: [['moec.weights', 'checkpoint'], ['moec.checkpoint_step', String(step)]],
      from: `checkpoint step ${step} (${located.value?.dir ?? path})`,
      close: () => {},
    },
    diagnostics: read.diagnostics,
  };
}
