/** Test helper: a small valid MoE spec to mutate, one rule at a time. */
import type { ModelSpec } from '../../src/spec/types.js';

export function baseSpec(): ModelSpec {
  return {
    name: 'base',
    vocab: 256,
    hidden: 64,
    layers: 4,
    context: 128,
    attention: { heads: 4, kv_heads: 2, rope: { theta: 10000 } },
    dense: { ffn: 128, layers: '0..0' },
    moe: {
      layers: '1..3',
      experts: { count: 8, ffn: 64 },
      shared: { count: 1, ffn: 64 },
      router: { top_k: 2, aux_loss: 0.01 },
    },
    train: { optimizer: { type: 'adamw', lr: 1e-3 }, schedule: { type: 'cosine', warmup: 10 }, batch: 8, steps: 100 },
  };
}
