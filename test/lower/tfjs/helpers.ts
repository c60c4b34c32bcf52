/** Shared helpers for the TensorFlow.js target tests. */
import * as tf from '@tensorflow/tfjs';
import type { ModelIR } from '../../../src/ir/types.js';
import { selectBackend } from '../../../src/lower/tfjs/backend.js';
import { createTfjsModel, type ModelOptions, type TfjsModel } from '../../../src/lower/tfjs/model.js';
import { createVariables, disposeVariables } from '../../../src/lower/tfjs/variables.js';

/** Make `name` active; for wasm, on `threads` threads (default: the available cores). */
export async function useBackend(name: 'cpu' | 'wasm', threads?: number): Promise<void> {
  const sel = await selectBackend(name, name === 'wasm' && threads !== undefined ? { threads } : {});
  if (sel.kind !== name) throw new Error(`backend ${name} unavailable`);
  if (threads !== undefined && name === 'wasm' && sel.threads !== threads) throw new Error(`wasm runs ${sel.threads} threads, not ${threads}: ${sel.warnings.map((w) => w.message).join('; ')}`);
}

/** The backends numerical tests run on: cpu, and wasm single- and multi-threaded. */
export const NUMERIC_BACKENDS = [
  { label: 'cpu', name: 'cpu', threads: undefined },
  { label: 'wasm, 1 thread', name: 'wasm', threads: 1 },
  { label: 'wasm, 2 threads', name: 'wasm', threads: 2 },
] as const;

/** Build a model over fresh variables, run `body`, dispose the variables. */
export async function withModel<T>(
  ir: ModelIR,
  weights: Map<string, Float32Array>,
  body: (model: TfjsModel) => T | Promise<T>,
  options: ModelOptions = {},
): Promise<T> {
  const vars = createVariables(ir, weights);
  try {
    return await body(createTfjsModel(ir, vars, options).model);
  } finally {
    disposeVariables(vars);
  }
}

export function ids2d(ids: number[][]): tf.Tensor2D {
  return tf.tensor2d(ids, [ids.length, ids[0]!.length], 'int32');
}

/** max |a − b| / (1 + |b|) over paired entries. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  return m;
}
