/**
 * Weights phase — seeded, deterministic initialization of every IR parameter tensor from its
 * `init` (src/ir/tensors.ts): N(0, std²), ones or zeros. Used by `moec compile` (ONNX, when no
 * checkpoint is given) and by the TensorFlow.js trainer's first step, so both start from the same
 * numbers. The algorithm is specified in docs/weights.md so any language can reproduce it:
 *
 *   key(seed, name)  = first 8 bytes of sha256("moec-init-v1\0" + seed + "\0" + name), two LE uint32
 *   block i          = Philox4x32-10(counter = (i, 0, 0, 0), key)
 *   uniform u(w)     = (w + 0.5) / 2^32                       (never 0 or 1)
 *   Box–Muller       = words (w0, w1) → r = √(−2 ln u(w0)), θ = 2π u(w1) → r cos θ, r sin θ;
 *                      (w2, w3) likewise; so block i yields elements 4i … 4i+3
 *   value            = float32(std · z)
 *
 * Each tensor's stream depends only on the seed and its name: adding, removing or reordering
 * tensors never changes another tensor's values.
 */
import { createHash } from 'node:crypto';
import type { ModelIR, TensorIR } from '../ir/types.js';
import { philox4x32 } from './philox.js';

const INV_2_32 = 1 / 4294967296;
const TWO_PI = 2 * Math.PI;

/** The Philox key of one tensor's stream. */
export function streamKey(seed: number, name: string): [number, number] {
  const digest = createHash('sha256').update(`moec-init-v1\0${seed}\0${name}`).digest();
  return [digest.readUInt32LE(0), digest.readUInt32LE(4)];
}

/** Fill `out` with N(0, std²) samples from the stream of (seed, name). */
export function fillNormal(out: Float32Array, std: number, seed: number, name: string): void {
  const [k0, k1] = streamKey(seed, name);
  const words = new Uint32Array(4);
  const n = out.length;
  // A Float32Array holds fewer than 2^32 elements, so the block index always fits counter word 0.
  for (let i = 0, j = 0; j < n; i++, j += 4) {
    philox4x32(i, 0, 0, 0, k0, k1, words);
    const r0 = Math.sqrt(-2 * Math.log((words[0] + 0.5) * INV_2_32));
    const t0 = TWO_PI * ((words[1] + 0.5) * INV_2_32);
    out[j] = std * r0 * Math.cos(t0);
    if (j + 1 < n) out[j + 1] = std * r0 * Math.sin(t0);
    if (j + 2 < n) {
      const r1 = Math.sqrt(-2 * Math.log((words[2] + 0.5) * INV_2_32));
      const t1 = TWO_PI * ((words[3] + 0.5) * INV_2_32);
      out[j + 2] = std * r1 * Math.cos(t1);
      if (j + 3 < n) out[j + 3] = std * r1 * Math.sin(t1);
    }
  }
}

/** One tensor's initial values. */
export function initTensor(tensor: TensorIR, seed: number): Float32Array {
  const size = tensor.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  switch (tensor.init.kind) {
    case 'zeros':
      break;
    case 'ones':
      out.fill(1);
      break;
    case 'normal':
      fillNormal(out, tensor.init.std, seed, tensor.name);
      break;
  }
  return out;
}

/** Every parameter tensor of the model, keyed by IR name, in IR order. */
export function initWeights(ir: Pick<ModelIR, 'tensors'>, seed: number): Map<string, Float32Array> {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`initWeights: seed must be a safe integer, got ${seed}`);
  const weights = new Map<string, Float32Array>();
  for (const tensor of ir.tensors) weights.set(tensor.name, initTensor(tensor, seed));
  return weights;
}
