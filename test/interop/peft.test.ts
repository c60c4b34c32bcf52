/**
 * PEFT module names and layout (src/interop/peft/), on the golden HF fixtures:
 * - every adapted projection is named by the HF bridge's key table: `<path>.weight` is a tensor of
 *   the fixture's checkpoint (Mixtral's w1/w3/w2 and block_sparse_moe.gate, Qwen2-MoE's
 *   shared_expert and dense mlp, DeepSeek's kv_a_proj_with_mqa and shared_experts);
 * - DeepSeek's rope-row projections (q_b_proj, kv_a_proj_with_mqa): lora_B is written in the
 *   checkpoint's interleaved row order, so merging the PEFT adapter into the HF weights in HF order
 *   (W + scaling·lora_B@lora_A, as PEFT merges) and importing the result through the bridge gives
 *   moec's merge of the same adapter (bit for bit: both round once from float64);
 * - gpt-oss's fused experts are refused (MOE6650); a spec no model_type holds has no PEFT target
 *   (MOE6653); the target_modules regex full-matches exactly the adapted modules.
 */
import { mkdirSync, mkdtempSync, copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveLora } from '../../src/ir/defaults.js';
import { loraA, loraB, loraModules } from '../../src/ir/lora.js';
import type { LoraTarget } from '../../src/spec/types.js';
import type { ModelIR } from '../../src/ir/types.js';
import { importConfig } from '../../src/interop/hf/import-config.js';
import { openSafetensors, writeSafetensors } from '../../src/interop/safetensors/index.js';
import { peftModules, peftTarget } from '../../src/interop/peft/peft-modules.js';
import { readPeftAdapter } from '../../src/interop/peft/read-adapter.js';
import { targetRegex, writePeftAdapter } from '../../src/interop/peft/write-adapter.js';
import { readModelWeights } from '../../src/weights/read-model-weights.js';
import { mergeLora } from '../../src/weights/lora-merge.js';
import { buildTinyIR } from '../train/tiny-model.js';

const FIXTURES = 'test/fixtures/hf';
const root = mkdtempSync(join(tmpdir(), 'moec-peft-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function fixtureIR(name: string, targets: LoraTarget[], rank = 2): ModelIR {
  const ir = importConfig(join(FIXTURES, name)).value!.ir;
  ir.train.lora = resolveLora({ rank, alpha: 2 * rank, targets }, ir.layers.length);
  return ir;
}

/** A deterministic adapter with every value non-zero (B too: a merge must show). */
function someAdapters(ir: ModelIR): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  let s = 7;
  const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.2;
  for (const m of loraModules(ir, ir.train.lora!)) {
    out.set(loraA(m.prefix), Float32Array.from({ length: m.in * ir.train.lora!.rank }, next));
    out.set(loraB(m.prefix), Float32Array.from({ length: ir.train.lora!.rank * m.out }, next));
  }
  return out;
}

describe('PEFT module names from the key table', () => {
  it('names every adapted projection by a tensor of the checkpoint, per model_type', () => {
    const cases: [string, LoraTarget[], string[]][] = [
      ['mixtral-gqa', ['attention', 'experts', 'router'], ['model.layers.0.block_sparse_moe.experts.2.w3', 'model.layers.1.block_sparse_moe.gate', 'model.layers.0.self_attn.k_proj']],
      ['qwen2-moe-shared', ['experts', 'shared', 'dense', 'router'], ['model.layers.0.mlp.shared_expert.down_proj', 'model.layers.0.mlp.experts.2.up_proj', 'model.layers.0.mlp.gate', 'model.layers.1.mlp.gate_proj']],
      ['deepseek-v3-mla-yarn', ['attention', 'shared'], ['model.layers.0.self_attn.q_b_proj', 'model.layers.1.self_attn.kv_a_proj_with_mqa', 'model.layers.1.mlp.shared_experts.up_proj']],
    ];
    for (const [name, targets, expected] of cases) {
      const ir = fixtureIR(name, targets);
      const target = peftTarget(ir, join(FIXTURES, name)).value!;
      const { modules, diagnostics } = peftModules(ir, target);
      expect(diagnostics, name).toEqual([]);
      const paths = modules.map((m) => m.path);
      for (const p of expected) expect(paths, name).toContain(p);
      const file = openSafetensors(join(FIXTURES, name, 'model.safetensors')).value!;
      for (const p of paths) expect(file.get(`${p}.weight`), `${name}: ${p}`).toBeDefined();
      file.close();
      expect(modules.length).toBe(loraModules(ir, ir.train.lora!).length);
    }
  });

  it('orders lora_B rows as the weight: only DeepSeek q / kv_a carry a row order', () => {
    const ir = fixtureIR('deepseek-v3-mla-yarn', ['attention']);
    const { modules } = peftModules(ir, peftTarget(ir, join(FIXTURES, 'deepseek-v3-mla-yarn')).value!);
    const ordered = modules.filter((m) => m.rowOrder).map((m) => m.m.module);
    expect([...new Set(ordered)].sort()).toEqual(['kv_a_proj', 'q_b_proj']);
    const order = modules.find((m) => m.m.module === 'kv_a_proj')!.rowOrder!;
    expect([...order].some((r, i) => r !== i)).toBe(true);
  });

  it('refuses gpt-oss fused experts and its nn.Parameter router, names its attention', () => {
    const ir = fixtureIR('gpt-oss-sinks-window-yarn', ['experts', 'router', 'q_proj']);
    const r = peftModules(ir, peftTarget(ir, join(FIXTURES, 'gpt-oss-sinks-window-yarn')).value!);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE6650', 'MOE6650', 'MOE6650', 'MOE6650']);
    expect(r.diagnostics.some((d) => /target_parameters/.test(d.message))).toBe(true);
    expect(r.diagnostics.filter((d) => /GptOssTopKRouter \(`model\.layers\.0\.mlp\.router`\) holds the router weight as an nn\.Parameter/.test(d.message))).toHaveLength(1);
    expect(r.modules.map((m) => m.path)).toEqual(['model.layers.0.self_attn.q_proj', 'model.layers.1.self_attn.q_proj']);
  });

  it('refuses a router PEFT cannot wrap (DeepSeek-V3\'s nn.Parameter router), names nn.Linear routers', () => {
    const deepseek = fixtureIR('deepseek-v3-mla-yarn', ['router']);
    const d = peftModules(deepseek, peftTarget(deepseek, join(FIXTURES, 'deepseek-v3-mla-yarn')).value!);
    expect(d.diagnostics.map((x) => x.code)).toEqual(['MOE6650']);
    expect(d.diagnostics[0]!.message).toMatch(/DeepseekV3TopkRouter/);
    const mixtral = fixtureIR('mixtral-gqa', ['router']);
    const m = peftModules(mixtral, peftTarget(mixtral, join(FIXTURES, 'mixtral-gqa')).value!);
    expect(m.diagnostics).toEqual([]);
    expect(m.modules.map((x) => x.path)).toEqual(['model.layers.0.block_sparse_moe.gate', 'model.layers.1.block_sparse_moe.gate']);
  });

  it('refuses granitemoeshared\'s fused shared gate/up (half of one nn.Linear), names its shared down projection', () => {
    const ir = fixtureIR('granitemoeshared-bias-defaults', ['shared']);
    const r = peftModules(ir, peftTarget(ir, join(FIXTURES, 'granitemoeshared-bias-defaults')).value!);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE6650', 'MOE6650']);
    expect(r.diagnostics[0]!.message).toMatch(/half of the nn\.Linear `model\.layers\.0\.shared_mlp\.input_linear\.weight`/);
    expect(r.modules.map((m) => m.path)).toEqual(['model.layers.0.shared_mlp.output_linear', 'model.layers.1.shared_mlp.output_linear']);
  });

  it('targets the model_type moec export hf writes, or none (MOE6653)', async () => {
    const mixtralLike = await buildTinyIR((s) => {
      delete s.moe!.shared;
      s.train!.lora = { rank: 2, targets: ['experts'] };
    });
    expect(peftTarget(mixtralLike).value!.type.modelType).toBe('mixtral');
    // tiny with a GeGLU shared expert: no model_type holds it (granitemoeshared would hold tiny as it is).
    const tiny = await buildTinyIR((s) => {
      s.moe!.shared!.activation = 'geglu';
      s.train!.lora = { rank: 2, targets: ['experts'] };
    });
    expect(peftTarget(tiny).diagnostics.map((d) => d.code)).toEqual(['MOE6653']);
  });
});

describe('MLA adapters in HF row order', () => {
  it('merge in HF order then import = moec merge', async () => {
    const name = 'deepseek-v3-mla-yarn';
    const ir = fixtureIR(name, ['attention', 'experts']);
    const lora = ir.train.lora!;
    const adapters = someAdapters(ir);
    const target = peftTarget(ir, join(FIXTURES, name)).value!;
    const dir = join(root, 'mla-adapter');
    expect((await writePeftAdapter(dir, ir, adapters, { target, baseModel: name })).diagnostics).toEqual([]);
    expect(readPeftAdapter(dir, ir, target).value!.adapters).toEqual(adapters);

    // PEFT's merge on the HF checkpoint: W[out, in] += scaling · lora_B[out, r] @ lora_A[r, in].
    const hf = openSafetensors(join(FIXTURES, name, 'model.safetensors')).value!;
    const peft = openSafetensors(join(dir, 'adapter_model.safetensors')).value!;
    const { modules } = peftModules(ir, target);
    const adapted = new Map(modules.map((m) => [`${m.path}.weight`, m]));
    const tensors = hf.tensors.map((t) => {
      const w = hf.readFloat32(t.name).value!;
      const m = adapted.get(t.name);
      if (m) {
        const a = peft.readFloat32(`base_model.model.${m.path}.lora_A.weight`).value!;
        const b = peft.readFloat32(`base_model.model.${m.path}.lora_B.weight`).value!;
        const [out, inn, r] = [m.m.out, m.m.in, lora.rank];
        for (let o = 0; o < out; o++) {
          for (let i = 0; i < inn; i++) {
            let acc = 0;
            for (let k = 0; k < r; k++) acc += b[o * r + k]! * a[k * inn + i]!;
            w[o * inn + i] = w[o * inn + i]! + lora.scale * acc;
          }
        }
      }
      return { name: t.name, dtype: 'F32' as const, shape: t.shape, data: () => w };
    });
    hf.close();
    peft.close();
    const merged = join(root, 'merged-hf');
    mkdirSync(merged);
    copyFileSync(join(FIXTURES, name, 'config.json'), join(merged, 'config.json'));
    expect(writeSafetensors(join(merged, 'model.safetensors'), tensors, { metadata: { format: 'pt' } }).diagnostics).toEqual([]);

    const imported = readModelWeights(merged, ir).value!;
    const base = readModelWeights(join(FIXTURES, name), ir).value!;
    const ours = mergeLora(ir, base.weights, adapters, loraModules(ir, lora), lora.rank, lora.scale);
    let worst = 0;
    let moved = 0;
    for (const m of loraModules(ir, lora)) {
      const key = `${m.prefix}.weight`;
      const [x, y, w0] = [imported.weights.get(key)!, ours.get(key)!, base.weights.get(key)!];
      for (let i = 0; i < x.length; i++) {
        worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
        moved = Math.max(moved, Math.abs(y[i]! - w0[i]!));
      }
    }
    imported.close();
    base.close();
    expect(worst).toBeLessThanOrEqual(1e-6);
    // Not vacuous: the adapter moves the weights far more than the tolerance.
    expect(moved).toBeGreaterThan(1e-3);
  });
});

describe('reading PEFT adapters', () => {
  it('refuses a config that is no object, and configs or tensors whose weights moec would merge wrong (MOE6651)', async () => {
    const ir = fixtureIR('mixtral-gqa', ['attention']);
    const target = peftTarget(ir, join(FIXTURES, 'mixtral-gqa')).value!;
    const dir = join(root, 'read-adapter');
    expect((await writePeftAdapter(dir, ir, someAdapters(ir), { target, baseModel: 'mixtral-gqa' })).diagnostics).toEqual([]);
    const configFile = join(dir, 'adapter_config.json');
    const good = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    const read = (config: unknown) => {
      writeFileSync(configFile, JSON.stringify(config));
      return readPeftAdapter(dir, ir, target).diagnostics.map((d) => `${d.code} ${d.message}`);
    };
    expect(read(good)).toEqual([]);
    // Passed where base weights go (--weights, --init-from): named as an adapter, not a missing checkpoint.
    expect(readModelWeights(dir, ir).diagnostics.map((d) => `${d.code} ${d.message} ${d.hint}`)).toEqual([expect.stringMatching(/^MOE6605 .*is a PEFT adapter .*--adapter/)]);
    expect(read(null)).toEqual([expect.stringMatching(/^MOE6651 .*not a JSON object/)]);
    expect(read({ ...good, use_dora: true })).toEqual([expect.stringMatching(/^MOE6651 .*use_dora/)]);
    expect(read({ ...good, lora_bias: true })).toEqual([expect.stringMatching(/^MOE6651 .*lora_bias/)]);
    expect(read({ ...good, bias: 'lora_only' })).toEqual([expect.stringMatching(/^MOE6651 .*bias is "lora_only"/)]);
    expect(read({ ...good, modules_to_save: ['lm_head'] })).toEqual([expect.stringMatching(/^MOE6651 .*modules_to_save/)]);
    expect(read({ ...good, alpha_pattern: { q_proj: 64 } })).toEqual([expect.stringMatching(/^MOE6651 .*alpha_pattern gives `q_proj` 64/)]);
    expect(read({ ...good, rank_pattern: { q_proj: 2 } })).toEqual([]);
    expect(read({ ...good, use_rslora: 'false' })).toEqual([]);
    // A DoRA magnitude (or any tensor that is no lora_A/lora_B) beside the adapter's.
    writeFileSync(configFile, JSON.stringify(good));
    const file = openSafetensors(join(dir, 'adapter_model.safetensors')).value!;
    const tensors = file.tensors.map((t) => ({ name: t.name, dtype: 'F32' as const, shape: t.shape, data: () => file.readFloat32(t.name).value! }));
    const magnitude = 'base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector';
    const width = ir.layers[0]!.attention.heads * ir.layers[0]!.attention.headDim;
    expect(writeSafetensors(join(root, 'dora.safetensors'), [...tensors, { name: magnitude, dtype: 'F32', shape: [width], data: () => new Float32Array(width).fill(1) }], { metadata: { format: 'pt' } }).diagnostics).toEqual([]);
    file.close();
    copyFileSync(join(root, 'dora.safetensors'), join(dir, 'adapter_model.safetensors'));
    expect(read(good)).toEqual([expect.stringMatching(new RegExp(`^MOE6651 .*${magnitude.replace(/\./g, '\\.')}`))]);
    // PEFT's pickled format (safe_serialization=False) is named, not reported as a missing file.
    rmSync(join(dir, 'adapter_model.safetensors'));
    writeFileSync(join(dir, 'adapter_model.bin'), 'PK');
    expect(read(good)).toEqual([expect.stringMatching(/^MOE6651 .*adapter_model\.bin .*safe_serialization=True/)]);
  });
});

describe('target_modules', () => {
  it('full-matches exactly the given modules', () => {
    const re = new RegExp(`^(?:${targetRegex(['model.layers.1.self_attn.q_proj', 'model.layers.3.mlp.experts.0.w1', 'model.layers.3.mlp.experts.7.w1', 'model.layers.1.mlp.experts.0.w1'])})$`);
    expect(re.test('model.layers.1.mlp.experts.12.w1')).toBe(true);
    expect(re.test('model.layers.2.self_attn.q_proj')).toBe(false);
    expect(re.test('model.layers.1.self_attn.q_proj.lora_A')).toBe(false);
    expect(re.test('model.layers.1.self_attn.k_proj')).toBe(false);
    // Layer 3 adapts experts only: its q_proj is not a target.
    expect(re.test('model.layers.3.self_attn.q_proj')).toBe(false);
  });

  it('keeps a dense layer\'s mlp apart from a MoE layer\'s', () => {
    const re = new RegExp(`^(?:${targetRegex(['model.layers.0.mlp.gate_proj', 'model.layers.1.mlp.experts.0.gate_proj', 'model.layers.1.mlp.shared_experts.gate_proj'])})$`);
    expect(re.test('model.layers.0.mlp.gate_proj')).toBe(true);
    expect(re.test('model.layers.1.mlp.gate_proj')).toBe(false);
    expect(re.test('model.layers.0.mlp.shared_experts.gate_proj')).toBe(false);
  });
});
