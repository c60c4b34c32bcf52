/**
 * TensorFlow.js target — LoRA adapters in the training graph (docs/training.md §LoRA).
 *
 * The base weights are non-trainable variables (no gradient, no optimizer state); each adapted
 * projection has trainable A [in, r] and B [r, out] beside it in the model's variable map, named
 * `<projection>.lora_A.weight` / `.lora_B.weight` (src/ir/lora.ts). While a pass runs, `linear`
 * adds `scale · dropout(x)·A·B` to `x·W` for every weight with an adapter (adapter-scope.ts) —
 * PEFT's Linear.forward: `result + lora_B(lora_A(dropout(x))) * scaling`
 * (peft/tuners/lora/layer.py). Dropout acts on the adapter's input only, in training, with a
 * seed derived from the step seed and the projection, so recompute redraws the same mask.
 */
import * as tf from '@tensorflow/tfjs';
import { loraA, loraB, loraModules, loraTensors, type LoraModule } from '../../ir/lora.js';
import type { LoraIR, ModelIR } from '../../ir/types.js';
import { withAdapters, type ActiveAdapter } from './adapter-scope.js';
import { noiseSeed } from './decoder.js';
import { matMul2d } from './matmul.js';
import type { ModelVariables } from './variables.js';

export interface LoraRuntime {
  readonly lora: LoraIR;
  readonly modules: readonly LoraModule[];
  /** The adapter variables (trainable), A then B per module, in IR order. */
  readonly adapters: ModelVariables;
  /** Run `fn` with the adapters in effect. */
  run<T>(training: boolean, seed: number, fn: () => T): T;
}

/** A stable small integer per projection name, so each adapter draws its own dropout mask. */
function nameSalt(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Add adapter variables for `ir.train.lora` to `vars` (whose base weights the caller created
 * frozen) from `values` (initLoraWeights, or a checkpoint), and return the runtime.
 */
export function createLoraRuntime(ir: ModelIR, vars: ModelVariables, values: ReadonlyMap<string, Float32Array>): LoraRuntime {
  const lora = ir.train.lora;
  if (!lora) throw new Error('createLoraRuntime: the spec has no train.lora block');
  const modules = loraModules(ir, lora);
  const adapters: ModelVariables = new Map();
  for (const t of loraTensors(modules, lora.rank)) {
    const data = values.get(t.name);
    if (!data || data.length !== t.shape[0] * t.shape[1]) throw new Error(`moec: adapter tensor \`${t.name}\` is missing or misshapen`);
    const init = tf.tensor2d(data, t.shape);
    const v = tf.variable(init, true, t.name);
    init.dispose();
    adapters.set(t.name, v);
    vars.set(t.name, v);
  }

  const table = (training: boolean, seed: number): Map<tf.Tensor, ActiveAdapter> => {
    const out = new Map<tf.Tensor, ActiveAdapter>();
    for (const m of modules) {
      const base = vars.get(`${m.prefix}.weight`);
      if (!base) throw new Error(`moec: no base weight for adapter ${m.prefix}`);
      const a = adapters.get(loraA(m.prefix))!;
      const b = adapters.get(loraB(m.prefix))!;
      const drop = training && lora.dropout > 0;
      const salt = nameSalt(m.prefix);
      out.set(base, {
        delta: (x) => {
          const xin = drop ? tf.dropout(x, lora.dropout, undefined, noiseSeed(seed, salt, 5)) : x;
          return tf.mul(matMul2d(matMul2d(xin, a), b), lora.scale);
        },
      });
    }
    return out;
  };

  return { lora, modules, adapters, run: (training, seed, fn) => withAdapters(table(training, seed), fn) };
}
