/**
 * The model folder's files: what is written for each output, the byte-level tokenizer.json
 * encoding exactly UTF-8 bytes in transformers.js' own tokenizer, config.json agreeing with the
 * graph's cache inputs, genai_config.json naming the graph's inputs and outputs (and skipped with
 * MOE5522 for MLA, whose key and value widths differ), variants named as transformers.js names
 * them and stale ones removed, byte-identical recompiles.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { compileOnnx } from '../../../../src/lower/onnx/compile-onnx.js';
import { configJson } from '../../../../src/lower/onnx/deploy/hf-config.js';
import { encodeBytes } from '../../../../src/run/byte-tokenizer.js';
import { referenceIR } from '../../../reference/cases.js';
import { irOf, tinySpec } from '../variants.js';

const root = mkdtempSync(join(tmpdir(), 'moec-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
env.allowRemoteModels = false;
env.localModelPath = root + '/';
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('moec compile -o dir/ (the model folder)', () => {
  const tiny = irOf(tinySpec);

  it('writes the Optimum layout; variants as transformers.js names them; a recompile removes variants it does not write', async () => {
    const dir = join(root, 'layout');
    const r = await compileOnnx(tiny, { folder: dir, variants: ['fp16', 'int8', 'q8', 'q4'] });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE5020']);
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'genai_config.json', 'generation_config.json', 'onnx', 'tokenizer.json', 'tokenizer_config.json']);
    expect(readdirSync(join(dir, 'onnx')).sort()).toEqual(['model.onnx', 'model_fp16.onnx', 'model_int8.onnx', 'model_q4.onnx', 'model_quantized.onnx']);
    const sizes = Object.fromEntries(r.value!.folder!.models.map((m) => [m.variant, m.model.bytes]));
    expect(sizes.q4).toBeLessThan(sizes.int8);
    expect(sizes.int8).toBeLessThan(sizes.fp16);
    expect(sizes.fp16).toBeLessThan(sizes.spec);
    await compileOnnx(tiny, { folder: dir, variants: ['q4'] });
    expect(readdirSync(join(dir, 'onnx')).sort()).toEqual(['model.onnx', 'model_q4.onnx']);
  });

  it('is deterministic: the same spec and seed give the same bytes in every file', async () => {
    const a = join(root, 'det-a');
    const b = join(root, 'det-b');
    await compileOnnx(tiny, { folder: a, variants: ['q4'] });
    await compileOnnx(tiny, { folder: b, variants: ['q4'] });
    for (const f of ['config.json', 'tokenizer.json', 'genai_config.json', 'onnx/model.onnx', 'onnx/model_q4.onnx']) {
      expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f).toBe(true);
    }
  });

  it('tokenizer.json: transformers.js encodes text to exactly its UTF-8 bytes and decodes them back', async () => {
    await compileOnnx(irOf({ ...tinySpec, name: 'tok', vocab: 259 }), { folder: join(root, 'tok') });
    const tokenizer = await AutoTokenizer.from_pretrained('tok');
    for (const text of ['Hello, world!', '  two  spaces\n\tand tabs', 'héllo → 世界 🙂', '\x00\x01\x7f', 'Ā ĉ']) {
      const ids = tokenizer.encode(text);
      expect(ids, JSON.stringify(text)).toEqual(encodeBytes(text));
      expect(tokenizer.decode(ids)).toBe(text);
    }
    // 256 is the trainer's end-of-document id; 257, 258 are reserved specials.
    expect(tokenizer.decode([72, 256, 105, 258], { skip_special_tokens: false })).toBe('H<|endoftext|>i<|258|>');
    expect(tokenizer.eos_token_id).toBe(256);
    expect(tokenizer.padding_side).toBe('left');
    const config = json(join(root, 'tok', 'config.json'));
    expect([config.eos_token_id, config.pad_token_id]).toEqual([256, 256]);
  });

  it('a 256-entry vocabulary has no end-of-sequence id (documents are joined by a blank line) and pads with byte 0', async () => {
    const dir = join(root, 'byte256');
    await compileOnnx(tiny, { folder: dir });
    expect(json(join(dir, 'generation_config.json'))).toMatchObject({ eos_token_id: null, pad_token_id: 0 });
    expect(json(join(dir, 'tokenizer_config.json'))).toMatchObject({ eos_token: null, pad_token: 'Ā' });
  });

  it('config.json and genai_config.json agree with the graph the session loads', async () => {
    const dir = join(root, 'agree');
    await compileOnnx(tiny, { folder: dir });
    const config = json(join(dir, 'config.json'));
    const genai = json(join(dir, 'genai_config.json'));
    const session = await ort.InferenceSession.create(join(dir, 'onnx', 'model.onnx'));
    try {
      const past = session.inputMetadata.find((m) => m.name === 'past_key_values.1.value')!;
      expect(past.isTensor && past.shape).toEqual(['batch_size', config.num_key_value_heads, 'past_sequence_length', config.head_dim]);
      expect(config.num_hidden_layers).toBe(2);
      const d = genai.model.decoder;
      expect([d.head_size, d.num_key_value_heads, d.num_attention_heads, d.num_hidden_layers]).toEqual([16, 2, 4, 2]);
      const names = [...Object.values(d.inputs), ...Object.values(d.outputs)] as string[];
      for (const n of names) {
        const concrete = n.replace('%d', '0');
        expect([...session.inputNames, ...session.outputNames], n).toContain(concrete);
      }
      expect(genai.search.past_present_share_buffer).toBe(false);
      expect(existsSync(join(dir, d.filename))).toBe(true);
    } finally {
      await session.release();
    }
  });

  it('a vocabulary under 256 ids gets a warning: the byte tokenizer.json would feed ids it does not have (MOE5528)', async () => {
    const small = irOf({ name: 'small', vocab: 11, hidden: 8, layers: 1, context: 8, attention: { heads: 2, head_dim: 4 }, dense: { ffn: 12 } });
    const r = await compileOnnx(small, { folder: join(root, 'small') });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE5528']);
    expect((await compileOnnx(tiny, { folder: join(root, 'tiny256') })).diagnostics.map((d) => d.code)).not.toContain('MOE5528');
  });

  it('a sliding window survives transformers reading the qwen config (use_sliding_window, else sliding_window = 0)', () => {
    // transformers' Qwen2MoeConfig.__post_init__: `sliding_window if use_sliding_window else 0`.
    const config = configJson(irOf({ ...tinySpec, attention: { ...tinySpec.attention, window: 32 } }), {}) as Record<string, unknown>;
    expect(config).toMatchObject({ model_type: 'qwen2_moe', use_sliding_window: true, sliding_window: 32, layer_types: ['sliding_attention', 'sliding_attention'] });
  });

  it('MLA: deepseek_v3 config with qk_head_dim = nope + rope; no genai_config.json (MOE5522)', async () => {
    const ir = referenceIR('mla-qlora-moe');
    const dir = join(root, 'mla');
    const r = await compileOnnx(ir, { folder: dir });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE5020', 'MOE5522', 'MOE5528']);
    expect(existsSync(join(dir, 'genai_config.json'))).toBe(false);
    const config = json(join(dir, 'config.json'));
    expect(config).toMatchObject({ model_type: 'deepseek_v3', qk_head_dim: 6, v_head_dim: 3, num_key_value_heads: 2, q_lora_rank: 5, kv_lora_rank: 6 });
  });
});
