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
import type { KernelPool } from '../parallel/kernel-pool.js';
import { fillNormalKernel, type NormalArgs } from './normal-kernel.js';

/** Below this many values one thread is faster than handing chunks to workers. */
const PARALLEL_MIN = 1 << 20;
/** Values per chunk (a multiple of 4: whole Philox blocks). */
const NORMAL_CHUNK = 1 << 18;

/** The Philox key of one tensor's stream. */
export function streamKey(seed: number, name: string): [number, number] {
  const digest = createHash('sha256').update(`moec-init-v1\0${seed}\0${name}`).digest();
  return [digest.readUInt32LE(0), digest.readUInt32LE(4)];
}

/** Fill `out` with N(0, std²) samples from the stream of (seed, name). */
export function fillNormal(out: Float32Array, std: number, seed: number, name: string, pool?: KernelPool): void {
  const [k0, k1] = streamKey(seed, name);
  const args: NormalArgs = { out, std, k0, k1 };
  // Parallel only when the tensor is large enough to repay a worker hand-off, and only into
  // shared memory (workers cannot see an ordinary ArrayBuffer).
  if (pool && out.length >= PARALLEL_MIN && out.buffer instanceof SharedArrayBuffer) pool.run(fillNormalKernel, args, 0, out.length, NORMAL_CHUNK);
  else fillNormalKernel(args, 0, out.length);
}

/**
 * One tensor's initial values, into `out` when given (its length must be the tensor's size;
 * a SharedArrayBuffer-backed `out` lets `pool` generate it on several threads).
 */
export function initTensor(tensor: TensorIR, seed: number, out?: Float32Array, pool?: KernelPool): Float32Array {
  const size = tensor.shape.reduce((a, b) => a * b, 1);
  if (out && out.length !== size) throw new Error(`internal: initTensor ${tensor.name} into ${out.length} values, expected ${size}`);
  const values = out ?? new Float32Array(size);
  switch (tensor.init.kind) {
    case 'zeros':
      values.fill(0);
      break;
    case 'ones':
      values.fill(1);
      break;
    case 'normal':
      fillNormal(values, tensor.init.std, seed, tensor.name, pool);
      break;
  }
  return values;
}

/** Every parameter tensor of the model, keyed by IR name, in IR order. */
export function initWeights(ir: Pick<ModelIR, 'tensors'>, seed: number): Map<string, Float32Array> {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`initWeights: seed must be a safe integer, got ${seed}`);
  const weights = new Map<string, Float32Array>();
  for (const tensor of ir.tensors) weights.set(tensor.name, initTensor(tensor, seed));
  return weights;
}
