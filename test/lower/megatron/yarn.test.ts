/**
 * YaRN as Megatron-Core computes it from the emitted arguments equals moec's YaRN (src/ir/rope.ts):
 * a line-for-line transcription of YarnRotaryEmbedding (core_v0.19.0
 * megatron/core/models/common/embeddings/yarn_rotary_pos_embedding.py l.66–88, 127–139, 218–272)
 * and of MLA's softmax scale (multi_latent_attention.py l.177–178), fed the launch's flag values
 * (MLA: MLATransformerConfig's fixed original context 4096 and β 32 / 1), against the IR's inverse
 * frequencies, cos/sin factor and attention scale. Both in float64 (Megatron builds the tables in
 * float32, as moec's targets do); tolerance 1e-12 relative.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ropeCosSinFactor, ropeInvFreq } from '../../../src/ir/rope.js';
import { compileFile, valuesOf, type Compiled } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'moec-megatron-yarn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** yarn_rotary_pos_embedding.py, transcribed. */
const findCorrectionDim = (rot: number, dim: number, base: number, maxPos: number) => (dim * Math.log(maxPos / (rot * 2 * Math.PI))) / (2 * Math.log(base));
function findCorrectionRange(lowRot: number, highRot: number, dim: number, base: number, maxPos: number, roundToInt: boolean): [number, number] {
  let low = findCorrectionDim(lowRot, dim, base, maxPos);
  let high = findCorrectionDim(highRot, dim, base, maxPos);
  if (roundToInt) [low, high] = [Math.floor(low), Math.ceil(high)];
  return [Math.max(low, 0), Math.min(high, dim - 1)];
}
function linearRampMask(min: number, max: number, n: number): number[] {
  if (min === max) max += 0.001;
  return Array.from({ length: n }, (_, i) => Math.min(1, Math.max(0, (i - min) / (max - min))));
}
const getMscale = (scale: number, mscale: number) => (scale <= 1 ? 1 : 0.1 * mscale * Math.log(scale) + 1);

interface MegatronYarnConfig { dim: number; base: number; factor: number; original: number; betaFast: number; betaSlow: number; mscale: number; mscaleAllDim: number; roundToInt: boolean }

function megatronInvFreq(c: MegatronYarnConfig): number[] {
  const half = Array.from({ length: c.dim / 2 }, (_, i) => (2 * i) / c.dim);
  const extra = half.map((e) => 1 / c.base ** e);
  const inter = half.map((e) => 1 / (c.factor * c.base ** e));
  const [low, high] = findCorrectionRange(c.betaFast, c.betaSlow, c.dim, c.base, c.original, c.roundToInt);
  const mask = linearRampMask(low, high, c.dim / 2).map((r) => 1 - r);
  return inter.map((v, i) => v * (1 - mask[i]) + extra[i] * mask[i]);
}

/** The config Megatron builds from the launch's arguments. */
function megatronConfig(r: Compiled): { c: MegatronYarnConfig; mla: boolean } {
  const argv = r.argv!;
  const num = (flag: string, fallback: number) => Number(valuesOf(argv, flag)?.[0] ?? fallback);
  const mla = argv.includes('--multi-latent-attention');
  return {
    mla,
    c: {
      dim: mla ? num('--qk-pos-emb-head-dim', 64) : num('--kv-channels', 0),
      base: num('--rotary-base', 10000),
      factor: num('--rotary-scaling-factor', 1),
      original: mla ? 4096 : num('--yarn-original-max-position-embeddings', 4096),
      betaFast: mla ? 32 : num('--yarn-beta-fast', 32),
      betaSlow: mla ? 1 : num('--yarn-beta-slow', 1),
      mscale: num('--mscale', 1),
      mscaleAllDim: num('--mscale-all-dim', 0),
      roundToInt: mla || !argv.includes('--no-yarn-correction-range-round-to-int'),
    },
  };
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));

function write(name: string, text: string): string {
  const file = join(dir, `${name}.moe`);
  writeFileSync(file, text);
  return file;
}
const small = (rope: string, mla = '') => `model "y" {
  vocab 256  hidden 64  layers 2  context 512
  attention { heads 4  head_dim 16  rope { ${rope} } ${mla} }
  moe { experts 4 { ffn 64 }  router { top_k 2 } }
  targets [megatron]
}
`;

const specs: [string, string][] = [
  ['gpt-oss-20b (non-MLA, truncate false)', 'specs/gpt-oss-20b.moe'],
  ['deepseek-v3 (MLA, mscale 1 / 1)', 'specs/deepseek-v3.moe'],
  ['deepseek-v2-lite (MLA, mscale 0.707 / 0.707)', 'specs/deepseek-v2-lite.moe'],
  ['an explicit attention_factor (non-MLA)', write('af', small('scaling yarn  factor 4  original_context 128  attention_factor 1.5'))],
  ['mscale_all_dim alone with MLA', write('mla', small('theta 50000  scaling yarn  factor 8  original_context 4096  mscale_all_dim 0.8', 'mla { kv_lora_rank 16  qk_nope_head_dim 16  qk_rope_head_dim 8  v_head_dim 16 }').replace('head_dim 16  rope', 'rope'))],
  ['beta and an original context of its own (non-MLA)', write('beta', small('theta 500000  scaling yarn  factor 16  original_context 32  beta_fast 24  beta_slow 2'))],
];

describe.each(specs)('%s', (_name, file) => {
  const r = compileFile(file);
  test('compiles', () => expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]));
  test('inverse frequencies, cos/sin factor and softmax scale as moec computes them', () => {
    const { c, mla } = megatronConfig(r);
    const a = r.ir!.layers[0].attention;
    const ours = [...ropeInvFreq(a.rope)];
    const theirs = megatronInvFreq(c);
    expect(theirs.length).toBe(ours.length);
    theirs.forEach((v, i) => expect(close(v, ours[i]), `inv_freq[${i}]: Megatron ${v}, moec ${ours[i]}`).toBe(true));
    const factor = getMscale(c.factor, c.mscale) / getMscale(c.factor, c.mscaleAllDim);
    expect(close(factor, ropeCosSinFactor(a.rope)), `cos/sin factor: Megatron ${factor}, moec ${ropeCosSinFactor(a.rope)}`).toBe(true);
    const qHeadDim = mla ? a.headDim : c.dim;
    const scale = mla ? getMscale(c.factor, c.mscaleAllDim) ** 2 / Math.sqrt(qHeadDim) : 1 / Math.sqrt(c.dim);
    expect(close(scale, a.scale), `softmax scale: Megatron ${scale}, moec ${a.scale}`).toBe(true);
  });
});
