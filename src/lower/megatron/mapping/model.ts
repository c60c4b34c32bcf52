/**
 * Megatron-Core target — mapping rows for the model's shape, norm and attention (spec blocks
 * `model`, `norm`, `attention`, `attention.mla`). Sources: megatron/training/arguments.py and
 * megatron/core/transformer/transformer_config.py at core_v0.19.0; the flag table cites each flag.
 */
import { arg, over, type Arg } from '../args.js';
import { biasMode, isWindowedLayer, windowSkip } from '../expressible.js';
import type { MegatronModel } from '../model-view.js';
import { listExpression } from '../patterns.js';
import type { MappingRow } from './row.js';

const isMla = (m: MegatronModel) => m.attention.kind === 'mla';

export const MODEL_ROWS: MappingRow[] = [
  { key: 'layers', block: 'model', emit: (m) => [arg('--num-layers', m.layers)] },
  { key: 'hidden', block: 'model', emit: (m) => [arg('--hidden-size', m.hidden)] },
  { key: 'context', block: 'model', emit: (m) => [arg('--max-position-embeddings', m.context)] },
  {
    key: 'vocab',
    block: 'model',
    // Without it Megatron pads the embedding to a multiple of 128 × tensor (vocab_size_with_padding,
    // tokenizers/utils/build_tokenizer.py:124) and the model's shapes would not be the spec's.
    emit: (m) => [arg('--padded-vocab-size', m.vocab, 'exact: Megatron would pad the vocabulary to a multiple of 128 × tensor')],
  },
  {
    key: 'tie_embeddings',
    block: 'model',
    emit: (m) => (m.tieEmbeddings ? [] : [arg('--untie-embeddings-and-output-weights', undefined, 'Megatron ties them by default')]),
  },
  { key: 'norm.type', block: 'model', emit: (m) => [over('--normalization', m.norm.type === 'rmsnorm' ? 'RMSNorm' : 'LayerNorm')] },
  { key: 'norm.eps', block: 'model', emit: (m) => [over('--norm-epsilon', m.norm.eps)] },

  { key: 'attention.heads', block: 'attention', emit: (m) => [arg('--num-attention-heads', m.attention.heads)] },
  {
    key: 'attention.kv_heads',
    block: 'attention',
    // --num-query-groups is ignored without --group-query-attention (argument_utils.py:330).
    emit: (m) => (isMla(m) || m.attention.kvHeads === m.attention.heads ? [] : [arg('--group-query-attention'), arg('--num-query-groups', m.attention.kvHeads)]),
  },
  {
    key: 'attention.head_dim',
    block: 'attention',
    emit: (m) =>
      isMla(m)
        ? [arg('--kv-channels', m.attention.vHeadDim, 'unused by MLA; set so Megatron does not require hidden % heads = 0')]
        : [arg('--kv-channels', m.attention.headDim)],
  },
  { key: 'attention.qk_norm', block: 'attention', emit: (m) => (!isMla(m) && m.attention.qkNorm !== 'none' ? [arg('--qk-layernorm')] : []) },
  {
    key: 'attention.window, window_layers',
    block: 'attention',
    emit: (m) => {
      if (m.window === undefined) return [];
      // TE's window (left, right): a query attends keys i − left … i + right; moec's `query − key < w`.
      const out: Arg[] = [arg('--window-size', `${m.window - 1},0`)];
      const skip = windowSkip(m.windowed);
      if (skip.kind === 'freq') out.push(arg('--window-attn-skip-freq', skip.n, 'layer n (1-based) is windowed unless n is a multiple'));
      if (skip.kind === 'list') out.push(arg('--window-attn-skip-freq', listExpression(skip.values), '1 = sliding-window layer'));
      return out;
    },
  },
  { key: 'attention.sinks', block: 'attention', emit: (m) => (m.attention.sinks ? [arg('--softmax-type', 'learnable')] : []) },
  {
    key: 'attention.qkv_bias, out_bias, dense.bias, moe.experts.bias, moe.router.bias',
    block: 'bias',
    emit: (m, o) => {
      const mode = biasMode(biasSet(m)).mode;
      // TEGroupedMLP (the --moe-grouped-gemm experts) asserts not (add_bias_linear and bias_dropout_fusion)
      // (moe/experts.py:204), and the fusion is on by default; fused or not, bias + dropout + add is the same sum.
      if (mode === 'all') return m.moe && o.groupedGemm ? [arg('--no-bias-dropout-fusion', undefined, 'Megatron\'s grouped-GEMM experts refuse biases with the fused bias-dropout-add')] : [];
      const off = arg('--disable-bias-linear', undefined, 'Megatron puts a bias on every linear by default');
      return mode === 'qkv' ? [off, arg('--add-qkv-bias')] : [off];
    },
  },

  {
    key: 'attention.mla',
    block: 'mla',
    emit: (m) =>
      isMla(m) ? [arg('--multi-latent-attention'), arg('--qk-layernorm', undefined, "moec's MLA has the q_a / kv_a latent norms; without this flag Megatron's has none")] : [],
  },
  { key: 'attention.mla.q_lora_rank', block: 'mla', emit: (m) => (m.attention.mla?.qLoraRank ? [arg('--q-lora-rank', m.attention.mla.qLoraRank)] : []) },
  { key: 'attention.mla.kv_lora_rank', block: 'mla', emit: (m) => (m.attention.mla ? [over('--kv-lora-rank', m.attention.mla.kvLoraRank)] : []) },
  { key: 'attention.mla.qk_nope_head_dim', block: 'mla', emit: (m) => (m.attention.mla ? [over('--qk-head-dim', m.attention.mla.qkNopeHeadDim)] : []) },
  { key: 'attention.mla.qk_rope_head_dim', block: 'mla', emit: (m) => (m.attention.mla ? [over('--qk-pos-emb-head-dim', m.attention.mla.qkRopeHeadDim)] : []) },
  { key: 'attention.mla.v_head_dim', block: 'mla', emit: (m) => (m.attention.mla ? [over('--v-head-dim', m.attention.mla.vHeadDim)] : []) },
];

/** The bias switches of the model, each absent where the model has no such linear. */
export function biasSet(m: MegatronModel) {
  return {
    ...(isMla(m) ? {} : { qkv: m.attention.qkvBias }),
    out: m.attention.outBias,
    ...(m.dense ? { dense: m.dense.bias } : {}),
    ...(m.moe ? { experts: m.moe.expert.bias, router: m.moe.router.bias } : {}),
  };
}

/** Whether Megatron's MTP layer d (numbered from 1) is windowed by the emitted pattern. */
export function megatronMtpWindowed(m: MegatronModel, depth: number): boolean {
  return m.window !== undefined && isWindowedLayer(windowSkip(m.windowed), depth);
}
