/**
 * Training phase — optimizers over explicit tf.Variables, with state this module owns (slot
 * variables, the step, Adam's running β-products as float64 numbers) so a checkpoint restores
 * it bit-exactly; tfjs's own Adam recomputes βᵗ with pow on restore and drifts (TFJS-NOTES).
 *
 * Update rules follow PyTorch's (torch.optim), the reference most users know:
 * - adamw: decoupled weight decay, p ← p·(1 − lr·wd), then Adam with bias correction.
 * - adam: L2 penalty folded into the gradient, g ← g + wd·p (torch.optim.Adam's weight_decay).
 * - sgd: g ← g + wd·p, p ← p − lr·g.   momentum: buf ← μ·buf + g, p ← p − lr·buf.
 * Weight decay skips vectors (biases, norm weights) as Megatron-LM and Hugging Face do.
 * adafactor and lion are rejected by `checkOptimizer` before training starts.
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerState, OptimizerSnapshot } from '../checkpoint/index.js';
import type { TensorIR, TrainIR } from '../ir/types.js';

export const SUPPORTED_OPTIMIZERS = ['adamw', 'adam', 'sgd', 'momentum'] as const;
export type SupportedOptimizer = (typeof SUPPORTED_OPTIMIZERS)[number];

export function isSupportedOptimizer(type: string): type is SupportedOptimizer {
  return (SUPPORTED_OPTIMIZERS as readonly string[]).includes(type);
}

/** Decay matrices (embeddings, projections, experts, router); not biases or norm weights. */
export function decays(t: Pick<TensorIR, 'shape' | 'group' | 'name'>): boolean {
  return t.shape.length >= 2 && t.group !== 'norms' && !t.name.endsWith('.bias');
}

export interface Optimizer {
  readonly kind: SupportedOptimizer;
  /** Optimizer steps taken. */
  readonly step: number;
  /** One update of every parameter that has a gradient. `grads` are not disposed here. */
  apply(params: ReadonlyMap<string, tf.Variable>, grads: ReadonlyMap<string, tf.Tensor>, lr: number): void;
  snapshot(): OptimizerSnapshot;
  /** Load state saved by `snapshot` (through a checkpoint); a reason string when it does not fit. */
  restore(state: OptimizerState): string | undefined;
  dispose(): void;
}

type Hyper = TrainIR['optimizer'];

/** Slots each optimizer keeps per parameter. */
const SLOTS: Record<SupportedOptimizer, string[]> = { adamw: ['m', 'v'], adam: ['m', 'v'], sgd: [], momentum: ['buf'] };

export function createOptimizer(hyper: Hyper, params: readonly Pick<TensorIR, 'name' | 'shape' | 'group'>[]): Optimizer {
  if (!isSupportedOptimizer(hyper.type)) throw new Error(`optimizer ${hyper.type} reached createOptimizer unchecked`);
  const kind = hyper.type;
  const slotNames = SLOTS[kind];
  // slots.get(slot).get(param): created lazily at zero, in parameter order (deterministic).
  const slots = new Map(slotNames.map((s) => [s, new Map<string, tf.Variable>()]));
  const decayOf = new Map(params.map((p) => [p.name, decays(p)]));
  const order = params.map((p) => p.name);
  const shapes = new Map(params.map((p) => [p.name, p.shape]));
  let step = 0;
  // Running products β₁ᵗ, β₂ᵗ kept in float64 and saved, so bias correction is identical after resume.
  let beta1Power = 1;
  let beta2Power = 1;

  const slot = (s: string, name: string): tf.Variable => {
    const table = slots.get(s)!;
    let v = table.get(name);
    if (!v) {
      v = tf.variable(tf.zeros(shapes.get(name)!), false, `moec/opt/${s}/${name}`);
      table.set(name, v);
    }
    return v;
  };
  for (const s of slotNames) for (const n of order) slot(s, n);

  const applyOne = (p: tf.Variable, g: tf.Tensor, name: string, lr: number): void => {
    const wd = decayOf.get(name) ? hyper.weightDecay : 0;
    tf.tidy(() => {
      if (kind === 'adamw' || kind === 'adam') {
        const grad = kind === 'adam' && wd > 0 ? g.add(p.mul(wd)) : g;
        const m = slot('m', name);
        const v = slot('v', name);
        m.assign(m.mul(hyper.beta1).add(grad.mul(1 - hyper.beta1)));
        v.assign(v.mul(hyper.beta2).add(grad.square().mul(1 - hyper.beta2)));
        const bc1 = 1 - beta1Power;
        const bc2 = 1 - beta2Power;
        const denom = v.sqrt().div(Math.sqrt(bc2)).add(hyper.eps);
        const base = kind === 'adamw' && wd > 0 ? p.mul(1 - lr * wd) : p;
        p.assign(base.sub(m.div(denom).mul(lr / bc1)));
      } else if (kind === 'momentum') {
        const grad = wd > 0 ? g.add(p.mul(wd)) : g;
        const buf = slot('buf', name);
        // PyTorch's first step initialises the buffer to the gradient; μ·0 + g is the same.
        buf.assign(buf.mul(hyper.momentum).add(grad));
        p.assign(p.sub(buf.mul(lr)));
      } else {
        const grad = wd > 0 ? g.add(p.mul(wd)) : g;
        p.assign(p.sub(grad.mul(lr)));
      }
    });
  };

  return {
    kind,
    get step() {
      return step;
    },
    apply(paramsMap, grads, lr) {
      step += 1;
      beta1Power *= hyper.beta1;
      beta2Power *= hyper.beta2;
      for (const name of order) {
        const g = grads.get(name);
        const p = paramsMap.get(name);
        if (g && p) applyOne(p, g, name, lr);
      }
    },
    snapshot() {
      const tensors = new Map<string, tf.Variable>();
      for (const s of slotNames) for (const n of order) tensors.set(`${s}/${n}`, slot(s, n));
      return {
        kind,
        hyper: { lr: hyper.lr, beta1: hyper.beta1, beta2: hyper.beta2, eps: hyper.eps, weightDecay: hyper.weightDecay, momentum: hyper.momentum },
        step,
        scalars: { beta1Power, beta2Power },
        slots: slotNames,
        tensors,
      };
    },
    restore(state) {
      if (state.kind !== kind) return `the checkpoint's optimizer is ${state.kind}, the spec's is ${kind}`;
      for (const s of slotNames) {
        for (const n of order) {
          const data = state.tensors.get(`${s}/${n}`);
          if (!data) return `slot ${s}/${n} is missing`;
          const v = slot(s, n);
          if (data.length !== v.size) return `slot ${s}/${n} has ${data.length} values, expected ${v.size}`;
          v.assign(tf.tensor(data, v.shape, 'float32'));
        }
      }
      step = state.step;
      beta1Power = state.scalars.beta1Power ?? Math.pow(hyper.beta1, step);
      beta2Power = state.scalars.beta2Power ?? Math.pow(hyper.beta2, step);
      return undefined;
    },
    dispose() {
      for (const table of slots.values()) for (const v of table.values()) v.dispose();
      slots.clear();
    },
  };
}
