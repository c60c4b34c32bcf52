/**
 * Weights phase — the weight source for `moec compile --weights <dir>` (and weights a caller
 * already holds): a moec run or checkpoint is read one tensor at a time with its shards verified
 * as they stream (src/checkpoint/checkpoint-source.ts); a Hugging Face directory through its
 * lazy reader (src/interop/hf/weights/, via read-model-weights.ts), each tensor read into the
 * compile's buffer. Which one is decided by what the directory holds (weightsKind).
 */
import { openCheckpointSource } from '../checkpoint/checkpoint-source.js';
import type { Result } from '../diagnostics/diagnostic.js';
import type { ModelIR } from '../ir/types.js';
import { LazySourceWeights } from './lazy-source.js';
import { readModelWeights, weightsKind, type ModelWeights } from './read-model-weights.js';
import type { WeightSource } from './weight-source.js';

const sizeOf = (ir: Pick<ModelIR, 'tensors'>) => {
  const sizes = new Map(ir.tensors.map((t) => [t.name, t.shape.reduce((a, b) => a * b, 1)]));
  return (name: string) => sizes.get(name) ?? 0;
};

/** Weights held in memory (a base with a LoRA adapter merged), or any lazily read Map of them. */
export function mapWeightSource(ir: Pick<ModelIR, 'tensors'>, loaded: Pick<ModelWeights, 'weights' | 'meta' | 'from'> & { close?: () => void }): WeightSource {
  const size = sizeOf(ir);
  const lazy = loaded.weights instanceof LazySourceWeights ? loaded.weights : undefined;
  return {
    from: loaded.from,
    metadata: loaded.meta,
    begin: () => undefined,
    read(name, out) {
      if (lazy) {
        const r = lazy.read(name, out);
        return { value: r.value, diagnostics: r.diagnostics };
      }
      const w = loaded.weights.get(name);
      if (!w) throw new Error(`internal: weights are missing tensor ${name}`);
      return { value: w, diagnostics: [] };
    },
    end: () => [],
    // In memory already: nothing more. Read lazily: what the reader says, else the tensor twice.
    readBytes: (name) => (lazy ? (lazy.peakBytes?.(name) ?? 8 * size(name)) : 0),
    close: () => loaded.close?.(),
  };
}

/** The source for `--weights <path>`: a moec run or checkpoint, or a Hugging Face model directory. */
export function openWeightSource(path: string, ir: ModelIR): Result<WeightSource | undefined> {
  if (weightsKind(path) === 'moec') return openCheckpointSource(path, ir);
  // A Hugging Face directory (read lazily), or neither: the readers say what is missing.
  const read = readModelWeights(path, ir);
  if (!read.value) return read as Result<undefined>;
  return { value: mapWeightSource(ir, read.value), diagnostics: read.diagnostics };
}
