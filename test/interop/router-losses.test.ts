/**
 * src/interop/router-losses.ts: the router keys as Megatron-Core arguments and as Hugging Face
 * config fields — exact conversions, refusals (MOE3810), differences (MOE3811) and converted
 * values (MOE3812). The shipped DeepSeek-V3 and Mixtral specs must give the arguments of
 * Megatron's own recipes (NVIDIA/Megatron-LM d98e8a6 examples/megatron_fsdp/
 * sbatch_mfsdp_deepseek_v3.sh l.91–103, examples/mixtral/train_mixtral_8x7b_distributed.sh l.53–54).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RouterIR } from '../../src/ir/types.js';
import { loadModel } from '../../src/pipeline.js';
import {
  findingDiagnostics,
  flatArgs,
  hfRouterFields,
  megatronRouterArgs,
  megatronRouterContext,
  type MegatronRouterContext,
} from '../../src/interop/router-losses.js';

function router(over: Partial<RouterIR> = {}): RouterIR {
  return {
    topK: 2, score: 'softmax', normTopK: true, scaling: 1, groups: 1, topGroups: 1, groupScore: 'max',
    overflow: 'no_drop', dropPolicy: 'probs', jitter: 0, auxLoss: 0, auxLossType: 'batch', zLoss: 0, biasUpdate: 0, bias: false, ...over,
  };
}
const ctx = (over: Partial<MegatronRouterContext> = {}): MegatronRouterContext => ({
  dataParallel: 1, tensorParallel: 1, contextParallel: 1, sequenceParallel: false, microBatch: 2, stepSequences: 2, ...over,
});
const codes = (f: { code: string; at: string }[]) => f.map((x) => `${x.code} ${x.at}`);

function irOf(path: string) {
  const m = loadModel(path);
  expect(m.ir, path).toBeDefined();
  return m.ir!;
}

describe('megatronRouterArgs', () => {
  it('maps each aux_loss_type to its load-balancing type with the coefficient unchanged', () => {
    for (const [type, megatron] of [['batch', 'aux_loss'], ['sequence', 'seq_aux_loss']] as const) {
      const r = megatronRouterArgs(router({ auxLoss: 1e-3, auxLossType: type }), ctx({ dataParallel: 8 }));
      expect(flatArgs(r.args)).toEqual(['--moe-router-load-balancing-type', megatron, '--moe-aux-loss-coeff', '0.001']);
      expect(r.findings).toEqual([]);
    }
  });

  it('global: the coefficient × data-parallel degree (Megatron#3672), reported as MOE3812', () => {
    const r = megatronRouterArgs(router({ auxLoss: 1e-3, auxLossType: 'global' }), ctx({ dataParallel: 8 }));
    expect(flatArgs(r.args)).toEqual(['--moe-router-load-balancing-type', 'global_aux_loss', '--moe-aux-loss-coeff', '0.008']);
    expect(codes(r.findings)).toEqual(['MOE3812 /moe/router/aux_loss']);
    const single = megatronRouterArgs(router({ auxLoss: 1e-3, auxLossType: 'global' }), ctx());
    expect(flatArgs(single.args)).toContain('0.001');
    expect(single.findings).toEqual([]);
  });

  it('no balance loss → type none; z-loss, expert bias and its rate map 1:1', () => {
    const r = megatronRouterArgs(router({ score: 'sigmoid', zLoss: 1e-3, biasUpdate: 1e-3 }), ctx());
    expect(flatArgs(r.args)).toEqual([
      '--moe-router-load-balancing-type', 'none', '--moe-z-loss-coeff', '0.001', '--moe-router-enable-expert-bias', '--moe-router-bias-update-rate', '0.001',
    ]);
    expect(r.findings).toEqual([]);
  });

  it('refuses the expert bias with softmax scores (transformer_config.py l.2617)', () => {
    const r = megatronRouterArgs(router({ biasUpdate: 1e-3 }), ctx());
    expect(codes(r.findings)).toEqual(['MOE3810 /moe/router/bias_update']);
    expect(flatArgs(r.args)).not.toContain('--moe-router-enable-expert-bias');
  });

  it('capacity with probs / position drop order; gshard refused; dropless emits nothing', () => {
    for (const policy of ['probs', 'position'] as const) {
      const r = megatronRouterArgs(router({ capacityFactor: 1.25, overflow: 'drop', dropPolicy: policy }), ctx());
      expect(flatArgs(r.args).slice(2)).toEqual(['--moe-expert-capacity-factor', '1.25', '--moe-token-drop-policy', policy]);
      expect(r.findings).toEqual([]);
    }
    const g = megatronRouterArgs(router({ capacityFactor: 1.25, overflow: 'drop', dropPolicy: 'gshard' }), ctx());
    expect(codes(g.findings)).toEqual(['MOE3810 /moe/router/drop_policy']);
    expect(flatArgs(g.args)).not.toContain('--moe-expert-capacity-factor');
    expect(flatArgs(megatronRouterArgs(router({ capacityFactor: 1.25, overflow: 'no_drop' }), ctx()).args)).toEqual(['--moe-router-load-balancing-type', 'none']);
  });

  it('warns when Megatron’s capacity group (one rank’s tokens) is not moec’s micro-step', () => {
    const capped = router({ capacityFactor: 2, overflow: 'drop' });
    expect(codes(megatronRouterArgs(capped, ctx({ stepSequences: 8 })).findings)).toEqual(['MOE3811 /moe/router/capacity_factor']);
    expect(codes(megatronRouterArgs(capped, ctx({ contextParallel: 2 })).findings)).toEqual(['MOE3811 /moe/router/capacity_factor']);
    expect(codes(megatronRouterArgs(capped, ctx({ tensorParallel: 2, sequenceParallel: true })).findings)).toEqual(['MOE3811 /moe/router/capacity_factor']);
    expect(megatronRouterArgs(capped, ctx({ tensorParallel: 2 })).findings).toEqual([]);
  });

  it('jitter maps with a warning (Megatron jitters at evaluation too); a step that is not whole micro-batches warns', () => {
    const j = megatronRouterArgs(router({ jitter: 0.01 }), ctx());
    expect(flatArgs(j.args)).toContain('--moe-input-jitter-eps');
    expect(codes(j.findings)).toEqual(['MOE3811 /moe/router/jitter']);
    expect(codes(megatronRouterArgs(router({ auxLoss: 0.01 }), ctx({ microBatch: 3, stepSequences: 8 })).findings)).toEqual(['MOE3811 /moe/router/aux_loss']);
  });

  it('findings become diagnostics with the key in the message and, given spans, a location', () => {
    const r = megatronRouterArgs(router({ auxLoss: 1e-3, auxLossType: 'global' }), ctx({ dataParallel: 4 }));
    const span = { file: 'x.moe', offset: 0, line: 3, column: 5, endOffset: 1, endLine: 3, endColumn: 6 };
    const [d] = findingDiagnostics(r.findings, (p) => (p === '/moe/router/aux_loss' ? span : undefined));
    expect(d!.code).toBe('MOE3812');
    expect(d!.severity).toBe('info');
    expect(d!.message).toContain('router.aux_loss 0.001 is emitted as --moe-aux-loss-coeff 0.004');
    expect(d!.span).toEqual(span);
  });

  it('every refusal and difference says what to do (a hint), and the diagnostic carries it', () => {
    const all = [
      megatronRouterArgs(router({ biasUpdate: 1e-3 }), ctx()),
      megatronRouterArgs(router({ capacityFactor: 1.25, overflow: 'drop', dropPolicy: 'gshard' }), ctx()),
      megatronRouterArgs(router({ capacityFactor: 1.25, overflow: 'drop', jitter: 0.01, auxLoss: 0.01 }), ctx({ microBatch: 3, stepSequences: 8 })),
      megatronRouterArgs(router({ capacityFactor: 1.25, overflow: 'drop' }), ctx({ contextParallel: 2 })),
    ].flatMap((r) => r.findings);
    expect(codes(all)).toEqual([
      'MOE3810 /moe/router/bias_update', 'MOE3810 /moe/router/drop_policy', 'MOE3811 /moe/router/aux_loss',
      'MOE3811 /moe/router/capacity_factor', 'MOE3811 /moe/router/jitter', 'MOE3811 /moe/router/capacity_factor',
    ]);
    for (const f of all) expect(f.hint, `${f.code} ${f.at}`).toBeTruthy();
    expect(findingDiagnostics(all.slice(0, 1))[0]!.hint).toMatch(/score sigmoid/);
    expect(all[2]!.hint).toContain('parallel.micro_batch (3)');
    const ranks = megatronRouterArgs(router({ capacityFactor: 1.25, overflow: 'drop' }), ctx({ dataParallel: 4, stepSequences: 8 })).findings;
    expect(ranks[0]!.hint).toContain('only with parallel.data 1');
  });

  it('the shipped DeepSeek-V3 spec gives Megatron’s DeepSeek-V3 recipe (seq_aux_loss 1e-4, expert bias 1e-3)', () => {
    const ir = irOf('specs/deepseek-v3.moe');
    const moe = ir.layers.find((l) => l.ffn.kind === 'moe')!.ffn;
    const r = megatronRouterArgs(moe.kind === 'moe' ? moe.router : router(), megatronRouterContext(ir));
    expect(flatArgs(r.args)).toEqual([
      '--moe-router-load-balancing-type', 'seq_aux_loss', '--moe-aux-loss-coeff', '0.0001', '--moe-router-enable-expert-bias', '--moe-router-bias-update-rate', '0.001',
    ]);
    expect(r.findings).toEqual([]);
  });

  it('the shipped Mixtral spec gives Megatron’s Mixtral recipe (aux_loss 1e-2)', () => {
    const ir = irOf('specs/mixtral-8x7b.moe');
    const moe = ir.layers[0]!.ffn;
    const r = megatronRouterArgs(moe.kind === 'moe' ? moe.router : router(), megatronRouterContext(ir));
    expect(flatArgs(r.args)).toEqual(['--moe-router-load-balancing-type', 'aux_loss', '--moe-aux-loss-coeff', '0.01']);
  });
});

describe('hfRouterFields', () => {
  it('router_aux_loss_coef = α × L_moe / K, with the pooling warning when L_moe > 1', () => {
    const r = hfRouterFields(router({ auxLoss: 0.01 }), 'mixtral', { moeLayers: 32 });
    expect(r.fields).toEqual({ router_aux_loss_coef: 0.16, router_jitter_noise: 0 });
    expect(codes(r.findings)).toEqual(['MOE3811 /moe/router/aux_loss']);
    const one = hfRouterFields(router({ auxLoss: 0.01, topK: 4 }), 'qwen3_moe', { moeLayers: 1 });
    expect(one.fields).toEqual({ router_aux_loss_coef: 0.0025 });
    expect(codes(one.findings)).toEqual(['MOE3812 /moe/router/aux_loss']);
  });

  it('no balance loss writes 0 (transformers’ defaults are not 0) and no finding', () => {
    const r = hfRouterFields(router(), 'olmoe', { moeLayers: 16 });
    expect(r.fields).toEqual({ router_aux_loss_coef: 0 });
    expect(r.findings).toEqual([]);
  });

  it('sequence-wise balance, z-loss, capacity drops and jitter are named as differences', () => {
    const r = hfRouterFields(router({ auxLoss: 0.01, auxLossType: 'sequence', zLoss: 1e-3, capacityFactor: 1.25, overflow: 'drop', jitter: 0.01 }), 'mixtral', { moeLayers: 1 });
    expect(r.fields.router_jitter_noise).toBe(0.01);
    expect(codes(r.findings)).toEqual([
      'MOE3812 /moe/router/aux_loss', 'MOE3811 /moe/router/aux_loss_type', 'MOE3811 /moe/router/z_loss', 'MOE3811 /moe/router/capacity_factor', 'MOE3811 /moe/router/jitter',
    ]);
    const jitter = r.findings.find((f) => f.at.endsWith('jitter'))!;
    expect(jitter.args.emitted).toBe('router_jitter_noise 0.01');
  });

  it('DeepSeek: the remote-code fields, the score bias kept but not updated; a bias on a model without one is refused', () => {
    const v3 = hfRouterFields(router({ score: 'sigmoid', auxLoss: 1e-4, auxLossType: 'sequence', biasUpdate: 1e-3 }), 'deepseek_v3', { moeLayers: 58 });
    expect(v3.fields).toEqual({ aux_loss_alpha: 1e-4, seq_aux: true });
    expect(codes(v3.findings)).toEqual(['MOE3811 /moe/router/aux_loss', 'MOE3811 /moe/router/bias_update']);
    expect(codes(hfRouterFields(router({ biasUpdate: 1e-3 }), 'qwen2_moe', { moeLayers: 24 }).findings)).toEqual(['MOE3810 /moe/router/bias_update']);
  });

  it('an unknown model_type is refused', () => {
    const r = hfRouterFields(router({ auxLoss: 0.01 }), 'llama', { moeLayers: 1 });
    expect(r.fields).toEqual({});
    expect(codes(r.findings)).toEqual(['MOE3810 /moe/router']);
  });
});

describe('docs/language.md §Router losses example', () => {
  it('checks clean for Megatron and gives the arguments the text states', () => {
    const doc = readFileSync('docs/language.md', 'utf8');
    const section = doc.slice(doc.indexOf('### Router losses and drop order'));
    const example = /```moe[^\n]*\n([\s\S]*?)```/.exec(section)![1]!;
    const stated = /compiles to `([^`]*)`/.exec(section.replace(/\n/g, ' '))![1]!;
    const dir = mkdtempSync(join(tmpdir(), 'moec-router-'));
    const file = join(dir, 'balance-example.moe');
    writeFileSync(file, example);
    const m = loadModel(file, { memoryFit: false });
    expect(m.diagnostics).toEqual([]);
    const moe = m.ir!.layers[0]!.ffn;
    const r = megatronRouterArgs(moe.kind === 'moe' ? moe.router : router(), megatronRouterContext(m.ir!));
    expect(flatArgs(r.args).join(' ')).toBe(stated);
    expect(r.findings).toEqual([]);
  });
});
