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
export function createVariables(ir: Pick<ModelIR, 'tensors'>, weights: Map<string, Float32Array>): ModelVariables {
  const vars: ModelVariables = new Map();
  try {
    for (const t of ir.tensors) {
      const data = weights.get(t.name);
      const size = t.shape.reduce((a, b) => a * b, 1);
      if (!data) throw new Error(`moec: no initial value for tensor \`${t.name}\``);
      if (data.length !== size) throw new Error(`moec: tensor \`${t.name}\` has ${data.length} values, shape [${t.shape}] needs ${size}`);
      const init = tf.tensor(data, t.shape, 'float32');
      vars.set(t.name, tf.variable(init, t.trainable, t.name));
      init.dispose();
    }
  } catch (err) {
    disposeVariables(vars);
    throw err;
  }
  return vars;
}

/** Current values, copied out (for checkpoints and the ONNX export). */
export function readVariables(vars: ModelVariables): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of vars) out.set(name, v.dataSync() as Float32Array);
  return out;
}

/** Overwrite variable values in place (resume); shapes must match. */
export function assignVariables(vars: ModelVariables, values: Map<string, Float32Array>): void {
  for (const [name, data] of values) {
    const v = vars.get(name);
    if (!v) throw new Error(`moec: no variable \`${name}\``);
    if (data.length !== v.size) throw new Error(`moec: \`${name}\` has ${data.length} values, needs ${v.size}`);
    tf.tidy(() => v.assign(tf.tensor(data, v.shape, 'float32')));
  }
}

export function disposeVariables(vars: ModelVariables): void {
  for (const v of vars.values()) v.dispose();
  vars.clear();
}
