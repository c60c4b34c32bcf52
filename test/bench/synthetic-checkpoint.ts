/**
 * Benchmark support — a synthetic Hugging Face checkpoint for `npm run bench:compile`: Mixtral
 * layout (`model.layers.{i}.block_sparse_moe.experts.{e}.w1/w2/w3`, HF's [out, in] linears),
 * BF16, N(0, 0.02) values, with the config.json transformers (and `moec compile --weights`)
 * reads. Values are generated on every core (the seeded generator keyed by the HF name).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Result } from '../../src/diagnostics/diagnostic.js';
import type { ModelIR } from '../../src/ir/types.js';
import { writeCheckpointDir, type TensorToWrite } from '../../src/interop/safetensors/index.js';
import type { ModelSpec } from '../../src/spec/types.js';
import { KernelPool } from '../../src/parallel/kernel-pool.js';
import { fillNormal } from '../../src/weights/init-weights.js';

/** The HF key of an IR tensor and whether HF stores it transposed ([out, in] for a linear). */
export function mixtralKey(name: string): { key: string; transpose: boolean } {
  const table: [RegExp, string, boolean][] = [
    [/^embed_tokens\.weight$/, 'model.embed_tokens.weight', false],
    [/^norm\.weight$/, 'model.norm.weight', false],
    [/^lm_head\.weight$/, 'lm_head.weight', true],
    [/^layers\.(\d+)\.input_norm\.weight$/, 'model.layers.$1.input_layernorm.weight', false],
    [/^layers\.(\d+)\.post_attn_norm\.weight$/, 'model.layers.$1.post_attention_layernorm.weight', false],
    [/^layers\.(\d+)\.attn\.([qkvo])_proj\.weight$/, 'model.layers.$1.self_attn.$2_proj.weight', true],
    [/^layers\.(\d+)\.moe\.router\.weight$/, 'model.layers.$1.block_sparse_moe.gate.weight', true],
    [/^layers\.(\d+)\.moe\.experts\.(\d+)\.gate_proj\.weight$/, 'model.layers.$1.block_sparse_moe.experts.$2.w1.weight', true],
    [/^layers\.(\d+)\.moe\.experts\.(\d+)\.down_proj\.weight$/, 'model.layers.$1.block_sparse_moe.experts.$2.w2.weight', true],
    [/^layers\.(\d+)\.moe\.experts\.(\d+)\.up_proj\.weight$/, 'model.layers.$1.block_sparse_moe.experts.$2.w3.weight', true],
  ];
  for (const [re, key, transpose] of table) if (re.test(name)) return { key: name.replace(re, key), transpose };
  throw new Error(`bench source: no Mixtral key for ${name}`);
}

/** HF shape of an IR tensor: linears [out, in]. */
const hfShape = (shape: readonly number[], transpose: boolean) => (transpose ? [shape[1], shape[0]] : [...shape]);

/** transformers' MixtralConfig for the spec (what `moec export hf` would write). */
export function mixtralConfig(spec: ModelSpec, ir: ModelIR): Record<string, unknown> {
  const moe = spec.moe!;
  return {
    architectures: ['MixtralForCausalLM'],
    model_type: 'mixtral',
    vocab_size: ir.vocab,
    hidden_size: ir.hidden,
    intermediate_size: moe.experts.ffn,
    num_hidden_layers: ir.layers.length,
    num_attention_heads: spec.attention.heads,
    num_key_value_heads: spec.attention.kv_heads,
    head_dim: spec.attention.head_dim,
    num_local_experts: moe.experts.count,
    num_experts_per_tok: moe.router?.top_k,
    max_position_embeddings: ir.context,
    rms_norm_eps: spec.norm?.eps,
    rope_theta: spec.attention.rope?.theta,
    tie_word_embeddings: false,
    torch_dtype: 'bfloat16',
  };
}

/** Write the synthetic checkpoint (BF16, N(0, 0.02) values, shards of 2 GB) and its config.json. */
export function writeSyntheticCheckpoint(dir: string, spec: ModelSpec, ir: ModelIR, seed = 1): Result<unknown> {
  const pool = new KernelPool();
  try {
    const tensors: TensorToWrite[] = ir.tensors.map((t) => {
      const { key, transpose } = mixtralKey(t.name);
      const shape = hfShape(t.shape, transpose);
      return {
        name: key,
        dtype: 'BF16',
        shape,
        data: () => {
          // The pool's reused buffer: the writer is done with one tensor before it asks for the next.
          const values = pool.scratch.float32('generate', shape.reduce((a, b) => a * b, 1));
          if (t.init.kind === 'ones') values.fill(1);
          else fillNormal(values, 0.02, seed, key, pool);
          return values;
        },
      };
    });
    const written = writeCheckpointDir(dir, tensors, { maxShardSize: 2_000_000_000 });
    writeFileSync(join(dir, 'config.json'), JSON.stringify(mixtralConfig(spec, ir), null, 2) + '\n');
    return written;
  } finally {
    pool.close();
  }
}
