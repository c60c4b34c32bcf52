/** Hand-built spec objects for the IR and analysis tests (no parser needed). */
import type { ModelSpec } from '../../src/spec/types.js';

/** specs/tiny.moe as a spec object. */
export const tinySpec: ModelSpec = {
  name: 'tiny',
  vocab: 256,
  hidden: 64,
  layers: 2,
  context: 128,
  norm: { type: 'rmsnorm', eps: 1e-6 },
  attention: { heads: 4, kv_heads: 2, head_dim: 16, rope: { theta: 10000 } },
  moe: {
    experts: { count: 4, ffn: 128, activation: 'swiglu' },
    shared: { count: 1, ffn: 64 },
    router: { top_k: 2, score: 'softmax', norm_topk: true, capacity_factor: 1.5, overflow: 'drop', aux_loss: 0.01, z_loss: 0.001 },
  },
  train: { optimizer: { type: 'adamw', lr: 3e-3, weight_decay: 0.01 }, batch: 8, seq_len: 64, steps: 200, seed: 1234 },
};
