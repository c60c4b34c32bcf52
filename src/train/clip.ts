/**
 * Training phase — global-norm gradient clipping (torch.nn.utils.clip_grad_norm_, Megatron):
 * ‖g‖ = sqrt(Σ over every gradient of Σ g²); when ‖g‖ > max, every gradient is scaled by
 * max / (‖g‖ + 1e-6). The norm before clipping is returned for metrics.jsonl.
 */
import * as tf from '@tensorflow/tfjs';

export interface Clipped {
  grads: Map<string, tf.Tensor>;
  /** Global norm before clipping. */
  norm: number;
  clipped: boolean;
}

/** Clip `grads` in place of the map (old tensors are disposed when replaced). `maxNorm` 0 disables. */
export function clipByGlobalNorm(grads: Map<string, tf.Tensor>, maxNorm: number): Clipped {
  const norm = tf.tidy(() => {
    const squares = [...grads.values()].map((g) => g.square().sum());
    return tf.addN(squares).sqrt();
  });
  const value = norm.dataSync()[0]!;
  norm.dispose();
  if (!(maxNorm > 0) || !(value > maxNorm) || !Number.isFinite(value)) return { grads, norm: value, clipped: false };
  const scale = maxNorm / (value + 1e-6);
  for (const [name, g] of grads) {
    grads.set(name, tf.tidy(() => g.mul(scale)));
    g.dispose();
  }
  return { grads, norm: value, clipped: true };
}
