/**
 * Benchmark support — a synthetic Hugging Face checkpoint (Mixtral layout: `model.layers.{i}.
 * block_sparse_moe.experts.{e}.w1/w2/w3`, HF's [out, in] linears, BF16) and a weight source
 * reading it for `npm run bench:compile`.
 *
 * The source is a stand-in for the HF weights reader (src/interop/hf/, built on the hf branch):
 * it knows only this layout, and reads the way that reader should to keep a compile's memory at
 * one tensor — straight into the caller's array (`out`): copies through readFloat32Range's
 * streaming BF16 → F32 conversion; widens and transposes 4 MiB chunks of raw BF16 rows in one
 * pass, so a read holds the float32 tensor plus one chunk (not an [out, in] float32 copy and its
 * transpose). Swap it for the real reader's source when that
 * lands (test/bench/compile-bench-child.ts, one line).
 */
import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Result } from '../../src/diagnostics/diagnostic.js';
import type { ModelIR } from '../../src/ir/types.js';
import { openCheckpoint, writeCheckpointDir, type TensorToWrite } from '../../src/interop/safetensors/index.js';
import type { ModelSpec } from '../../src/spec/types.js';
import { KernelPool } from '../../src/parallel/kernel-pool.js';
import { fillNormal } from '../../src/weights/init-weights.js';
import type { WeightSource } from '../../src/weights/weight-source.js';

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

/** Rows of [out, in] per transposing read: about 4 MiB of BF16. */
const CHUNK_BYTES = 4 * 2 ** 20;

const fail = (key: string): never => {
  throw new Error(`bench source: ${key} ends early`);
};

export function benchHfSource(dir: string, ir: ModelIR): Result<WeightSource | undefined> {
  const opened = openCheckpoint(dir);
  if (!opened.value) return opened as Result<undefined>;
  const reader = opened.value;
  const byName = new Map(ir.tensors.map((t) => [t.name, t]));
  let chunk: Uint16Array | undefined;
  const fds = new Map<string, number>();
  const fileOf = (file: string): number => {
    let fd = fds.get(file);
    if (fd === undefined) fds.set(file, (fd = openSync(join(dir, file), 'r')));
    return fd;
  };
  return {
    value: {
      from: `Hugging Face mixtral checkpoint (BF16) at ${dir}`,
      metadata: [['moec.weights', 'huggingface']],
      begin: () => undefined,
      read(name, out) {
        const t = byName.get(name)!;
        const { key, transpose } = mixtralKey(name);
        const size = t.shape.reduce((a, b) => a * b, 1);
        const values = out ?? new Float32Array(size);
        if (!transpose) return reader.readFloat32Range(key, 0, size, values);
        // HF [rows = out, cols = in] BF16 → IR [in, out] float32 in one pass per chunk of rows:
        // a float32's bits are the BF16 bits shifted up 16, written transposed in 64 × 64 tiles
        // (reads and writes stay in cache). The raw rows come straight from the shard file.
        const info = reader.get(key)!;
        if (info.dtype !== 'BF16') throw new Error(`bench source: ${key} is ${info.dtype}, not BF16`);
        const [cols, rows] = t.shape;
        const per = Math.max(1, Math.floor(CHUNK_BYTES / (2 * cols)));
        if (!chunk || chunk.length < per * cols) chunk = new Uint16Array(per * cols);
        const fd = fileOf(info.file);
        const dst = new Uint32Array(values.buffer, values.byteOffset, size);
        for (let r0 = 0; r0 < rows; r0 += per) {
          const n = Math.min(per, rows - r0);
          const bytes = new Uint8Array(chunk.buffer, 0, 2 * n * cols);
          for (let done = 0; done < bytes.length; ) done += readSync(fd, bytes, done, bytes.length - done, info.offset + 2 * r0 * cols + done) || fail(key);
          for (let t0 = 0; t0 < n; t0 += 64) {
            const t1 = Math.min(t0 + 64, n);
            for (let c0 = 0; c0 < cols; c0 += 64) {
              const c1 = Math.min(c0 + 64, cols);
              for (let c = c0; c < c1; c++) for (let r = t0; r < t1; r++) dst[c * rows + r0 + r] = chunk[r * cols + c] << 16;
            }
          }
        }
        return { value: values, diagnostics: [] };
      },
      end: () => [],
      readBytes: (name) => 4 * (byName.get(name)?.shape.reduce((a, b) => a * b, 1) ?? 0) + CHUNK_BYTES,
      close: () => {
        reader.close();
        for (const fd of fds.values()) closeSync(fd);
      },
    },
    diagnostics: opened.diagnostics,
  };
}
