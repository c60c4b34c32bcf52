import type * as tfjs from '@tensorflow/tfjs';

/** See expert-ffn.mjs. */
export function createExperts(
  tf: typeof tfjs,
  first: number,
  count: number,
  hidden: number,
  ffn: number,
): (x: Float32Array, r: Float32Array, capacity: number, out: Float32Array) => void;
