/**
 * Validates the golden Hugging Face fixtures themselves (test/fixtures/hf/<case>/), cheaply and
 * without running a model: every case has config.json, a checkpoint and expected.json; the logits
 * count is batch·seq·vocab; every safetensors file parses (header length, dtype, shape × dtype size
 * = data_offsets span, offsets contiguous and inside the file); an index names exactly the tensors
 * its shards hold; quantised tensors come with their scales; the README table lists every case.
 * The safetensors header parser here is deliberately independent of src/interop/safetensors, so a
 * bug in one cannot hide a bug in the other. The logits-parity tests belong to the HF bridge.
 * Regenerate the fixtures with `/usr/bin/python3 test/tools/hf-reference/generate.py`.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../fixtures/hf/', import.meta.url).pathname;
const CASES = readdirSync(ROOT).filter((d) => statSync(join(ROOT, d)).isDirectory()).sort();
const DTYPE_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, U8: 1, F8_E4M3: 1 };

interface Entry { dtype: string; shape: number[]; data_offsets: [number, number] }

function readHeader(path: string): Record<string, Entry> {
  const buf = readFileSync(path);
  expect(buf.length).toBeGreaterThanOrEqual(8);
  const n = Number(buf.readBigUInt64LE(0));
  expect(n, `${path}: header length`).toBeLessThanOrEqual(buf.length - 8);
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
  delete header.__metadata__;
  const entries = header as Record<string, Entry>;
  const spans = Object.entries(entries).map(([name, e]) => {
    expect(DTYPE_BYTES[e.dtype], `${name}: dtype ${e.dtype}`).toBeDefined();
    const [b, end] = e.data_offsets;
    expect(e.shape.reduce((a, d) => a * d, 1) * DTYPE_BYTES[e.dtype], `${name}: size`).toBe(end - b);
    return [b, end] as const;
  }).sort((x, y) => x[0] - y[0]);
  let at = 0;
  for (const [b, end] of spans) {
    expect(b).toBe(at); // contiguous, no overlap, no gap
    at = end;
  }
  expect(8 + n + at, `${path}: data region ends at the file end`).toBe(buf.length);
  return entries;
}

function checkpointTensors(dir: string): Record<string, Entry> {
  const index = join(dir, 'model.safetensors.index.json');
  if (!existsSync(index)) return readHeader(join(dir, 'model.safetensors'));
  const { metadata, weight_map: map } = JSON.parse(readFileSync(index, 'utf8')) as
    { metadata: { total_size: number }; weight_map: Record<string, string> };
  const all: Record<string, Entry> = {};
  let total = 0;
  for (const file of [...new Set(Object.values(map))].sort()) {
    const entries = readHeader(join(dir, file));
    for (const [name, e] of Object.entries(entries)) {
      expect(map[name], `${name} is in ${file} but the index maps it to ${map[name]}`).toBe(file);
      all[name] = e;
      total += e.data_offsets[1] - e.data_offsets[0];
    }
  }
  expect(Object.keys(all).sort()).toEqual(Object.keys(map).sort());
  expect(metadata.total_size).toBe(total);
  return all;
}

const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);

describe('golden HF fixtures (test/fixtures/hf)', () => {
  it('has the required model_types and a README row per case, no stale rows', () => {
    const types = new Set(CASES.map((c) => JSON.parse(readFileSync(join(ROOT, c, 'config.json'), 'utf8')).model_type));
    for (const t of ['mixtral', 'qwen2_moe', 'qwen3_moe', 'olmoe', 'deepseek_v2', 'deepseek_v3', 'gpt_oss']) expect(types).toContain(t);
    const rows = [...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
    expect(rows.sort()).toEqual(CASES);
  });

  for (const name of CASES) {
    it(name, () => {
      const dir = join(ROOT, name);
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
      expect(config.architectures).toEqual([expected.architecture]);
      expect(config.model_type).toBe(expected.model_type);
      expect(config.torch_dtype ?? config.dtype).toMatch(/^(float32|bfloat16|float16)$/);
      expect(expected.source.transformers_files.length).toBeGreaterThan(0);
      expect(expected.source.commit).toMatch(/^[0-9a-f]{40}$/);

      const ids: number[][] = expected.input_ids;
      const [batch, seq, vocab] = expected.logits_shape;
      expect([ids.length, ids[0].length, config.vocab_size]).toEqual([batch, seq, vocab]);
      for (const row of ids) for (const t of row) expect(t >= 0 && t < vocab).toBe(true);
      if (expected.attention_mask) expect(expected.attention_mask.map((r: number[]) => r.length)).toEqual(ids.map((r) => r.length));
      const logits: number[] = expected.logits;
      expect(logits.length).toBe(batch * seq * vocab);
      expect(logits.every(Number.isFinite)).toBe(true);
      const maxAbs = Math.max(...logits.map(Math.abs));
      expect(Math.abs(maxAbs - expected.max_abs_logit)).toBeLessThan(1e-6);
      expect(maxAbs).toBeGreaterThan(1); // not degenerate
      expect(maxAbs).toBeLessThan(20);

      const files = readdirSync(dir).filter((f) => f !== 'config.json' && f !== 'expected.json').sort();
      expect(files).toEqual([...expected.files].sort());
      const tensors = checkpointTensors(dir);
      expect('lm_head.weight' in tensors).toBe(!config.tie_word_embeddings);
      expect(tensors['model.embed_tokens.weight'].shape).toEqual([vocab, config.hidden_size]);

      const block: number[] = config.quantization_config?.weight_block_size ?? [128, 128];
      for (const [key, e] of Object.entries(tensors)) {
        if (e.dtype === 'F8_E4M3') {
          const scale = tensors[key.replace(/weight$/, 'weight_scale_inv')];
          expect(scale?.shape, `${key}: weight_scale_inv`).toEqual([ceilDiv(e.shape[0], block[0]), ceilDiv(e.shape[1], block[1])]);
        }
        if (key.endsWith('_blocks')) {
          const scales = tensors[key.replace(/_blocks$/, '_scales')];
          expect(e.dtype).toBe('U8');
          expect(e.shape.at(-1)).toBe(16); // 32 E2M1 values per block, two per byte
          expect(scales?.shape, `${key}: scales`).toEqual(e.shape.slice(0, -1));
        }
      }
    });
  }
});
