/**
 * PEFT module names (src/interop/peft/): the HF module path of each adapted projection per
 * model_type (Mixtral's w1/w3/w2 and block_sparse_moe.gate, DeepSeek's kv_a_proj_with_mqa and
 * shared_experts), the target_modules regex, and the refusals: MLA projections whose output rows
 * hold rope dimensions, gpt-oss's fused experts, shared experts a model_type lacks (MOE6650).
 */
import { describe, expect, it } from 'vitest';
import { resolveLora } from '../../src/ir/defaults.js';
import { loraModules } from '../../src/ir/lora.js';
import { hfModulePath } from '../../src/interop/peft/module-names.js';
import { peftModules, targetRegex } from '../../src/interop/peft/write-adapter.js';
import { referenceIR } from '../reference/cases.js';

describe('PEFT module names', () => {
  it('names experts, routers and shared experts per model_type', () => {
    const ir = referenceIR('moe-softmax-capacity-drop-shared-gate');
    ir.train.lora = resolveLora({ targets: ['experts', 'router', 'shared'] }, ir.layers.length);
    const mods = loraModules(ir, ir.train.lora);
    const path = (type: string, i: number) => hfModulePath(type, mods[i]!, false);
    const expert = mods.findIndex((m) => m.kind === 'experts' && m.module === 'up_proj' && m.expert === 2);
    const router = mods.findIndex((m) => m.kind === 'router');
    const shared = mods.findIndex((m) => m.kind === 'shared' && m.module === 'down_proj');
    expect(path('mixtral', expert)).toEqual({ path: 'model.layers.0.block_sparse_moe.experts.2.w3' });
    expect(path('qwen2_moe', expert)).toEqual({ path: 'model.layers.0.mlp.experts.2.up_proj' });
    expect(path('mixtral', router)).toEqual({ path: 'model.layers.0.block_sparse_moe.gate' });
    expect(path('gpt_oss', router)).toEqual({ path: 'model.layers.0.mlp.router' });
    expect(path('qwen2_moe', shared)).toEqual({ path: 'model.layers.0.mlp.shared_expert.down_proj' });
    expect(path('deepseek_v3', shared)).toEqual({ path: 'model.layers.0.mlp.shared_experts.down_proj' });
    expect('refused' in path('mixtral', shared)).toBe(true);
    expect('refused' in path('gpt_oss', expert)).toBe(true);
  });

  it('refuses MLA projections with rope rows, names the others', () => {
    const ir = referenceIR('mla-qlora-moe');
    ir.train.lora = resolveLora({ targets: ['attention'] }, ir.layers.length);
    const r = peftModules(ir, 'deepseek_v3');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE6650', 'MOE6650']);
    expect(r.diagnostics.map((d) => d.message).join(' ')).toMatch(/q_b_proj[\s\S]*kv_a_proj/);
    expect(r.modules.map((m) => m.path)).toContain('model.layers.1.self_attn.kv_b_proj');
    expect(r.modules.map((m) => m.path)).toContain('model.layers.0.self_attn.q_a_proj');
  });

  it('target_modules full-matches exactly the given modules', () => {
    const re = new RegExp(`^(?:${targetRegex(['model.layers.1.self_attn.q_proj', 'model.layers.3.mlp.experts.0.w1', 'model.layers.3.mlp.experts.7.w1'])})$`);
    expect(re.test('model.layers.1.mlp.experts.12.w1')).toBe(true);
    expect(re.test('model.layers.2.self_attn.q_proj')).toBe(false);
    expect(re.test('model.layers.1.self_attn.q_proj.lora_A')).toBe(false);
    expect(re.test('model.layers.1.self_attn.k_proj')).toBe(false);
  });
});
