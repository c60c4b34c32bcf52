/**
 * The ONNX model folder's config.json (src/lower/onnx/deploy/hf-config.ts) comes from the HF
 * exporter wherever the folder's cache-contract model_type holds the spec exactly — YaRN fields
 * included, which the description alone did not write — with the client-contract fields kept;
 * otherwise it stays the description (tiny: a shared expert without a gate has no exact type).
 */
import { describe, expect, it } from 'vitest';
import { exportConfig } from '../../../src/interop/hf/export-config.js';
import { importConfig } from '../../../src/interop/hf/import-config.js';
import { configJson } from '../../../src/lower/onnx/deploy/hf-config.js';
import { loadModel } from '../../../src/pipeline.js';

describe('ONNX folder config.json', () => {
  it('is the exact transformers config where the cache-contract type holds the spec', () => {
    const ir = importConfig('test/fixtures/hf/qwen3-moe-yarn-fused').value!.ir;
    const folder = configJson(ir, { kv_cache_dtype: 'float32' }) as Record<string, unknown>;
    const exact = JSON.parse(exportConfig(ir, { modelType: 'qwen3_moe' }).value!.text) as Record<string, unknown>;
    expect(folder.rope_scaling).toEqual({ rope_type: 'yarn', factor: 4, original_max_position_embeddings: 16, beta_fast: 32, beta_slow: 1 });
    for (const k of Object.keys(exact).filter((x) => !['torch_dtype', 'bos_token_id', 'eos_token_id', 'pad_token_id', 'moec'].includes(x))) expect(folder[k], k).toEqual(exact[k]);
    expect(folder['transformers.js_config']).toEqual({ kv_cache_dtype: 'float32' });
    expect(folder.moec).toMatchObject({ name: ir.name, architecture_sha256: ir.architectureHash });
  });

  it('stays the description where no type holds the spec exactly', () => {
    const ir = loadModel('specs/tiny.moe').ir!;
    const folder = configJson(ir, {}) as Record<string, unknown>;
    expect(folder.model_type).toBe('qwen2_moe');
    expect(exportConfig(ir, { modelType: 'qwen2_moe' }).value).toBeUndefined();
  });
});
