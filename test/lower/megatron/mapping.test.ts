/**
 * The mapping table, row by row: each case changes one row's spec key on a small valid spec and
 * sees that row's arguments change to the expected values. Every row of MAPPING (and so of
 * docs/megatron.md's table) must have a case here.
 */
import { describe, expect, test } from 'vitest';
import { megatronRouterArgs, megatronRouterContext } from '../../../src/interop/router-losses.js';
import { resolveRouter } from '../../../src/ir/defaults.js';
import type { RouterIR } from '../../../src/ir/types.js';
import { MAPPING } from '../../../src/lower/megatron/mapping/index.js';
import { ROUTER_LOSS_FLAGS } from '../../../src/lower/megatron/mapping/router.js';
import { fromIR, fromSpec } from '../../../src/lower/megatron/model-view.js';
import type { ModelSpec } from '../../../src/spec/types.js';
import { baseSpec } from '../../validate/base-spec.js';
import { compileSpec, valuesOf } from './helpers.js';

type Mutate = (s: ModelSpec & Record<string, any>) => void;
/** Expected values per flag after the change (undefined: absent, []: a bare switch). */
type Expect = Record<string, string[] | undefined>;

const cases: [key: string, mutate: Mutate, expected: Expect][] = [
  ['layers', (s) => ((s.layers = 6), (s.moe!.layers = '1..5')), { '--num-layers': ['6'] }],
  ['hidden', (s) => (s.hidden = 128), { '--hidden-size': ['128'] }],
  ['context', (s) => (s.context = 256), { '--max-position-embeddings': ['256'] }],
  ['vocab', (s) => (s.vocab = 512), { '--padded-vocab-size': ['512'], '--vocab-size': ['512'] }],
  ['tie_embeddings', (s) => (s.tie_embeddings = true), { '--untie-embeddings-and-output-weights': undefined }],
  ['norm.type', (s) => (s.norm = { type: 'layernorm' }), { '--normalization': ['LayerNorm'], '--norm-epsilon': ['0.00001'] }],
  ['norm.eps', (s) => (s.norm = { eps: 1e-5 }), { '--norm-epsilon': ['0.00001'] }],
  ['attention.heads', (s) => ((s.attention.heads = 8), (s.attention.head_dim = 16)), { '--num-attention-heads': ['8'] }],
  ['attention.kv_heads', (s) => (s.attention.kv_heads = 4), { '--group-query-attention': undefined, '--num-query-groups': undefined }],
  ['attention.head_dim', (s) => (s.attention.head_dim = 32), { '--kv-channels': ['32'] }],
  ['attention.qk_norm', (s) => (s.attention.qk_norm = true), { '--qk-layernorm': [] }],
  ['attention.window, window_layers', (s) => ((s.attention.window = 16), (s.attention.window_layers = [0, 3])), { '--window-size': ['15,0'], '--window-attn-skip-freq': ['[1,0,0,1]'] }],
  ['attention.sinks', (s) => (s.attention.sinks = true), { '--softmax-type': ['learnable'] }],
  ['attention.qkv_bias, out_bias, dense.bias, moe.experts.bias, moe.router.bias', (s) => (s.attention.qkv_bias = true), { '--disable-bias-linear': [], '--add-qkv-bias': [] }],
  // Every linear biased (gpt-oss): Megatron's default; its grouped-GEMM experts then need the unfused bias-dropout-add (moe/experts.py:204).
  ['attention.qkv_bias, out_bias, dense.bias, moe.experts.bias, moe.router.bias', (s) => (Object.assign(s.attention, { qkv_bias: true, out_bias: true }), (s.dense!.bias = true), (s.moe!.shared = undefined), (s.moe!.experts.bias = true), (s.moe!.router.bias = true)), { '--disable-bias-linear': undefined, '--add-qkv-bias': undefined, '--no-bias-dropout-fusion': [] }],
  ['attention.qkv_bias, out_bias, dense.bias, moe.experts.bias, moe.router.bias', (s) => (Object.assign(s.attention, { qkv_bias: true, out_bias: true }), (s.dense!.bias = true), (s.moe!.shared = undefined), (s.moe!.experts.bias = true), (s.moe!.router.bias = true), (s.megatron = { grouped_gemm: false })), { '--disable-bias-linear': undefined, '--no-bias-dropout-fusion': undefined }],
  ['attention.mla', (s) => (s.attention.mla = { kv_lora_rank: 16, qk_nope_head_dim: 16, qk_rope_head_dim: 8, v_head_dim: 16 }), { '--multi-latent-attention': [], '--qk-layernorm': [], '--group-query-attention': undefined }],
  ['attention.mla.q_lora_rank', (s) => (s.attention.mla = { q_lora_rank: 24, kv_lora_rank: 16, qk_nope_head_dim: 16, qk_rope_head_dim: 8, v_head_dim: 16 }), { '--q-lora-rank': ['24'] }],
  ['attention.mla.kv_lora_rank', (s) => (s.attention.mla = { kv_lora_rank: 20, qk_nope_head_dim: 16, qk_rope_head_dim: 8, v_head_dim: 16 }), { '--kv-lora-rank': ['20'] }],
  ['attention.mla.qk_nope_head_dim', (s) => (s.attention.mla = { kv_lora_rank: 16, qk_nope_head_dim: 24, qk_rope_head_dim: 8, v_head_dim: 16 }), { '--qk-head-dim': ['24'] }],
  ['attention.mla.qk_rope_head_dim', (s) => (s.attention.mla = { kv_lora_rank: 16, qk_nope_head_dim: 16, qk_rope_head_dim: 12, v_head_dim: 16 }), { '--qk-pos-emb-head-dim': ['12'] }],
  ['attention.mla.v_head_dim', (s) => (s.attention.mla = { kv_lora_rank: 16, qk_nope_head_dim: 16, qk_rope_head_dim: 8, v_head_dim: 24 }), { '--v-head-dim': ['24'], '--kv-channels': ['24'] }],
  ['attention.rope (position embedding)', (s) => (s.attention.rope = { scaling: 'yarn', factor: 2 }), { '--position-embedding-type': ['yarn'] }],
  ['attention.rope.theta', (s) => (s.attention.rope = { theta: 500_000 }), { '--rotary-base': ['500000'] }],
  ['attention.rope.dim', (s) => (s.attention.rope = { dim: 8 }), { '--rotary-percent': ['0.5'] }],
  ['attention.rope.scaling linear, factor', (s) => (s.attention.rope = { scaling: 'linear', factor: 4 }), { '--rotary-seq-len-interpolation-factor': ['4'] }],
  ['attention.rope.scaling yarn, factor', (s) => (s.attention.rope = { scaling: 'yarn', factor: 4, original_context: 32 }), { '--rotary-scaling-factor': ['4'], '--rotary-seq-len-interpolation-factor': undefined }],
  ['attention.rope.original_context', (s) => (s.attention.rope = { scaling: 'yarn', factor: 4, original_context: 32 }), { '--yarn-original-max-position-embeddings': ['32'] }],
  ['attention.rope.original_context', (s) => (s.attention.rope = { scaling: 'yarn', factor: 2 }), { '--yarn-original-max-position-embeddings': ['128'] }],
  ['attention.rope.beta_fast, beta_slow', (s) => (s.attention.rope = { scaling: 'yarn', factor: 4, beta_fast: 16, beta_slow: 2 }), { '--yarn-beta-fast': ['16'], '--yarn-beta-slow': ['2'] }],
  ['attention.rope.mscale, mscale_all_dim, attention_factor', (s) => (s.attention.rope = { scaling: 'yarn', factor: 4, mscale: 0.707, mscale_all_dim: 0.707 }), { '--mscale': ['0.707'], '--mscale-all-dim': ['0.707'] }],
  ['attention.rope.mscale, mscale_all_dim, attention_factor', (s) => (s.attention.rope = { scaling: 'yarn', factor: 4, attention_factor: 1.5 }), { '--mscale': ['3.6067376022224087'], '--mscale-all-dim': ['0'] }],
  ['attention.rope.mscale, mscale_all_dim, attention_factor', (s) => ((s.attention.rope = { scaling: 'yarn', factor: 40, original_context: 4096, mscale: 1, mscale_all_dim: 1 }), (s.attention.mla = { kv_lora_rank: 16, qk_nope_head_dim: 16, qk_rope_head_dim: 8, v_head_dim: 16 })), { '--rope-type': ['yarn'], '--mscale': ['1'], '--mscale-all-dim': ['1'], '--yarn-original-max-position-embeddings': undefined, '--yarn-beta-fast': undefined }],
  ['attention.rope.truncate', (s) => (s.attention.rope = { scaling: 'yarn', factor: 4, truncate: false }), { '--no-yarn-correction-range-round-to-int': [] }],
  ['dense.ffn', (s) => (s.dense!.ffn = 256), { '--ffn-hidden-size': ['256'] }],
  ['dense.activation, moe.experts.activation, moe.shared.activation', (s) => ((s.dense!.activation = 'gelu'), (s.moe!.experts.activation = 'gelu')), { '--swiglu': undefined, '--no-bias-gelu-fusion': [] }],
  ['dense.activation, moe.experts.activation, moe.shared.activation', (s) => ((s.dense!.activation = 'clamped_swiglu'), (s.moe!.experts.activation = 'clamped_swiglu')), { '--swiglu': undefined, '--quick-geglu': [], '--glu-linear-offset': ['1'], '--no-bias-gelu-fusion': [], '--activation-func-clamp-value': ['7'] }],
  ['dense.swiglu_limit, moe.experts.swiglu_limit, moe.shared.swiglu_limit', (s) => Object.assign(s, { dense: { ...s.dense, activation: 'clamped_swiglu', swiglu_limit: 5 }, moe: { ...s.moe, experts: { ...s.moe!.experts, activation: 'clamped_swiglu', swiglu_limit: 5 } } }), { '--activation-func-clamp-value': ['5'] }],
  ['dense.layers, moe.layers, moe.every, moe.offset', (s) => ((s.dense!.layers = '0..1'), (s.moe!.layers = '2..3')), { '--moe-layer-freq': ['[0,0,1,1]'] }],
  ['moe.experts.count', (s) => (s.moe!.experts.count = 16), { '--num-experts': ['16'] }],
  ['moe.experts.ffn', (s) => (s.moe!.experts.ffn = 32), { '--moe-ffn-hidden-size': ['32'] }],
  ['moe.shared.count, moe.shared.ffn', (s) => (s.moe!.shared = { count: 2, ffn: 64 }), { '--moe-shared-expert-intermediate-size': ['128'] }],
  ['moe.shared.gate', (s) => (s.moe!.shared!.gate = true), { '--moe-shared-expert-gate': [] }],
  ['mtp.depth', (s) => (s.mtp = { depth: 1 }), { '--mtp-num-layers': ['1'], '--mtp-loss-scaling-factor': ['0.1'] }],
  ['moe.router.top_k', (s) => (s.moe!.router.top_k = 4), { '--moe-router-topk': ['4'] }],
  ['moe.router.score', (s) => (s.moe!.router.score = 'sigmoid'), { '--moe-router-score-function': ['sigmoid'] }],
  ['moe.router.norm_topk', (s) => (s.moe!.router.norm_topk = false), { '--moe-router-pre-softmax': [] }],
  ['moe.router.scaling', (s) => (s.moe!.router.scaling = 2.5), { '--moe-router-topk-scaling-factor': ['2.5'] }],
  ['moe.router.groups, top_groups, group_score', (s) => Object.assign(s.moe!.router, { groups: 4, top_groups: 2 }), { '--moe-router-num-groups': ['4'], '--moe-router-group-topk': ['2'] }],
  ['moe.router.jitter', (s) => (s.moe!.router.jitter = 0.01), { '--moe-input-jitter-eps': ['0.01'] }],
  ['moe.router.bias_update', (s) => Object.assign(s.moe!.router, { score: 'sigmoid', bias_update: 0.001 }), { '--moe-router-enable-expert-bias': [], '--moe-router-bias-update-rate': ['0.001'] }],
  ['moe.router.capacity_factor, overflow, drop_policy', (s) => Object.assign(s.moe!.router, { capacity_factor: 1.25, drop_policy: 'position' }), { '--moe-expert-capacity-factor': ['1.25'], '--moe-token-drop-policy': ['position'] }],
  ['moe.router.aux_loss, aux_loss_type, z_loss', (s) => Object.assign(s.moe!.router, { aux_loss: 0, z_loss: 0.001 }), { '--moe-router-load-balancing-type': ['none'], '--moe-aux-loss-coeff': undefined, '--moe-z-loss-coeff': ['0.001'] }],
  ['moe.router.aux_loss, aux_loss_type, z_loss', (s) => Object.assign(s.moe!.router, { aux_loss: 1e-4, aux_loss_type: 'sequence' }), { '--moe-router-load-balancing-type': ['seq_aux_loss'], '--moe-aux-loss-coeff': ['0.0001'] }],
  ['moe.router.aux_loss, aux_loss_type, z_loss', (s) => ((s.parallel = { data: 4 }), Object.assign(s.moe!.router, { aux_loss_type: 'global' })), { '--moe-router-load-balancing-type': ['global_aux_loss'], '--moe-aux-loss-coeff': ['0.04'] }],
  ['(router precision)', (s) => ((s.moe = undefined), (s.dense!.layers = undefined)), { '--moe-router-dtype': undefined, '--num-experts': undefined }],
  ['parallel.tensor', (s) => (s.parallel = { tensor: 2 }), { '--tensor-model-parallel-size': ['2'] }],
  ['parallel.pipeline, virtual_stages', (s) => (s.parallel = { pipeline: 3 }), { '--pipeline-model-parallel-size': ['3'], '--pipeline-model-parallel-layout': ['Et*2|t|tL'] }],
  ['parallel.context', (s) => (s.parallel = { context: 2 }), { '--context-parallel-size': ['2'] }],
  ['parallel.expert', (s) => (s.parallel = { data: 2, expert: 2 }), { '--expert-model-parallel-size': ['2'] }],
  ['parallel.expert_tensor', (s) => (s.parallel = { data: 2, expert_tensor: 2 }), { '--expert-tensor-parallel-size': ['2'] }],
  ['parallel.sequence_parallel', (s) => (s.parallel = { tensor: 2, sequence_parallel: true }), { '--sequence-parallel': [] }],
  ['parallel.zero', (s) => (s.parallel = { data: 2, zero: 1 }), { '--use-distributed-optimizer': [] }],
  // validate_args: --use-torch-fsdp2 asserts gradient_accumulation_fusion off (arguments.py:1006), which Megatron enables by default.
  ['parallel.zero', (s) => ((s.parallel = { data: 2, zero: 3 }), (s.megatron = { fsdp: 'torch' })), { '--use-torch-fsdp2': [], '--no-gradient-accumulation-fusion': [], '--use-distributed-optimizer': undefined }],
  ['parallel.micro_batch', (s) => (s.parallel = { micro_batch: 2 }), { '--micro-batch-size': ['2'] }],
  ['train.batch', (s) => (s.train!.batch = 16), { '--global-batch-size': ['16'] }],
  ['train.seq_len', (s) => (s.train!.seq_len = 64), { '--seq-length': ['64'] }],
  ['train.steps', (s) => (s.train!.steps = 200), { '--train-iters': ['200'], '--lr-decay-iters': ['200'] }],
  ['train.grad_clip', (s) => (s.train!.grad_clip = 0.5), { '--clip-grad': ['0.5'] }],
  ['train.precision', (s) => (s.train!.precision = 'bf16'), { '--bf16': [] }],
  ['train.checkpointing', (s) => (s.train!.checkpointing = 'full'), { '--recompute-granularity': ['full'], '--recompute-method': ['uniform'], '--recompute-num-layers': ['1'] }],
  ['train.seed', (s) => (s.train!.seed = 7), { '--seed': ['7'] }],
  ['train.checkpoint_every', (s) => (s.train!.checkpoint_every = 10), { '--save-interval': ['10'] }],
  ['train.log_every', (s) => (s.train!.log_every = 10), { '--log-interval': ['10'] }],
  ['train.dropout', (s) => (s.train!.dropout = 0.1), { '--hidden-dropout': ['0.1'], '--attention-dropout': ['0'] }],
  ['train.optimizer', (s) => (s.train!.optimizer = { type: 'momentum', momentum: 0.8 }), { '--optimizer': ['sgd'], '--sgd-momentum': ['0.8'], '--adam-beta2': undefined }],
  ['train.optimizer.lr', (s) => (s.train!.optimizer!.lr = 2e-3), { '--lr': ['0.002'], '--lr-warmup-init': ['0.0002'] }],
  ['train.schedule.type', (s) => (s.train!.schedule!.type = 'linear'), { '--lr-decay-style': ['linear'] }],
  ['train.schedule.warmup', (s) => (s.train!.schedule!.warmup = 20), { '--lr-warmup-iters': ['20'], '--lr-warmup-init': ['0.00005'] }],
  ['train.schedule.min_lr', (s) => (s.train!.schedule!.min_lr = 1e-5), { '--min-lr': ['0.00001'] }],
  ['train.schedule.decay_steps', (s) => (s.train!.schedule!.decay_steps = 50), { '--lr-decay-iters': ['50'] }],
  ['megatron.data, split', (s) => (s.megatron = { data: ['0.7', 'corpus_a', '0.3', 'corpus_b'], split: '98,2,0' }), { '--mock-data': undefined, '--data-path': ['0.7', 'corpus_a', '0.3', 'corpus_b'], '--split': ['98,2,0'] }],
  ['megatron.tokenizer, tokenizer_model', (s) => (s.megatron = { tokenizer: 'HuggingFaceTokenizer', tokenizer_model: 'Qwen/Qwen3-30B-A3B' }), { '--tokenizer-type': ['HuggingFaceTokenizer'], '--tokenizer-model': ['Qwen/Qwen3-30B-A3B'], '--vocab-size': undefined }],
  ['megatron.save', (s) => (s.megatron = { save: 'ckpt' }), { '--save': ['ckpt'] }],
  ['megatron.load', (s) => (s.megatron = { load: 'ckpt' }), { '--load': ['ckpt'] }],
  ['megatron.dispatcher, flex_backend', (s) => (s.megatron = { dispatcher: 'flex', flex_backend: 'hybridep' }), { '--moe-token-dispatcher-type': ['flex'], '--moe-flex-dispatcher-backend': ['hybridep'] }],
  ['megatron.grouped_gemm', (s) => (s.megatron = { grouped_gemm: false }), { '--moe-grouped-gemm': undefined }],
];

/**
 * Settings of a row that Megatron cannot state: the change is refused, and undoing it gives the
 * base launch again. moec's GShard drop order is not one of Megatron's (router-losses.ts); overflow
 * no_drop is Megatron's dropless default, the same launch as no capacity.
 */
const refused: [key: string, mutate: Mutate, undo: Mutate, code: string][] = [
  ['moe.router.capacity_factor, overflow, drop_policy', (s) => Object.assign(s.moe!.router, { capacity_factor: 1.25, drop_policy: 'gshard' }), (s) => (s.moe!.router.overflow = 'no_drop'), 'MOE3810'],
];

const base = compileSpec(baseSpec());
const router = (over: Partial<RouterIR>): RouterIR => ({ ...resolveRouter({ top_k: 2 }), ...over });

describe('mapping rows', () => {
  test('the base spec compiles without a diagnostic', () => {
    expect(base.diagnostics).toEqual([]);
    expect(base.argv).toBeDefined();
  });

  test.each(cases)('%s', (_key, mutate, expected) => {
    const spec = baseSpec() as ModelSpec & Record<string, any>;
    mutate(spec);
    const r = compileSpec(spec);
    expect(r.diagnostics.filter((d) => d.severity === 'error'), 'the changed spec is valid for Megatron').toEqual([]);
    let changed = false;
    for (const [flag, values] of Object.entries(expected)) {
      expect(valuesOf(r.argv!, flag), flag).toEqual(values);
      changed ||= JSON.stringify(valuesOf(base.argv!, flag)) !== JSON.stringify(values);
    }
    expect(changed, 'the change shows in the arguments').toBe(true);
    expect(fromSpec(spec), 'the rules see the model the emitter sees').toEqual(fromIR(r.ir!));
  });

  test.each(refused)('%s is refused', (_key, mutate, undo, code) => {
    const spec = baseSpec() as ModelSpec & Record<string, any>;
    mutate(spec);
    expect(compileSpec(spec).diagnostics.map((d) => d.code)).toContain(code);
    undo(spec);
    expect(compileSpec(spec).argv).toEqual(base.argv);
  });

  test('every argument of the shared router-loss conversion has a row that places it', () => {
    const all = router({ score: 'sigmoid', auxLoss: 0.01, zLoss: 0.001, biasUpdate: 0.001, capacityFactor: 1.25, overflow: 'drop', jitter: 0.01 });
    const flags = megatronRouterArgs(all, megatronRouterContext(base.ir!)).args.map((a) => a.flag);
    expect(flags.filter((f) => !Object.values(ROUTER_LOSS_FLAGS).flat().includes(f as never))).toEqual([]);
    expect(flags).toHaveLength(8);
  });

  test('every row of the mapping table has a case', () => {
    const covered = new Set([...cases, ...refused].map((c) => c[0]));
    expect(MAPPING.map((r) => r.key).filter((k) => !covered.has(k))).toEqual([]);
    expect([...covered].filter((k) => !MAPPING.some((r) => r.key === k))).toEqual([]);
  });
});
