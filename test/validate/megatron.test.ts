/**
 * `moec check` with megatron as a target: one deliberately broken spec per Megatron launch rule
 * (docs/megatron.md §Launch checks, S1–S18) and per refusal (MOE80xx), each caught with its code,
 * at the key that breaks it (line and column), with a hint. Rules Megatron enforces that moec's
 * emitter satisfies by construction are shown on the emitted arguments instead.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { launchSettingProblems } from '../../src/lower/megatron/launch-checks.js';
import { fromSpec } from '../../src/lower/megatron/model-view.js';
import { loadSpec } from '../../src/pipeline.js';
import { compileFile, valuesOf } from '../lower/megatron/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'moec-megatron-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BASE = `model "m" {
  vocab 256  hidden 64  layers 4  context 128
  attention { heads 4  kv_heads 2  rope { theta 10000 } }
  dense { ffn 128  layers 0..0 }
  moe {
    layers 1..3
    experts 8 { ffn 64 }
    router { top_k 2  aux_loss 0.01 }
  }
  parallel { data 2  micro_batch 1 }
  train { batch 8  steps 100 }
  targets [megatron]
}
`;

let n = 0;
function write(text: string): string {
  const file = join(dir, `s${n++}.moe`);
  writeFileSync(file, text);
  return file;
}
/** BASE with each [from, to] replacement applied (each `from` must occur). */
function variant(...edits: [string, string][]): string {
  return edits.reduce((t, [from, to]) => {
    expect(t, `BASE has ${from}`).toContain(from);
    return t.replace(from, to);
  }, BASE);
}
function check(text: string): Diagnostic[] {
  return loadSpec(write(text)).diagnostics;
}
/** The diagnostic with `code`, asserted to sit on `needle` (the first occurrence) and to have a hint. */
function at(text: string, diagnostics: Diagnostic[], code: string, needle: string, hint?: RegExp): Diagnostic {
  const d = diagnostics.find((x) => x.code === code);
  expect(d, `${code} in ${diagnostics.map((x) => x.code).join(', ') || 'nothing'}`).toBeDefined();
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(needle)) + 1;
  expect(d!.span?.line, `${code} line`).toBe(line);
  expect(lines[line - 1].slice(d!.span!.column - 1).startsWith(needle.split(' ').pop()!), `${code} column`).toBe(true);
  expect(d!.hint, `${code} hint`).toBeTruthy();
  if (hint) expect(d!.hint).toMatch(hint);
  return d!;
}

test('the base spec is clean for Megatron', () => {
  expect(check(BASE)).toEqual([]);
});

describe('launch checks (S1–S18)', () => {
  test('S1 world divisible by tensor × pipeline × context (moec MOE3407)', () => {
    const t = variant(['parallel { data 2  micro_batch 1 }', 'parallel { world 6  tensor 4 }']);
    at(t, check(t), 'MOE3407', 'world 6', /multiple of 4/);
  });
  test('S2 world divisible by expert_tensor × expert × pipeline, found by Megatron only when groups start (moec MOE3408)', () => {
    const t = variant(['parallel { data 2  micro_batch 1 }', 'parallel { data 2  expert 4 }']);
    at(t, check(t), 'MOE3408', 'expert 4', /divid/);
  });
  test('S3 experts divisible by expert parallelism (moec MOE3401)', () => {
    const t = variant(['parallel { data 2  micro_batch 1 }', 'parallel { data 6  expert 3 }'], ['batch 8', 'batch 12']);
    at(t, check(t), 'MOE3401', 'expert 3', /divisor of 8/);
  });
  test('S4 heads and query groups vs tensor parallelism (moec MOE3404)', () => {
    const t = variant(['parallel { data 2  micro_batch 1 }', 'parallel { tensor 3 }']);
    at(t, check(t), 'MOE3404', 'heads 4', /tensor degree dividing 4/);
  });
  test('S5 layers vs pipeline: more stages than layers (moec MOE3403); an uneven split becomes a layout', () => {
    const t = variant(['parallel { data 2  micro_batch 1 }', 'parallel { pipeline 5 }']);
    at(t, check(t), 'MOE3403', 'pipeline 5', /at most 4/);
    const uneven = variant(['parallel { data 2  micro_batch 1 }', 'parallel { pipeline 3 }']);
    at(uneven, check(uneven), 'MOE3402', 'pipeline 3', /--pipeline-model-parallel-layout/);
    expect(valuesOf(compileFile(write(uneven)).argv!, '--pipeline-model-parallel-layout')).toEqual(['Et*2|t|tL']);
  });
  test('S6 virtual stages need pipeline > 1: moec warns (MOE3413) and the launch leaves them out', () => {
    const t = variant(['parallel { data 2  micro_batch 1 }', 'parallel { virtual_stages 2 }']);
    at(t, check(t), 'MOE3413', 'virtual_stages 2');
    expect(valuesOf(compileFile(write(t)).argv!, '--num-virtual-stages-per-pipeline-rank')).toBeUndefined();
  });
  test('S7 global batch divisible by micro batch × data (moec MOE3418), with moec\'s defaults too', () => {
    const t = variant(['batch 8', 'batch 7']);
    at(t, check(t), 'MOE3418', 'batch 7', /data = 2/);
    const d = variant(['parallel { data 2  micro_batch 1 }', 'parallel { data 16 }'], ['train { batch 8  steps 100 }', 'train { steps 100 }'], ['experts 8', 'experts 16']);
    at(d, check(d), 'MOE3418', 'train {', /multiple of 16/);
  });
  test('S8 sequence ≤ context (moec MOE3603), divisible by 2 × context parallelism (moec MOE3414)', () => {
    const a = variant(['batch 8  steps', 'batch 8  seq_len 256  steps']);
    at(a, check(a), 'MOE3603', 'seq_len 256');
    const b = variant(['parallel { data 2  micro_batch 1 }', 'parallel { context 2 }'], ['batch 8  steps', 'batch 8  seq_len 126  steps']);
    at(b, check(b), 'MOE3414', 'seq_len 126', /multiple of 4/);
  });
  test('S9 min_lr ≤ lr (moec MOE3602)', () => {
    const t = variant(['train { batch 8  steps 100 }', 'train { batch 8  steps 100  optimizer adamw { lr 1e-4 }  schedule cosine { min_lr 1e-3 } }']);
    at(t, check(t), 'MOE3602', 'min_lr 1e-3');
  });
  test('S10 MLA excludes GQA: kv_heads is ignored with mla (moec MOE3107), the launch has no --group-query-attention', () => {
    const t = variant(['rope { theta 10000 } }', 'rope { theta 10000 }  mla { kv_lora_rank 16  qk_nope_head_dim 16  qk_rope_head_dim 8  v_head_dim 16 } }']);
    at(t, check(t), 'MOE3107', 'kv_heads 2');
    const argv = compileFile(write(t)).argv!;
    expect(argv).toContain('--multi-latent-attention');
    expect(argv).not.toContain('--group-query-attention');
  });
  test('S11 top-1 softmax routing needs pre-softmax (MOE8102)', () => {
    const t = variant(['top_k 2  aux_loss', 'top_k 1  norm_topk true  aux_loss']);
    at(t, check(t), 'MOE8102', 'norm_topk true', /norm_topk false/);
  });
  test('S12 expert bias needs sigmoid scores (MOE3810, from the shared router conversion), reported once', () => {
    const t = variant(['aux_loss 0.01 }', 'aux_loss 0.01  bias_update 0.001 }']);
    const found = check(t);
    at(t, found, 'MOE3810', 'bias_update 0.001', /sigmoid/);
    expect(found.map((d) => d.code)).toEqual(['MOE3810']);
  });
  test('S13 experts divisible by groups (moec MOE3203), top_groups ≤ groups (MOE3204)', () => {
    const a = variant(['aux_loss 0.01 }', 'aux_loss 0.01  groups 3  top_groups 1 }']);
    at(a, check(a), 'MOE3203', 'groups 3');
    const b = variant(['aux_loss 0.01 }', 'aux_loss 0.01  groups 4  top_groups 5 }']);
    expect(check(b).map((d) => d.code)).toContain('MOE3204');
  });
  test('S14 capacity only with aux-style balancing: the launch never names another balancing type', () => {
    for (const router of ['aux_loss 0  capacity_factor 1.5  overflow no_drop }', 'aux_loss 0  capacity_factor 1.5 }', 'aux_loss 0.01  aux_loss_type sequence  capacity_factor 1.5 }']) {
      const argv = compileFile(write(variant(['aux_loss 0.01 }', router]))).argv!;
      expect(['aux_loss', 'seq_aux_loss', 'global_aux_loss', 'none']).toContain(valuesOf(argv, '--moe-router-load-balancing-type')![0]);
    }
  });
  test('S15 MoE biases need expert_tensor 1 (MOE8104)', () => {
    const t = variant(
      ['kv_heads 2  rope', 'kv_heads 2  qkv_bias true  out_bias true  rope'],
      ['ffn 128  layers 0..0', 'ffn 128  bias true  layers 0..0'],
      ['experts 8 { ffn 64 }', 'experts 8 { ffn 64  bias true }'],
      ['aux_loss 0.01 }', 'aux_loss 0.01  bias true }'],
      ['parallel { data 2  micro_batch 1 }', 'parallel { data 2  expert_tensor 2 }'],
    );
    at(t, check(t), 'MOE8104', 'expert_tensor 2', /expert_tensor 1/);
  });
  test('interleaved pipeline: micro-batches per step a multiple of pipeline (MOE8112)', () => {
    const layout = ['parallel { data 2  micro_batch 1 }', 'parallel { data 1  pipeline 2  virtual_stages 2  micro_batch 1 }'] as [string, string];
    const t = variant(layout, ['batch 8', 'batch 5']);
    const d = at(t, check(t), 'MOE8112', 'batch 5', /multiple of 2/);
    expect(d.message).toContain('5 micro-batches');
    // 8 micro-batches: whole groups of 2; without virtual stages the 1F1B schedule takes any count.
    expect(check(variant(layout)).map((x) => x.code)).not.toContain('MOE8112');
    expect(check(variant(['parallel { data 2  micro_batch 1 }', 'parallel { data 1  pipeline 2  micro_batch 1 }'], ['batch 8', 'batch 5'])).map((x) => x.code)).not.toContain('MOE8112');
  });
  test('warmup shorter than the decay, for every schedule type (MOE8113)', () => {
    for (const schedule of ['type cosine  warmup 100', 'type constant  warmup 100', 'type linear  warmup 60  decay_steps 50']) {
      const t = variant(['batch 8  steps 100 }', `batch 8  steps 100  schedule { ${schedule} } }`]);
      at(t, check(t), 'MOE8113', `warmup ${schedule.includes('60') ? 60 : 100}`, /shorter than/);
    }
    const ok = variant(['batch 8  steps 100 }', 'batch 8  steps 100  schedule { type cosine  warmup 99 } }']);
    expect(check(ok).map((x) => x.code)).not.toContain('MOE8113');
    expect(compileFile(write(ok)).argv).toContain('--lr-warmup-iters');
  });
  test('S16 recompute: full names a method and a layer count, selective neither', () => {
    const full = compileFile(write(variant(['batch 8  steps', 'batch 8  checkpointing full  steps']))).argv!;
    expect([valuesOf(full, '--recompute-method'), valuesOf(full, '--recompute-num-layers')]).toEqual([['uniform'], ['1']]);
    const sel = compileFile(write(variant(['batch 8  steps', 'batch 8  checkpointing selective  steps']))).argv!;
    expect([valuesOf(sel, '--recompute-granularity'), valuesOf(sel, '--recompute-method'), valuesOf(sel, '--recompute-num-layers')]).toEqual([['selective'], undefined, undefined]);
  });
  test('S17 torch FSDP2 needs pipeline 1 and expert 1 (MOE8106); Megatron-FSDP runs adam or sgd (MOE8105)', () => {
    const a = variant(['parallel { data 2  micro_batch 1 }', 'parallel { data 2  pipeline 2  zero 3 }'], ['targets [megatron]', 'targets [megatron]\n  megatron { fsdp torch }']);
    at(a, check(a), 'MOE8106', 'pipeline 2', /fsdp megatron/);
    const b = variant(['parallel { data 2  micro_batch 1 }', 'parallel { data 2  zero 3 }'], ['train { batch 8', 'train { optimizer lion  batch 8']);
    at(b, check(b), 'MOE8105', 'optimizer lion', /adamw/);
    // A spec on torch FSDP2 (lion is fine there) switched to Megatron-FSDP by `--megatron fsdp=megatron`:
    // compile re-runs launchSettingProblems with the merged block, so the rule must live there.
    const torch = variant(['parallel { data 2  micro_batch 1 }', 'parallel { data 2  zero 3 }'], ['train { batch 8', 'train { optimizer lion  batch 8'], ['  targets', '  tie_embeddings false\n  megatron { fsdp torch }\n  targets']);
    const model = fromSpec(loadSpec(write(torch)).spec!);
    expect(launchSettingProblems(model, { fsdp: 'torch' }).map((p) => p.code)).not.toContain('MOE8105');
    expect(launchSettingProblems(model, { fsdp: 'megatron' }).map((p) => p.code)).toContain('MOE8105');
  });
  test('S18 tensor or context parallelism: the launch exports CUDA_DEVICE_MAX_CONNECTIONS=1, except under FSDP (MOE8108)', () => {
    const tp = compileFile(write(variant(['parallel { data 2  micro_batch 1 }', 'parallel { tensor 2 }'])));
    expect(tp.artifacts!.files['train.sh']).toContain('export CUDA_DEVICE_MAX_CONNECTIONS=1');
    const dp = compileFile(write(BASE));
    expect(dp.artifacts!.files['train.sh']).not.toContain('CUDA_DEVICE_MAX_CONNECTIONS');
    const t = variant(['parallel { data 2  micro_batch 1 }', 'parallel { data 2  tensor 2  zero 3 }']);
    at(t, check(t), 'MOE8108', 'zero 3', /zero 1/);
    expect(compileFile(write(t)).artifacts!.files['train.sh']).not.toContain('CUDA_DEVICE_MAX_CONNECTIONS');
  });
  test('MTP needs RoPE positions: not with YaRN outside MLA (MOE8101)', () => {
    const t = variant(['rope { theta 10000 }', 'rope { theta 10000  scaling yarn  factor 4 }'], ['targets [megatron]', 'mtp 1\n  targets [megatron]']);
    at(t, check(t), 'MOE8101', 'mtp 1', /scaling none/);
  });
  test('launch settings: nodes × GPUs per node (MOE8111), a tokenizer without its model (MOE8110), a flex backend without flex (MOE8109)', () => {
    const a = variant(['targets [megatron]', 'targets [megatron]\n  megatron { nodes 2  gpus_per_node 2 }']);
    at(a, check(a), 'MOE8111', 'nodes 2', /product is 2/);
    const b = variant(['targets [megatron]', 'targets [megatron]\n  megatron { tokenizer HuggingFaceTokenizer }']);
    at(b, check(b), 'MOE8110', 'tokenizer HuggingFaceTokenizer', /tokenizer_model/);
    const c = variant(['targets [megatron]', 'targets [megatron]\n  megatron { flex_backend ncclep }']);
    at(c, check(c), 'MOE8109', 'flex_backend ncclep', /dispatcher flex/);
  });
  test('flex dispatcher: deepep / ncclep need expert_tensor × expert > 1 (MOE8114); ncclep a rank capacity (MOE8115)', () => {
    const codes = (t: string) => check(t).map((d) => d.code);
    const deepep = variant(['targets [megatron]', 'targets [megatron]\n  megatron { dispatcher flex }']);
    at(deepep, check(deepep), 'MOE8114', 'dispatcher flex', /alltoall/);
    const ep2 = variant(['targets [megatron]', 'targets [megatron]\n  megatron { dispatcher flex }'], ['parallel { data 2  micro_batch 1 }', 'parallel { data 2  expert 2 }']);
    expect(codes(ep2)).not.toContain('MOE8114');
    const hybrid = variant(['targets [megatron]', 'targets [megatron]\n  megatron { dispatcher flex  flex_backend hybridep }']);
    expect(codes(hybrid)).not.toContain('MOE8114');
    const nccl = variant(['targets [megatron]', 'targets [megatron]\n  megatron { dispatcher flex  flex_backend ncclep }'], ['parallel { data 2  micro_batch 1 }', 'parallel { data 2  expert 2 }']);
    at(nccl, check(nccl), 'MOE8115', 'flex_backend ncclep', /deepep or hybridep/);
  });
});

describe('refusals: keys Megatron cannot state (MOE80xx)', () => {
  const cases: [string, [string, string][], string, string, RegExp?][] = [
    ['FFN activations differ', [['experts 8 { ffn 64 }', 'experts 8 { ffn 64  activation gelu }']], 'MOE8001', 'activation gelu'],
    ['gated GELU', [['ffn 128  layers 0..0', 'ffn 128  activation geglu  layers 0..0'], ['experts 8 { ffn 64 }', 'experts 8 { ffn 64  activation geglu }']], 'MOE8002', 'activation geglu', /swiglu/],
    ['a partial bias set', [['kv_heads 2  rope', 'kv_heads 2  out_bias true  rope']], 'MOE8003', 'out_bias true', /qkv_bias alone/],
    ['shared experts with every linear biased', [['kv_heads 2  rope', 'kv_heads 2  qkv_bias true  out_bias true  rope'], ['ffn 128  layers 0..0', 'ffn 128  bias true  layers 0..0'], ['experts 8 { ffn 64 }', 'experts 8 { ffn 64  bias true }\n    shared { count 1  ffn 64 }'], ['aux_loss 0.01 }', 'aux_loss 0.01  bias true }']], 'MOE8025', 'shared {', /disable-bias-linear/],
    ['a non-integer rope theta', [['theta 10000', 'theta 10000.5']], 'MOE8004', 'theta 10000.5', /10001/],
    ['a non-integer linear factor', [['theta 10000', 'theta 10000  scaling linear  factor 2.5']], 'MOE8005', 'factor 2.5'],
    ['YaRN with MLA over another original context than 4096', [['rope { theta 10000 } }', 'rope { theta 10000  scaling yarn  factor 4  original_context 8192 }  mla { kv_lora_rank 16  qk_nope_head_dim 16  qk_rope_head_dim 8  v_head_dim 16 } }']], 'MOE8006', 'original_context 8192', /original_context 4096/],
    ['YaRN with MLA and unrounded ramp bounds', [['rope { theta 10000 } }', 'rope { theta 10000  scaling yarn  factor 4  original_context 4096  truncate false }  mla { kv_lora_rank 16  qk_nope_head_dim 16  qk_rope_head_dim 8  v_head_dim 16 } }']], 'MOE8006', 'truncate false', /truncate true/],
    ['YaRN on part of each head', [['theta 10000', 'theta 10000  dim 8  scaling yarn  factor 4']], 'MOE8006', 'dim 8', /remove rope.dim/],
    ['linear RoPE scaling with MLA', [['rope { theta 10000 } }', 'rope { theta 10000  scaling linear  factor 2 }  mla { kv_lora_rank 16  qk_nope_head_dim 16  qk_rope_head_dim 8  v_head_dim 16 } }']], 'MOE8022', 'scaling linear', /scaling yarn/],
    ['clamped_swiglu with another alpha', [['ffn 128  layers 0..0', 'ffn 128  activation clamped_swiglu  swiglu_alpha 1.5  layers 0..0'], ['experts 8 { ffn 64 }', 'experts 8 { ffn 64  activation clamped_swiglu  swiglu_alpha 1.5 }']], 'MOE8016', 'swiglu_alpha 1.5', /1\.702/],
    ['clamped_swiglu limits that differ between FFNs', [['ffn 128  layers 0..0', 'ffn 128  activation clamped_swiglu  layers 0..0'], ['experts 8 { ffn 64 }', 'experts 8 { ffn 64  activation clamped_swiglu  swiglu_limit 5 }']], 'MOE8001', 'swiglu_limit 5', /one activation/],
    ['a full-width q/k norm', [['kv_heads 2  rope', 'kv_heads 2  qk_norm full  rope']], 'MOE8017', 'qk_norm full', /qk_norm head/],
    ['clamped q/k/v projections', [['kv_heads 2  rope', 'kv_heads 2  clip_qkv 8  rope']], 'MOE8018', 'clip_qkv 8', /remove clip_qkv/],
    ['LayerNorm without bias', [['context 128', 'context 128\n  norm layernorm { bias false }']], 'MOE8019', 'bias false', /rmsnorm/],
    ['a bias on the LM head', [['context 128', 'context 128\n  lm_head_bias true']], 'MOE8020', 'lm_head_bias true', /remove lm_head_bias/],
    ['MLA latent norms with another eps than the other norms', [['rope { theta 10000 } }', 'rope { theta 10000 }  mla { kv_lora_rank 16  qk_nope_head_dim 16  qk_rope_head_dim 8  v_head_dim 16  norm_eps 1e-5 } }']], 'MOE8021', 'norm_eps 1e-5', /mla\.norm_eps/],
    ['sigmoid weights without renormalisation', [['top_k 2  aux_loss', 'top_k 2  score sigmoid  norm_topk false  aux_loss']], 'MOE8007', 'norm_topk false', /norm_topk true/],
    ['a group score that is not Megatron\'s', [['aux_loss 0.01 }', 'aux_loss 0.01  groups 4  top_groups 2  group_score top2_sum }']], 'MOE8008', 'group_score top2_sum', /group_score max/],
    ['groups chosen on logits', [['top_k 2  aux_loss 0.01 }', 'top_k 4  aux_loss 0.01  groups 4  top_groups 2  group_score top2_sum }']], 'MOE8009', 'group_score top2_sum', /norm_topk false/],
    ['GShard\'s token drop order (the shared router conversion)', [['aux_loss 0.01 }', 'aux_loss 0.01  capacity_factor 1.25  drop_policy gshard }']], 'MOE3810', 'drop_policy gshard', /drop_policy probs/],
    ['coupled Adam', [['train { batch 8', 'train { optimizer adam  batch 8']], 'MOE8011', 'optimizer adam', /adamw/],
    ['LayerNorm q/k norms', [['kv_heads 2  rope', 'kv_heads 2  qk_norm true  rope'], ['context 128', 'context 128\n  norm layernorm']], 'MOE8012', 'norm layernorm', /rmsnorm/],
    ['dropout on the embeddings too (a warning)', [['batch 8  steps', 'batch 8  dropout 0.1  steps']], 'MOE8013', 'dropout 0.1'],
    ['a window on the MTP layer that differs', [['rope { theta 10000 } }', 'window 16  window_layers [0, 2]  rope { theta 10000 } }'], ['targets [megatron]', 'mtp 1\n  targets [megatron]']], 'MOE8015', 'mtp 1', /remove mtp/],
  ];
  test.each(cases)('%s', (_name, edits, code, needle, hint) => {
    const t = variant(...edits);
    at(t, check(t), code, needle, hint);
  });
  test('qk_norm with MLA is every target\'s error (MOE3420), reported once (MOE8014 is retired)', () => {
    const t = variant(['rope { theta 10000 } }', 'qk_norm true  rope { theta 10000 }  mla { kv_lora_rank 16  qk_nope_head_dim 16  qk_rope_head_dim 8  v_head_dim 16 } }']);
    const found = check(t);
    at(t, found, 'MOE3420', 'qk_norm true', /remove attention.qk_norm/);
    expect(found.filter((d) => d.span?.line === found.find((x) => x.code === 'MOE3420')!.span!.line && d.severity === 'error').map((d) => d.code)).toEqual(['MOE3420']);
  });
  test('without megatron as a target, none of them is reported', () => {
    for (const [, edits] of cases) {
      const t = variant(...edits).replace('targets [megatron]', 'targets [onnx]');
      expect(check(t).filter((d) => d.code.startsWith('MOE8') || d.code.startsWith('MOE381'))).toEqual([]);
    }
  });
});
