/**
 * Small models covering every feature of docs/semantics.md, for the reference self-tests and
 * for the targets' numerical tests (compile a case, run it, compare with referenceForward).
 * `testWeights` gives every tensor non-trivial values (norm weights ≠ 1, biases, sinks and the
 * routing bias ≠ 0), so a target that ignores a tensor cannot pass.
 */
import { buildIR } from '../../src/ir/build-ir.js';
import type { ModelIR } from '../../src/ir/types.js';
import type { AttentionSpec, ModelSpec, MoeSpec } from '../../src/spec/types.js';
import { fillNormal } from '../../src/weights/init-weights.js';

const base = (name: string, extra: Partial<ModelSpec>): ModelSpec => ({
  name,
  vocab: 11,
  hidden: 8,
  layers: 1,
  context: 16,
  attention: { heads: 4, kv_heads: 2, head_dim: 4 },
  dense: { ffn: 12 },
  ...extra,
});

const moe = (router: MoeSpec['router'], extra: Partial<MoeSpec> = {}): MoeSpec => ({
  experts: { count: 8, ffn: 6 },
  router,
  ...extra,
});

const mla = (q_lora_rank: number, extra: Partial<AttentionSpec> = {}): AttentionSpec => ({
  heads: 2,
  mla: { q_lora_rank, kv_lora_rank: 6, qk_nope_head_dim: 4, qk_rope_head_dim: 2, v_head_dim: 3 },
  ...extra,
});

/** name → spec object. Each is small enough for the float64 reference to run in milliseconds. */
export const REFERENCE_SPECS: Record<string, ModelSpec> = {
  'gqa-swiglu': base('gqa-swiglu', {}),
  'mha-layernorm-bias-partial-rope-gelu-tied': base('mha-layernorm-bias-partial-rope-gelu-tied', {
    norm: { type: 'layernorm' },
    tie_embeddings: true,
    attention: { heads: 2, head_dim: 4, qkv_bias: true, out_bias: true, rope: { dim: 2, theta: 100 } },
    dense: { ffn: 12, activation: 'gelu', bias: true },
  }),
  'mqa-qknorm-window-sinks-relu-geglu': base('mqa-qknorm-window-sinks-relu-geglu', {
    layers: 2,
    attention: { heads: 4, kv_heads: 1, head_dim: 4, qk_norm: true, window: 2, window_layers: [0], sinks: true },
    dense: { ffn: 12, activation: 'relu', layers: [0] },
    moe: moe({ top_k: 1 }, { experts: { count: 2, ffn: 6, activation: 'geglu' }, layers: [1] }),
  }),
  'moe-softmax-capacity-drop-shared-gate': base('moe-softmax-capacity-drop-shared-gate', {
    dense: undefined,
    moe: moe(
      { top_k: 2, score: 'softmax', norm_topk: true, capacity_factor: 0.5, overflow: 'drop', drop_policy: 'gshard' },
      { experts: { count: 8, ffn: 6, activation: 'silu', bias: true }, shared: { count: 2, ffn: 4, gate: true } },
    ),
  }),
  'moe-sigmoid-bias-groups-max-scaling': base('moe-sigmoid-bias-groups-max-scaling', {
    dense: undefined,
    moe: moe(
      { top_k: 2, score: 'sigmoid', bias_update: 0.001, groups: 4, top_groups: 2, group_score: 'max', scaling: 2.5, bias: true },
      { shared: { count: 1, ffn: 4 } },
    ),
  }),
  'moe-capacity-drop-probs-sigmoid': base('moe-capacity-drop-probs-sigmoid', {
    dense: undefined,
    moe: moe({ top_k: 3, score: 'sigmoid', norm_topk: true, scaling: 2, capacity_factor: 0.75, drop_policy: 'probs' }),
  }),
  'moe-capacity-drop-position-unnormalized': base('moe-capacity-drop-position-unnormalized', {
    dense: undefined,
    moe: moe({ top_k: 2, score: 'softmax', norm_topk: false, capacity_factor: 0.5, drop_policy: 'position' }, { shared: { count: 1, ffn: 4 } }),
  }),
  'moe-top2sum-no-drop-unnormalized': base('moe-top2sum-no-drop-unnormalized', {
    dense: undefined,
    moe: moe({ top_k: 3, score: 'sigmoid', norm_topk: false, groups: 2, top_groups: 1, group_score: 'top2_sum', capacity_factor: 0.25, overflow: 'no_drop' }),
  }),
  'mla-qlora-moe': base('mla-qlora-moe', {
    layers: 2,
    attention: mla(5),
    dense: { ffn: 12, layers: [0] },
    moe: moe({ top_k: 2, capacity_factor: 1.0 }, { layers: [1] }),
  }),
  'mla-no-qlora-linear-rope': base('mla-no-qlora-linear-rope', {
    attention: mla(0, { rope: { scaling: 'linear', factor: 2 } }),
  }),
  // OLMoE: RMSNorm over the whole q and k projections, then clip_qkv (a low clip, so it bites).
  'olmoe-full-qknorm-clip-qkv': base('olmoe-full-qknorm-clip-qkv', {
    attention: { heads: 4, kv_heads: 2, qk_norm: 'full', clip_qkv: 0.7 },
    dense: undefined,
    moe: moe({ top_k: 2, norm_topk: false }),
  }),
  // Qwen3: per-head norm with head_dim ≠ hidden / heads, plus clip_qkv on the projections.
  'qwen3-head-qknorm-headdim-clip': base('qwen3-head-qknorm-headdim-clip', {
    attention: { heads: 2, kv_heads: 1, head_dim: 6, qk_norm: 'head', clip_qkv: 0.8 },
  }),
  // gpt-oss experts with biases, a small limit so both clamps engage; a dense clamped layer
  // with its own constants; an untied LM head with a bias.
  'gpt-oss-clamped-swiglu-lm-head-bias': base('gpt-oss-clamped-swiglu-lm-head-bias', {
    layers: 2,
    lm_head_bias: true,
    attention: { heads: 4, kv_heads: 2, head_dim: 4, qkv_bias: true, out_bias: true, sinks: true, window: 3, window_layers: [0] },
    dense: { ffn: 10, activation: 'clamped_swiglu', swiglu_limit: 0.5, swiglu_alpha: 2.5, bias: true, layers: [0] },
    moe: moe({ top_k: 2, bias: true }, { experts: { count: 4, ffn: 6, activation: 'clamped_swiglu', bias: true, swiglu_limit: 0.8 }, layers: [1] }),
  }),
  // YaRN, ramp in the middle of the pairs: theta 100, 4 pairs, original context 64 → low 0,
  // high 2.02 (not truncated); custom betas.
  'yarn-gqa-no-truncate': base('yarn-gqa-no-truncate', {
    context: 256,
    attention: { heads: 4, kv_heads: 2, head_dim: 8, rope: { theta: 100, scaling: 'yarn', factor: 4, original_context: 64, beta_fast: 16, beta_slow: 1, truncate: false } },
  }),
  // YaRN with the factor from context / original_context and an explicit attention factor.
  'yarn-implicit-factor-attention-factor': base('yarn-implicit-factor-attention-factor', {
    context: 512,
    attention: { heads: 2, head_dim: 8, rope: { theta: 50, scaling: 'yarn', original_context: 64, attention_factor: 1.3 } },
  }),
  // DeepSeek MLA under YaRN: cos/sin × mscale(f, 1)/mscale(f, 0.8), softmax × mscale(f, 0.8)²;
  // a large model eps shows that the latent norms keep their own 1e-6.
  'deepseek-mla-yarn-mscale-latent-eps': base('deepseek-mla-yarn-mscale-latent-eps', {
    context: 640,
    norm: { eps: 0.1 },
    attention: {
      heads: 2,
      rope: { theta: 100, scaling: 'yarn', factor: 10, original_context: 64, mscale: 1, mscale_all_dim: 0.8 },
      mla: { q_lora_rank: 5, kv_lora_rank: 6, qk_nope_head_dim: 4, qk_rope_head_dim: 8, v_head_dim: 3 },
    },
  }),
  // DBRX's LayerNorm without bias; Phi-3.5-MoE's lm_head bias, here on a tied head.
  'layernorm-no-bias-tied-lm-head-bias': base('layernorm-no-bias-tied-lm-head-bias', {
    norm: { type: 'layernorm', bias: false },
    tie_embeddings: true,
    lm_head_bias: true,
  }),
  // IBM Granite (modeling_granitemoe.py): embeddings × 4, each residual branch × 0.5, softmax
  // scale 1/head_dim instead of 1/√head_dim, logits ÷ 3; a dense and an MoE layer.
  'granite-multipliers': base('granite-multipliers', {
    layers: 2,
    scaling: { embedding: 4, residual: 0.5, logits_divisor: 3 },
    attention: { heads: 4, kv_heads: 2, head_dim: 4, softmax_scale: 0.25 },
    dense: { ffn: 12, layers: [0] },
    moe: moe({ top_k: 2 }),
  }),
};

export function referenceIR(name: string): ModelIR {
  const spec = REFERENCE_SPECS[name];
  if (!spec) throw new Error(`no reference case ${name}`);
  const built = buildIR(spec);
  const errors = built.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`reference case ${name}: ${errors.map((d) => d.message).join('; ')}`);
  return built.value;
}

/** Non-trivial deterministic weights: matrices N(0, 1/in), norm weights 1 + N(0, 0.2²), other vectors N(0, 0.2²). */
export function testWeights(ir: Pick<ModelIR, 'tensors'>, seed = 7): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const t of ir.tensors) {
    const a = new Float32Array(t.shape.reduce((x, y) => x * y, 1));
    const matrix = t.shape.length >= 2;
    fillNormal(a, matrix ? 1 / Math.sqrt(t.shape[0]) : t.name.endsWith('score_bias') ? 0.05 : 0.2, seed, t.name);
    if (!matrix && t.init.kind === 'ones') for (let i = 0; i < a.length; i++) a[i] = Math.fround(1 + a[i]);
    out.set(t.name, a);
  }
  return out;
}

/** Batch and sequence length of the cross-checked cases (fixtures/numpy-logits.json). */
export const CASE_BATCH = 2;
export const CASE_SEQ = 6;

/** Deterministic token ids [batch][seq]. */
export function testIds(vocab: number, batch: number, seq: number): number[][] {
  return Array.from({ length: batch }, (_, b) => Array.from({ length: seq }, (_, s) => (b * 7 + s * 5 + 3) % vocab));
}

/**
 * The IR the inference targets compute (docs/semantics.md §Inference routing): capacity and
 * token dropping are training-only, so the reference for an exported model has them removed.
 */
export function inferenceRouting(ir: ModelIR): ModelIR {
  const layers = ir.layers.map((l) =>
    l.ffn.kind === 'moe' ? { ...l, ffn: { ...l.ffn, router: { ...l.ffn.router, capacityFactor: undefined } } } : l,
  );
  return { ...ir, layers };
}
