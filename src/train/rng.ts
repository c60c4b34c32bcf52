/**
 * Training phase — random numbers. The data sampler draws from a xoroshiro128+ generator
 * (pure-rand) whose state is plain numbers, so it is checkpointed in state.json and a resumed
 * run continues the exact sequence. Randomness inside a step (router jitter, dropout) uses
 * `stepSeed`, a pure function of (seed, step, micro-step): no state to save, and a resumed
 * step draws the same noise as the uninterrupted one.
 */
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';

export interface Rng {
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** The generator state, JSON-serialisable. */
  state(): number[];
}

function wrap(gen: ReturnType<typeof xoroshiro128plus>): Rng {
  return {
    int: (n) => uniformInt(gen, 0, n - 1),
    state: () => [...gen.getState()],
  };
}

export function createRng(seed: number): Rng {
  return wrap(xoroshiro128plus(seed | 0));
}

export function restoreRng(state: readonly number[]): Rng {
  return wrap(xoroshiro128plusFromState(state));
}

/** murmur3's 32-bit finaliser: a cheap, well-mixed hash of one word. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit seed for the randomness of one micro-step; distinct streams for distinct (step, micro). */
export function stepSeed(seed: number, step: number, micro = 0): number {
  return fmix32(fmix32(fmix32(seed >>> 0) ^ (step >>> 0)) ^ Math.imul(micro + 1, 0x9e3779b9));
}
