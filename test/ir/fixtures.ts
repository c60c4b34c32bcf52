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

/** specs/mixtral-8x7b.moe as a spec object (the parser tests check the file parses to the same counts). */
export const mixtralSpec: ModelSpec = {
  name: 'mixtral-8x7b',
  vocab: 32000,
  hidden: 4096,
  layers: 32,
  context: 32768,
  norm: { type: 'rmsnorm', eps: 1e-5 },
  attention: { heads: 32, kv_heads: 8, head_dim: 128, rope: { theta: 1e6 } },
  moe: { experts: { count: 8, ffn: 14336, activation: 'swiglu' }, router: { top_k: 2, score: 'softmax', norm_topk: true, aux_loss: 0.01 } },
  parallel: { data: 16, pipeline: 4, expert: 8, zero: 1, micro_batch: 1, device: { name: 'h100', memory: 80 * 2 ** 30, tflops: 989 } },
  quantize: { default: { dtype: 'bf16' }, experts: { dtype: 'int4', block: 32 }, attention: { dtype: 'int8' } },
  train: { batch: 256, seq_len: 4096, precision: 'bf16', checkpointing: 'selective' },
};

export const deepseekMoe16bSpec: ModelSpec = {
  name: 'deepseek-moe-16b',
  vocab: 102400,
  hidden: 2048,
  layers: 28,
  context: 4096,
  attention: { heads: 16, head_dim: 128 },
  dense: { ffn: 10944, layers: '0..0' },
  moe: {
    layers: '1..27',
    experts: { count: 64, ffn: 1408 },
    shared: { count: 2, ffn: 1408 },
    router: { top_k: 6, norm_topk: false, aux_loss: 0.001 },
  },
  parallel: { data: 8, pipeline: 2, expert: 8, zero: 1, device: { name: 'h100', memory: 80 * 2 ** 30 } },
  train: { batch: 4608, seq_len: 4096, precision: 'bf16', checkpointing: 'selective' },
};

export const deepseekV3Spec: ModelSpec = {
  name: 'deepseek-v3',
  vocab: 129280,
  hidden: 7168,
  layers: 61,
  context: 4096,
  attention: {
    heads: 128,
    mla: { q_lora_rank: 1536, kv_lora_rank: 512, qk_nope_head_dim: 128, qk_rope_head_dim: 64, v_head_dim: 128 },
  },
  dense: { ffn: 18432, layers: '0..2' },
  moe: {
    layers: '3..60',
    experts: { count: 256, ffn: 2048 },
    shared: { count: 1, ffn: 2048 },
    router: { top_k: 8, score: 'sigmoid', scaling: 2.5, groups: 8, top_groups: 4, group_score: 'top2_sum', bias_update: 0.001, aux_loss: 0.0001, aux_loss_type: 'sequence' },
  },
  mtp: { depth: 1 },
  parallel: { world: 2048, data: 128, pipeline: 16, expert: 64, zero: 1, device: { name: 'h800', memory: 80 * 2 ** 30 } },
  quantize: { default: { dtype: 'bf16' }, experts: { dtype: 'int4', block: 32 } },
  train: { batch: 15360, seq_len: 4096, precision: 'bf16', checkpointing: 'full' },
};

/** A small MoE layout whose memory plan test/analysis/memory.test.ts derives by hand. */
export const planSpec: ModelSpec = {
  name: 'plan',
  vocab: 1000,
  hidden: 64,
  layers: 4,
  context: 128,
  attention: { heads: 4 },
  moe: { experts: { count: 8, ffn: 128 }, router: { top_k: 2 } },
  parallel: { data: 4, pipeline: 2, expert: 4, zero: 1, micro_batch: 2 },
  train: { batch: 32, seq_len: 128, precision: 'bf16', checkpointing: 'none' },
};
