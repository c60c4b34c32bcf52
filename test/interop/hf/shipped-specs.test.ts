/**
 * Issue 8's "every shipped spec that names a real model computes that model": `moec import` of
 * the model's real config.json (test/fixtures/hf-configs/, sources in its README) resolves to the
 * shipped spec's architecture — the architecture hash (src/ir/architecture.ts), which leaves out
 * what does not change the function: the name, the context length, the parallel layout, the
 * training run (router losses, bias-update rate, capacity), the storage quantization and the
 * targets — and so to the same parameter counts, which test/analysis/params.test.ts and the
 * explain tests hold on the published figures. DeepSeekMoE-16B is remote code and refused.
 */
import { describe, expect, it } from 'vitest';
import { countParams } from '../../../src/analysis/params.js';
import { importConfig } from '../../../src/interop/hf/import-config.js';
import { describeArchitecture, firstArchitectureDifference } from '../../../src/ir/architecture.js';
import { loadModel } from '../../../src/pipeline.js';

const PAIRS: [config: string, spec: string][] = [
  ['mistralai--Mixtral-8x7B-v0.1', 'mixtral-8x7b'],
  ['Qwen--Qwen1.5-MoE-A2.7B', 'qwen1.5-moe-a2.7b'],
  ['allenai--OLMoE-1B-7B-0924', 'olmoe-1b-7b'],
  ['deepseek-ai--DeepSeek-V2-Lite', 'deepseek-v2-lite'],
  ['deepseek-ai--DeepSeek-V3', 'deepseek-v3'],
  ['openai--gpt-oss-20b', 'gpt-oss-20b'],
];

describe('shipped specs compute the models they are named after', () => {
  for (const [config, spec] of PAIRS) {
    it(`${spec}.moe = moec import ${config}/config.json`, () => {
      const imported = importConfig(`test/fixtures/hf-configs/${config}`);
      expect(imported.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const mine = imported.value!.ir;
      const shipped = loadModel(`specs/${spec}.moe`, { memoryFit: false }).ir!;
      expect(firstArchitectureDifference(describeArchitecture(mine), describeArchitecture(shipped))).toBeUndefined();
      expect(mine.architectureHash).toBe(shipped.architectureHash);
      expect(mine.context).toBe(shipped.context);
      expect(countParams(mine)).toEqual(countParams(shipped));
    });
  }

  it('deepseek-moe-16b.moe: model_type deepseek is remote code, refused with MOE7001 (docs/hf.md)', () => {
    const r = importConfig('test/fixtures/hf-configs/deepseek-ai--deepseek-moe-16b-base');
    expect(r.value).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE7001']);
    expect(r.diagnostics[0]!.message).toMatch(/remote code/);
  });
});
