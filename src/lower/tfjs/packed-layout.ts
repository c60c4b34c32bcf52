/**
 * TensorFlow.js target — packed sequences (docs/training.md §Packing): several documents share
 * one row of a batch, and each must see only itself. A layout gives every position its segment
 * (document within the row; padding is its own segment −1) and its position inside that
 * document. Attention then masks keys of other segments (block-diagonal causal, plus the
 * sliding window), and RoPE rotates by the in-document position, which restarts at 0 — what
 * transformers computes for TRL's packed batches from `position_ids`
 * (DataCollatorWithFlattening / flash-attention varlen; trl/trainer/sft_trainer.py
 * get_position_ids_from_packed_seq_lengths). Without a layout a row is one sequence.
 */
import * as tf from '@tensorflow/tfjs';
import { ropeCosSinFactor, ropeInvFreq } from '../../ir/rope.js';
import type { RopeIR } from '../../ir/types.js';

export interface PackedLayout {
  batch: number;
  seq: number;
  /** [batch·seq] row-major: the document each position belongs to (−1: padding). */
  segments: Int32Array;
  /** [batch·seq]: position inside its document (0 at each document's first token). */
  positions: Int32Array;
}

/** Additive mask [batch, 1, seq, seq]: 0 where key ≤ query in the same segment (and within the window), −1e9 elsewhere. */
export function packedMask(l: PackedLayout, window?: number): tf.Tensor {
  const { batch: b, seq: s, segments } = l;
  const m = new Float32Array(b * s * s).fill(-1e9);
  for (let r = 0; r < b; r++) {
    const o = r * s;
    for (let q = 0; q < s; q++) {
      for (let k = 0; k <= q; k++) {
        if (segments[o + k] !== segments[o + q]) continue;
        if (window !== undefined && q - k >= window) continue;
        m[(o + q) * s + k] = 0;
      }
    }
  }
  return tf.tensor4d(m, [b, 1, s, s]);
}

/** cos/sin tables [batch, seq, 1, dim/2] at each position's in-document position. */
export function packedRopeTables(l: PackedLayout, rope: RopeIR): { cos: tf.Tensor; sin: tf.Tensor } {
  const half = rope.dim / 2;
  const invFreq = ropeInvFreq(rope);
  const factor = ropeCosSinFactor(rope);
  const n = l.batch * l.seq;
  const cos = new Float32Array(n * half);
  const sin = new Float32Array(n * half);
  for (let t = 0; t < n; t++) {
    const p = l.positions[t]!;
    for (let i = 0; i < half; i++) {
      const angle = p * invFreq[i]!;
      cos[t * half + i] = factor * Math.cos(angle);
      sin[t * half + i] = factor * Math.sin(angle);
    }
  }
  return { cos: tf.tensor4d(cos, [l.batch, l.seq, 1, half]), sin: tf.tensor4d(sin, [l.batch, l.seq, 1, half]) };
}
