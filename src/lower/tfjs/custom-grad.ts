/**
 * TensorFlow.js target — a typed wrapper over tf.customGrad. tfjs types the forward as a
 * variadic `(...inputs: (Tensor | GradSaveFunc)[])`, which a fixed-arity function does not
 * satisfy; the wrapper keeps the call sites typed.
 */
import * as tf from '@tensorflow/tfjs';

export interface CustomResult {
  value: tf.Tensor;
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];
}

type Forward<A extends tf.Tensor[]> = (...args: [...A, tf.GradSaveFunc]) => CustomResult;

export function customOp<A extends tf.Tensor[]>(forward: Forward<A>): (...inputs: A) => tf.Tensor {
  const op = tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad>[0]);
  return (...inputs: A) => op(...inputs) as tf.Tensor;
}
