/** Test helper: the tiny spec's IR (specs/tiny.moe), optionally with train settings overridden. */
import { buildIR } from '../../src/ir/build-ir.js';
import type { ModelIR } from '../../src/ir/types.js';
import type { ModelSpec } from '../../src/spec/types.js';

export const TINY_SPEC = 'specs/tiny.moe';

/** specs/tiny.moe as a spec object (the parser's output), for overrides in tests. */
export async function tinySpec(): Promise<ModelSpec> {
  let loaded;
  try {
    const { loadSpec } = await import('../../src/pipeline.js');
    loaded = loadSpec(TINY_SPEC);
  } catch {
    // TODO(remove when the parser lands): the parser is still a stub; mirror specs/tiny.moe.
    return structuredClone(TINY_FALLBACK);
  }
  if (!loaded.spec) throw new Error('specs/tiny.moe did not load: ' + JSON.stringify(loaded.diagnostics));
  return structuredClone(loaded.spec);
}

export async function buildTinyIR(edit?: (spec: ModelSpec) => void): Promise<ModelIR> {
  const spec = await tinySpec();
  edit?.(spec);
  const built = buildIR(spec, new Map());
  if (!built.value) throw new Error(JSON.stringify(built.diagnostics));
  return built.value;
}

const TINY_FALLBACK: ModelSpec = {
  name: 'tiny', vocab: 256, hidden: 64, layers: 2, context: 128,
  norm: { type: 'rmsnorm', eps: 1e-6 },
  attention: { heads: 4, kv_heads: 2, head_dim: 16, rope: { theta: 10000 } },
  moe: {
    experts: { count: 4, ffn: 128, activation: 'swiglu' },
    shared: { count: 1, ffn: 64 },
    router: { top_k: 2, score: 'softmax', norm_topk: true, capacity_factor: 1.5, overflow: 'drop', aux_loss: 0.01, z_loss: 0.001 },
  },
  train: {
    optimizer: { type: 'adamw', lr: 3e-3, weight_decay: 0.01 },
    schedule: { type: 'cosine', warmup: 10, min_lr: 3e-4 },
    batch: 8, seq_len: 64, steps: 200, grad_clip: 1.0, seed: 1234, checkpoint_every: 50,
  },
};
