/**
 * `import(export(x)) = x`, bit for bit, through the one key table: every golden fixture's weights
 * (read through the HF reader) are exported as a Hugging Face directory and read back, and every
 * IR tensor comes back with the same float32 bits; a checkpoint exported in its own dtype has the
 * same stored bytes per tensor as the original (v4 layouts), so the exporter writes what
 * transformers saved. The config round trip is checked by the exporter itself (export-config.ts)
 * and here for every shipped spec that an HF model_type holds. Exports are deterministic and
 * atomic.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportConfig } from '../../../src/interop/hf/export-config.js';
import { exportHf } from '../../../src/interop/hf/export-hf.js';
import { importConfig } from '../../../src/interop/hf/import-config.js';
import { readHfWeights } from '../../../src/interop/hf/weights/read-hf-weights.js';
import { openCheckpoint } from '../../../src/interop/safetensors/open-checkpoint.js';
import { describeArchitecture, firstArchitectureDifference } from '../../../src/ir/architecture.js';
import { loadModel } from '../../../src/pipeline.js';
import { LazyInitWeights } from '../../../src/weights/lazy-weights.js';

const ROOT = 'test/fixtures/hf';
const tmp = mkdtempSync(join(tmpdir(), 'moec-hf-rt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const CASES = readdirSync(ROOT).filter((d) => statSync(join(ROOT, d)).isDirectory() && importConfig(join(ROOT, d)).value).sort();
const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('import(export(x)) = x', () => {
  for (const name of CASES) {
    it(`${name}: every tensor back bit for bit`, () => {
      const dir = join(ROOT, name);
      const { ir } = importConfig(dir).value!;
      const src = readHfWeights(dir, ir).value!;
      const out = join(tmp, name);
      const written = exportHf(ir, src.weights, out, { maxShardSize: 50_000 });
      expect(written.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(importConfig(out).value!.ir.architectureHash).toBe(ir.architectureHash);
      const back = readHfWeights(out, ir);
      expect(back.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      for (const t of ir.tensors) expect(bytes(back.value!.weights.get(t.name)!).equals(bytes(src.weights.get(t.name)!)), t.name).toBe(true);
      src.weights.close();
      back.value!.weights.close();
    });
  }

  it('a checkpoint exported in its own dtype stores the same bytes per tensor (mixtral BF16, qwen2_moe F16, DeepSeek interleaved rope rows, Granite stacked experts)', () => {
    for (const [name, dtype] of [['mixtral-bf16-sharded-window', 'bf16'], ['qwen2-moe-step2-tied-f16', 'fp16'], ['deepseek-v3-mla-yarn', 'fp32'], ['deepseek-v2-lite', 'fp32'], ['gpt-oss-sinks-window-yarn', 'fp32'], ['granitemoe-multipliers-tied', 'fp32'], ['granitemoeshared-bias-defaults', 'fp32']] as const) {
      const dir = join(ROOT, name);
      const { ir } = importConfig(dir).value!;
      const out = join(tmp, `${name}-${dtype}`);
      const src = readHfWeights(dir, ir).value!;
      expect(exportHf(ir, src.weights, out, { dtype }).value).toBeDefined();
      const a = openCheckpoint(dir).value!;
      const b = openCheckpoint(out).value!;
      expect(b.tensors.map((t) => t.name).sort()).toEqual(a.tensors.map((t) => t.name).sort());
      for (const t of a.tensors) expect(Buffer.from(b.readRaw(t.name).value!).equals(Buffer.from(a.readRaw(t.name).value!)), `${name} ${t.name}`).toBe(true);
      a.close();
      b.close();
      src.weights.close();
    }
  });

  it('every shipped spec an HF model_type holds exports a config that imports back to its architecture', () => {
    const held: string[] = [];
    for (const f of readdirSync('specs').filter((x) => x.endsWith('.moe'))) {
      const ir = loadModel(join('specs', f), { memoryFit: false }).ir!;
      const e = exportConfig(ir);
      if (!e.value) continue;
      held.push(f);
      const back = importConfig(writeConfig(f, e.value.text)).value!.ir;
      expect(firstArchitectureDifference(describeArchitecture(back), describeArchitecture(ir)), f).toBeUndefined();
    }
    // tiny.moe (one ungated shared expert, no biases) is held exactly by granitemoeshared.
    expect(held.sort()).toEqual(['deepseek-v2-lite.moe', 'deepseek-v3.moe', 'gpt-oss-20b.moe', 'mixtral-8x7b.moe', 'olmoe-1b-7b.moe', 'qwen1.5-moe-a2.7b.moe', 'tiny.moe']);
  });

  it('is deterministic: the same spec and seed give the same bytes', () => {
    const ir = importConfig(join(ROOT, 'gpt-oss-sinks-window-yarn')).value!.ir;
    const [a, b] = ['det-a', 'det-b'].map((n) => join(tmp, n));
    for (const out of [a, b]) expect(exportHf(ir, new LazyInitWeights(ir, 5), out, { dtype: 'bf16', maxShardSize: 20_000 }).value).toBeDefined();
    const files = readdirSync(a).sort();
    expect(readdirSync(b).sort()).toEqual(files);
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
  });

  it('is atomic: a failing weight leaves nothing under the output name, an existing output is kept without --force', () => {
    const ir = importConfig(join(ROOT, 'mixtral-gqa')).value!.ir;
    const broken = new LazyInitWeights(ir, 1);
    broken.set('layers.1.moe.experts.3.down_proj.weight', new Float32Array(3)); // wrong size: the writer refuses it
    const out = join(tmp, 'atomic');
    const r = exportHf(ir, broken, out);
    expect(r.value).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toContain('MOE7530');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp).filter((f) => f.includes('moec-tmp'))).toEqual([]);
    expect(exportHf(ir, new LazyInitWeights(ir, 1), out).value).toBeDefined();
    const again = exportHf(ir, new LazyInitWeights(ir, 2), out);
    expect(again.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toEqual(['MOE9012']);
    expect(exportHf(ir, new LazyInitWeights(ir, 2), out, { force: true }).value).toBeDefined();
  });
});

function writeConfig(name: string, text: string): string {
  const path = join(tmp, `${name}.config.json`);
  writeFileSync(path, text);
  return path;
}
