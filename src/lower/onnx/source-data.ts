/**
 * ONNX target — a weight source (src/weights/weight-source.ts) as the writer's data context:
 * each read asks the source for one tensor (into the pool's shared input buffer when the tensor
 * is large enough for its threads), checks its length, and turns a source's diagnostics into a
 * SourceFailure the writer reports; `finish` ends the source's pass.
 */
import type { ModelIR } from '../../ir/types.js';
import type { KernelPool } from '../../parallel/kernel-pool.js';
import type { WeightSource } from '../../weights/weight-source.js';
import type { EmittedGraph } from './emit-model.js';
import { SourceFailure, type Conversion, type DataContext } from './initializer-data.js';
import { PARALLEL_MIN } from './quantize-tensor.js';

export function sourceDataContext(ir: Pick<ModelIR, 'tensors'>, source: WeightSource, pool: KernelPool, ms: { weights: number }): DataContext {
  const sizes = new Map(ir.tensors.map((t) => [t.name, t.shape.reduce((a, b) => a * b, 1)]));
  return {
    pool,
    read(name) {
      const start = performance.now();
      const size = sizes.get(name);
      if (size === undefined) throw new Error(`internal: no IR tensor named ${name}`);
      // The pool's input buffer, reused: each read's values are converted and written before the next read.
      const out = pool.threads > 1 && size >= PARALLEL_MIN ? pool.scratch.float32('input', size) : undefined;
      const r = source.read(name, out);
      ms.weights += performance.now() - start;
      if (!r.value) throw new SourceFailure(r.diagnostics);
      if (r.value.length !== size) throw new Error(`internal: weight source gave ${r.value.length} values for ${name}, expected ${size}`);
      return r.value;
    },
    finish: () => source.end(),
  };
}

/** The IR tensors a graph's conversions read, in the order the writer reads them. */
export function readOrder(graph: EmittedGraph): string[] {
  const seen = new Set<Conversion>();
  const order: string[] = [];
  for (const t of graph.model.graph!.initializer!) {
    const d = graph.deferred.get(t.name!);
    if (!d || seen.has(d.conversion)) continue;
    seen.add(d.conversion);
    order.push(...d.conversion.inputs);
  }
  return order;
}
