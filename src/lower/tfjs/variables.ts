/**
 * TensorFlow.js target — the model's variables: one tf.Variable per IR tensor, named exactly
 * as the IR names it (so gradients, optimizer slots and checkpoints share keys), in IR order
 * (tfjs optimizers match slots by position). Experts keep one 2-D variable per matrix:
 * slicing a stacked [E, in, out] weight every step cost more than half the step on wasm.
 * `router.score_bias` (aux-loss-free balancing) is a non-trainable buffer.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelIR } from '../../ir/types.js';

/** IR name → variable, in IR order. */
export type ModelVariables = Map<string, tf.Variable>;

/**
 * Create the variables from initial values (initWeights, or a checkpoint). Variable names are
 * global in tfjs: dispose a model's variables (`disposeVariables`) before creating another
 * with the same names in one process.
 */
export function createVariables(ir: Pick<ModelIR, 'tensors'>, weights: Map<string, Float32Array>, options: { frozen?: boolean } = {}): ModelVariables {
  const vars: ModelVariables = new Map();
  try {
    for (const t of ir.tensors) {
      const data = weights.get(t.name);
      const size = t.shape.reduce((a, b) => a * b, 1);
      if (!data) throw new Error(`moec: no initial value for tensor \`${t.name}\``);
      if (data.length !== size) throw new Error(`moec: tensor \`${t.name}\` has ${data.length} values, shape [${t.shape}] needs ${size}`);
      const init = tf.tensor(data, t.shape, 'float32');
      // frozen: LoRA's base weights — no gradient, no optimizer state (lora.ts).
      vars.set(t.name, tf.variable(init, t.trainable && !options.frozen, t.name));
      init.dispose();
    }
  } catch (err) {
    disposeVariables(vars);
    throw err;
  }
  return vars;
}

export function disposeVariables(vars: ModelVariables): void {
  for (const v of vars.values()) v.dispose();
  vars.clear();
}
