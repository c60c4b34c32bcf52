/**
 * Training phase — batches from the token stream. The stream is cut into samples of seq_len+1
 * tokens with stride seq_len (Megatron's GPT dataset: each sample's last token is the next
 * sample's first); input = sample[0..S), target = sample[1..S]. Each epoch visits every sample
 * once in an order shuffled by a seeded RNG (Fisher–Yates). The sampler's state — epoch, cursor
 * and the RNG state the epoch's order was drawn from — goes into the checkpoint, so a resumed
 * run draws exactly the batches the uninterrupted run would have.
 */
import type { TokenIds } from './corpus.js';
import { createRng, restoreRng, type Rng } from './rng.js';

export interface SamplerState {
  epoch: number;
  /** Next position in this epoch's order. */
  cursor: number;
  /** RNG state before this epoch's order was drawn. */
  epochRng: number[];
  /** RNG state to draw the next epoch's order from. */
  nextRng: number[];
}

export interface Batch {
  /** [rows, seqLen] row-major. */
  inputs: Int32Array;
  targets: Int32Array;
  rows: number;
  seqLen: number;
  /** Packed rows (packing.ts): 1 = real token, 0 = padding. */
  valid?: Uint8Array;
  /** Packed rows: document index within the row (−1 padding) and position inside it. */
  segments?: Int32Array;
  positions?: Int32Array;
}

export interface Sampler {
  readonly samples: number;
  next(rows: number): Batch;
  state(): SamplerState;
}

function shuffled(n: number, rng: Rng): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

/** Samples available from `tokens` at `seqLen` (0 when one sample does not fit). */
export function sampleCount(tokens: number, seqLen: number): number {
  return tokens > seqLen ? Math.floor((tokens - 1) / seqLen) : 0;
}

export function createSampler(tokens: TokenIds, seqLen: number, seed: number, restore?: SamplerState): Sampler {
  const samples = sampleCount(tokens.length, seqLen);
  if (samples === 0) throw new Error('createSampler: corpus shorter than one sample (checked by the caller)');
  let epoch: number;
  let cursor: number;
  let epochRngState: number[];
  let rng: Rng;
  if (restore) {
    epoch = restore.epoch;
    cursor = restore.cursor;
    epochRngState = restore.epochRng;
    rng = restoreRng(epochRngState);
  } else {
    epoch = 0;
    cursor = 0;
    rng = createRng(seed);
    epochRngState = rng.state();
  }
  let order = shuffled(samples, rng);

  return {
    samples,
    next(rows) {
      const inputs = new Int32Array(rows * seqLen);
      const targets = new Int32Array(rows * seqLen);
      for (let r = 0; r < rows; r++) {
        if (cursor === samples) {
          epoch += 1;
          cursor = 0;
          epochRngState = rng.state();
          order = shuffled(samples, rng);
        }
        const start = order[cursor++]! * seqLen;
        for (let s = 0; s < seqLen; s++) {
          inputs[r * seqLen + s] = tokens[start + s]!;
          targets[r * seqLen + s] = tokens[start + s + 1]!;
        }
      }
      return { inputs, targets, rows, seqLen };
    },
    state() {
      return { epoch, cursor, epochRng: [...epochRngState], nextRng: rng.state() };
    },
  };
}
