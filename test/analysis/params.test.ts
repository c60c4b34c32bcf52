import { describe, expect, it } from 'vitest';
import { buildIR } from '../../src/ir/build-ir.js';
import { countParams } from '../../src/analysis/params.js';
import { countFlops, meanAttended } from '../../src/analysis/flops.js';
import { deepseekMoe16bSpec, deepseekV3Spec, mixtralSpec, tinySpec } from '../ir/fixtures.js';

const params = (spec: Parameters<typeof buildIR>[0]) => countParams(buildIR(spec).value);
/** Round to the precision a figure is published at: 46.7B → one decimal of billions. */
const billions = (n: number, decimals: number): number => Number((n / 1e9).toFixed(decimals));

describe('parameter counts of the tiny spec, derived by hand', () => {
  const p = params(tinySpec);
  // embed 256·64; per layer: norms 2·64, attention 64·64 + 2·64·32 + 64·64 = 12288,
  // router 64·4, experts 4 × 3·64·128 = 98304, shared 3·64·64 = 12288; final norm 64; head 64·256.
  const perLayer = 128 + 12288 + 256 + 98304 + 12288;
  it('total', () => {
    expect(p.total).toBe(16384 + 2 * perLayer + 64 + 16384);
  });
  it('active: top 2 of 4 experts', () => {
    expect(p.active).toBe(p.total - 2 * 2 * (3 * 64 * 128));
    expect(p.byGroup.active.experts).toBe(2 * 2 * 3 * 64 * 128);
    expect(p.nonEmbedding.total).toBe(p.total - 2 * 16384);
  });
  it('tying the embedding drops the head', () => {
    expect(params({ ...tinySpec, tie_embeddings: true }).total).toBe(p.total - 16384);
  });
  it('activeExcludingInputEmbedding leaves out the lookup only: a tied embedding stays, as the LM head', () => {
    expect(p.activeExcludingInputEmbedding).toBe(p.active - 16384);
    const tied = params({ ...tinySpec, tie_embeddings: true });
    expect(tied.active).toBe(p.active - 16384);
    expect(tied.activeExcludingInputEmbedding).toBe(tied.active);
    expect(p.activeExcludingInputEmbedding).toBe(tied.activeExcludingInputEmbedding);
  });
  it('lm_head_bias adds [vocab]; qk_norm full adds [heads·d] + [kv·d] per layer, head [d] + [d]', () => {
    expect(params({ ...tinySpec, lm_head_bias: true }).total).toBe(p.total + 256);
    const perHead = params({ ...tinySpec, attention: { ...tinySpec.attention, qk_norm: 'head' } }).total;
    const full = params({ ...tinySpec, attention: { ...tinySpec.attention, qk_norm: 'full' } }).total;
    expect(perHead).toBe(p.total + 2 * (16 + 16));
    expect(full).toBe(p.total + 2 * (4 * 16 + 2 * 16));
  });
});

describe('published figures of the shipped specs', () => {
  it('Mixtral 8x7B: 46.7B total, 12.9B active', () => {
    const p = params(mixtralSpec);
    expect(p.total).toBe(46_702_792_704);
    expect(billions(p.total, 1)).toBe(46.7);
    expect(billions(p.active, 1)).toBe(12.9);
  });
  it('DeepSeekMoE 16B: 16.4B total, 2.8B active', () => {
    const p = params(deepseekMoe16bSpec);
    expect(billions(p.total, 1)).toBe(16.4);
    expect(billions(p.active, 1)).toBe(2.8);
  });
  it('OLMoE-1B-7B (full-width q/k norms): 6.9B total, 1.3B active', async () => {
    const { loadModel } = await import('../../src/pipeline.js');
    const p = countParams(loadModel('specs/olmoe-1b-7b.moe').ir!);
    // 16 layers × (q_norm [2048] + k_norm [2048]) in the norms group, not 16 × 2 × [128]
    expect(p.byGroup.total.norms).toBe(16 * (2 * 2048 + 2 * 2048) + 2048);
    expect(p.total).toBe(6_919_161_856);
    expect(billions(p.total, 1)).toBe(6.9);
    expect(billions(p.active, 1)).toBe(1.3);
  });
  it('gpt-oss-20b: 21B total, 3.6B active without the input embedding; DeepSeek-V2-Lite: 15.7B (HF safetensors count), 2.4B', async () => {
    const { loadModel } = await import('../../src/pipeline.js');
    const oss = countParams(loadModel('specs/gpt-oss-20b.moe').ir!);
    expect(billions(oss.total, 0)).toBe(21);
    expect(billions(oss.activeExcludingInputEmbedding, 1)).toBe(3.6);
    const lite = countParams(loadModel('specs/deepseek-v2-lite.moe').ir!);
    // the parameter count of the deepseek-ai/DeepSeek-V2-Lite(-Chat) safetensors, exactly
    expect(lite.total).toBe(15_706_484_224);
    expect(Math.floor(lite.activeExcludingInputEmbedding / 1e8) / 10).toBe(2.4);
  });
  it('DeepSeek-V3: 671B total, 37B active within 2%, MTP reported apart', () => {
    const p = params(deepseekV3Spec);
    expect(billions(p.total, 0)).toBe(671);
    expect(Math.abs(p.active / 37e9 - 1)).toBeLessThan(0.02);
    // DeepSeek-V2/V3 leave the input embedding (a lookup) out of the active figure: exactly 37B then.
    expect(billions(p.activeExcludingInputEmbedding, 0)).toBe(37);
    // MTP module: enorm, hnorm, eh_proj [2h, h], one MoE decoder layer, final norm.
    expect(p.mtp.total).toBe(11_610_068_224);
    // Independent check against the checkpoint: Hugging Face's safetensors count for
    // deepseek-ai/DeepSeek-V3 ("685B", 684,531,386,000 exactly) = main + MTP + the MTP layer's
    // stored copies of embedding and head + the FP8 weight_scale_inv tensors (one fp32 per
    // 128×128 block of every FP8 linear: all but embedding, head, router and eh_proj).
    const ir = buildIR(deepseekV3Spec).value;
    const scales = ir.tensors
      .filter((t) => t.shape.length === 2 && !['embeddings', 'lm_head', 'router'].includes(t.group) && !t.name.endsWith('eh_proj.weight'))
      .reduce((a, t) => a + Math.ceil(t.shape[0] / 128) * Math.ceil(t.shape[1] / 128), 0);
    expect(p.total + p.mtp.total + 2 * 129280 * 7168 + scales).toBe(684_531_386_000);
    expect(p.frozen).toBe(58 * 256);
  });
});

describe('FLOPs per token', () => {
  it('mean attended keys over a causal sequence', () => {
    expect(meanAttended(4)).toBe(2.5);
    // window 2 over 4 positions: 1, 2, 2, 2
    expect(meanAttended(4, 2)).toBe(7 / 4);
  });
  it('tiny: 2 × active matmul params + attention', () => {
    const ir = buildIR(tinySpec).value;
    const p = countParams(ir);
    const matmul = p.active - 16384 /* embedding lookup */ - 2 * 2 * 64 - 64; /* norms */
    const attention = 2 * 2 * 4 * (16 + 16) * (129 / 2);
    const f = countFlops(ir);
    expect(f.forward).toBe(2 * matmul + attention);
    expect(f.training).toBe(3 * f.forward);
  });
});

describe('the shipped .moe files (through the parser) match the spec objects above', () => {
  it.each([
    ['specs/mixtral-8x7b.moe', mixtralSpec],
    ['specs/deepseek-moe-16b.moe', deepseekMoe16bSpec],
    ['specs/deepseek-v3.moe', deepseekV3Spec],
  ])('%s', async (file, spec) => {
    const { loadModel } = await import('../../src/pipeline.js');
    const loaded = loadModel(file);
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const fromFile = countParams(loaded.ir!);
    expect(fromFile).toEqual(params(spec));
    expect(loaded.ir!.tensors.map((t) => t.name)).toEqual(buildIR(spec).value.tensors.map((t) => t.name));
    expect(loaded.ir!.layers.map((l) => l.stage)).toEqual(buildIR(spec).value.layers.map((l) => l.stage));
  });
});
