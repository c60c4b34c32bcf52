/**
 * Weights phase — the seeded initializer (docs/weights.md) as a weight source: each tensor is
 * generated when it is read, on every thread of the kernel pool when the caller gives shared
 * memory, and nothing is kept. The values are the same whichever threads make them.
 */
import type { ModelIR, TensorIR } from '../ir/types.js';
import type { KernelPool } from '../parallel/kernel-pool.js';
import { initTensor } from './init-weights.js';
import type { WeightSource } from './weight-source.js';

export function seededSource(ir: Pick<ModelIR, 'tensors'>, seed: number, pool?: KernelPool): WeightSource {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seededSource: seed must be a safe integer, got ${seed}`);
  const byName = new Map<string, TensorIR>(ir.tensors.map((t) => [t.name, t]));
  return {
    from: `init seed ${seed}`,
    metadata: [
      ['moec.weights', 'init'],
      ['moec.seed', String(seed)],
    ],
    generates: true,
    begin: () => undefined,
    read: (name, out) => {
      const t = byName.get(name);
      if (!t) throw new Error(`internal: no IR tensor named ${name}`);
      return { value: initTensor(t, seed, out, pool), diagnostics: [] };
    },
    end: () => [],
    readBytes: (name) => 4 * (byName.get(name)?.shape.reduce((a, b) => a * b, 1) ?? 0),
    close: () => undefined,
  };
}
