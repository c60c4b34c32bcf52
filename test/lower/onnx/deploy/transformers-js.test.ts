/**
 * The model folder in a stock client: `@huggingface/transformers` (transformers.js 4.x, Node,
 * onnxruntime-node) loads what `moec compile -o dir/` writes — config.json, tokenizer,
 * onnx/model*.onnx — with its own AutoTokenizer / AutoModelForCausalLM / pipeline, and greedy
 * `generate()` gives the same token ids as `moec run` (openLmSession + CachedDecoder + generate,
 * what the command runs), for a single prompt and for a left-padded batch. A wrapper on the
 * client's session records what it feeds: after the first call it sends one new token and a
 * non-empty past_key_values, so the cache is really used.
 * Specs: specs/tiny (qwen2_moe), MLA (deepseek_v3), sinks + sliding window (gpt_oss), the q4
 * and q8 variants of tiny (model_q4.onnx, model_quantized.onnx; `dtype: 'q4'` / `'q8'`), and
 * external data (model.onnx_data).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoModelForCausalLM, AutoTokenizer, env, pipeline, type Tensor } from '@huggingface/transformers';
import { afterAll, describe, expect, it } from 'vitest';
import { compileOnnx } from '../../../../src/lower/onnx/compile-onnx.js';
import type { VariantName } from '../../../../src/lower/onnx/deploy/variants.js';
import type { ModelSpec } from '../../../../src/spec/types.js';
import { decodeBytes, encodeBytes } from '../../../../src/run/byte-tokenizer.js';
import { CachedDecoder } from '../../../../src/run/decoder.js';
import { generate } from '../../../../src/run/generate.js';
import { openLmSession } from '../../../../src/run/lm-session.js';
import { GREEDY, createSampler } from '../../../../src/run/sampling.js';
import { irOf, tinySpec } from '../variants.js';

const root = mkdtempSync(join(tmpdir(), 'moec-tjs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
env.allowRemoteModels = false;
env.localModelPath = root + '/';

const NEW = 12;
const PROMPTS = ['Hello, wor', 'A'];

const mlaSpec: ModelSpec = {
  name: 'mla',
  vocab: 300,
  hidden: 32,
  layers: 2,
  context: 64,
  attention: { heads: 4, mla: { q_lora_rank: 16, kv_lora_rank: 12, qk_nope_head_dim: 8, qk_rope_head_dim: 4, v_head_dim: 6 } },
  dense: { ffn: 48, layers: [0] },
  moe: { experts: { count: 4, ffn: 24 }, shared: { count: 1, ffn: 24 }, router: { top_k: 2, score: 'sigmoid', norm_topk: true, scaling: 2 }, layers: [1] },
};

const sinksSpec: ModelSpec = {
  ...tinySpec,
  name: 'sinks',
  vocab: 260,
  attention: { heads: 4, kv_heads: 2, head_dim: 16, window: 4, window_layers: [0], sinks: true, rope: { theta: 150000 } },
};

/** moec run's engine: greedy ids per prompt. */
async function moecRun(folder: string, prompts: string[], variant?: VariantName): Promise<number[][]> {
  const opened = await openLmSession(folder, 1, variant);
  const lm = opened.value!;
  try {
    const gen = await generate(new CachedDecoder(lm.session, lm.cache!, lm.eos?.[0] ?? 0), prompts.map(encodeBytes), {
      maxNewTokens: NEW,
      context: lm.context,
      eos: lm.eos,
      sampler: createSampler(GREEDY, 0),
    });
    return gen.ids;
  } finally {
    await lm.session.release();
  }
}

interface Fed {
  seq: number;
  past: number;
}

/** transformers.js greedy generate() on the prompts (one left-padded batch); new ids per row, and what its session was fed. */
async function clientGenerate(name: string, prompts: string[], dtype: string): Promise<{ ids: number[][]; fed: Fed[] }> {
  const tokenizer = await AutoTokenizer.from_pretrained(name);
  const model = await AutoModelForCausalLM.from_pretrained(name, { dtype: dtype as 'fp32' });
  const session = (model as unknown as { sessions: { model: { run: (feeds: Record<string, Tensor>) => Promise<unknown> } } }).sessions.model;
  const fed: Fed[] = [];
  const run = session.run.bind(session);
  session.run = (feeds) => {
    fed.push({ seq: feeds.input_ids.dims[1] as number, past: feeds['past_key_values.0.key'].dims[2] as number });
    return run(feeds);
  };
  const inputs = tokenizer(prompts, { padding: true });
  const out = (await model.generate({ ...inputs, max_new_tokens: NEW, do_sample: false })) as Tensor;
  const width = (inputs.input_ids as Tensor).dims[1] as number;
  const rows = (out.tolist() as bigint[][]).map((r) => r.slice(width).map(Number));
  await model.dispose();
  return { ids: rows, fed };
}

/** Drop everything from the first eos (transformers.js pads finished rows with it). */
const untilEos = (ids: number[], eos?: number) => (eos !== undefined && ids.includes(eos) ? ids.slice(0, ids.indexOf(eos)) : ids);

describe('transformers.js loads the folder and generates what moec run generates', () => {
  const cases: [string, ModelSpec, VariantName | undefined, string, Record<string, unknown>?][] = [
    ['specs/tiny (qwen2_moe, GQA + MoE)', tinySpec, undefined, 'qwen2_moe'],
    ['MLA (deepseek_v3, per-head key 12 / value 6)', mlaSpec, undefined, 'deepseek_v3'],
    ['sinks + sliding window 4 (gpt_oss)', sinksSpec, undefined, 'gpt_oss'],
    ['q4 variant of specs/tiny (model_q4.onnx, MatMulNBits)', tinySpec, 'q4', 'qwen2_moe'],
    ['q8 variant of specs/tiny (model_quantized.onnx, dynamic int8)', tinySpec, 'q8', 'qwen2_moe'],
    ['external data (onnx/model.onnx_data)', { ...tinySpec, name: 'external' }, undefined, 'qwen2_moe', { externalData: true }],
  ];
  for (const [title, spec, variant, modelType, extra] of cases) {
    it(title, async () => {
      const ir = irOf(spec);
      const folder = join(root, spec.name + (variant ?? ''));
      const compiled = await compileOnnx(ir, { folder, variants: variant ? [variant] : [], ...extra });
      expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const config = (await import(join(folder, 'config.json'), { with: { type: 'json' } })).default;
      expect(config.model_type).toBe(modelType);
      if (extra?.externalData) {
        expect(readdirSync(join(folder, 'onnx')).sort()).toEqual(['model.onnx', 'model.onnx_data']);
        expect(config['transformers.js_config'].use_external_data_format).toEqual({ 'model.onnx': 1 });
      }
      const name = folder.slice(root.length + 1);
      const dtype = variant ?? 'fp32';

      const ours = await moecRun(folder, PROMPTS, variant);
      const theirs = await clientGenerate(name, PROMPTS, dtype);
      const eos = config.eos_token_id ?? undefined;
      expect(theirs.ids.map((r) => untilEos(r, eos))).toEqual(ours);
      expect(ours[0].length).toBeGreaterThan(0);
      // One prefill of the padded prompts, then one token per step against a growing past.
      const width = Math.max(...PROMPTS.map((p) => Buffer.byteLength(p)));
      expect(theirs.fed[0]).toEqual({ seq: width, past: 0 });
      expect(theirs.fed.slice(1).map((f) => f.seq)).toEqual(theirs.fed.slice(1).map(() => 1));
      expect(theirs.fed.slice(1).map((f) => f.past)).toEqual(theirs.fed.slice(1).map((_, i) => width + i));
      expect(theirs.fed.length).toBeGreaterThan(1);

      // The text-generation pipeline gives the same continuation as text (it skips special
      // tokens — ids ≥ 256 — where moec run prints them as <|id|>).
      const generator = await pipeline('text-generation', name, { dtype: dtype as 'fp32' });
      const [out] = (await generator(PROMPTS[0], { max_new_tokens: NEW, do_sample: false })) as { generated_text: string }[];
      expect(out.generated_text).toBe(PROMPTS[0] + decodeBytes(ours[0].filter((id) => id < 256)));
      await generator.dispose();
    });
  }
});
