/**
 * `--lora key=value` (src/spec/lora-option.ts): the pairs become the spec's train.lora keys (over
 * the spec's own block, or a new one), checked by the schema and the LoRA rules with diagnostics
 * at the option text; a pair that is not key=value or a repeated key is MOE6654 (exit 2 in the CLI).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadModel } from '../../src/pipeline.js';
import { LORA_OPTION_FILE, parseLoraOption } from '../../src/spec/lora-option.js';

const load = (pairs: string[], spec = 'specs/tiny.moe') => loadModel(spec, { memoryFit: false, lora: parseLoraOption(pairs) });
afterEach(() => vi.restoreAllMocks());

describe('--lora', () => {
  it('states a train.lora block on a spec without one', () => {
    const l = load(['rank=2', 'alpha=16', 'dropout=0.1', 'rslora=true', 'targets=q_proj,experts', 'layers=1']);
    expect(l.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(l.ir!.train.lora).toEqual({ rank: 2, alpha: 16, dropout: 0.1, rslora: true, scale: 16 / Math.sqrt(2), targets: ['q_proj', 'experts'], layers: [1] });
    expect(load(['targets=router', 'layers=0..1']).ir!.train.lora!.layers).toEqual([0, 1]);
  });

  it('overrides single keys of the spec\'s block', () => {
    const l = load(['rank=2'], 'docs/examples/lora-finetune.moe');
    expect(l.ir!.train.lora).toMatchObject({ rank: 2, alpha: 32, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'experts', 'shared', 'router'] });
  });

  it('reports bad values at the option text', () => {
    const bad = load(['rank=abc', 'targets=experts']);
    const d = bad.diagnostics.find((x) => x.severity === 'error')!;
    expect([d.span?.file, d.span?.column]).toEqual([LORA_OPTION_FILE, 6]);
    const unknown = load(['targets=experts,qproj']);
    expect(unknown.diagnostics.some((x) => x.severity === 'error' && x.span?.file === LORA_OPTION_FILE)).toBe(true);
    // No targets anywhere: the block the option creates lacks its required key.
    expect(load(['rank=4']).diagnostics.some((x) => x.severity === 'error' && x.span?.file === LORA_OPTION_FILE)).toBe(true);
    // A target the model lacks is the LoRA rule's MOE6600, at the option.
    const missing = load(['targets=kv_b_proj']).diagnostics.find((x) => x.code === 'MOE6600')!;
    expect(missing.span?.file).toBe(LORA_OPTION_FILE);
  });

  it('refuses pairs that are not key=value, and repeated keys (MOE6654, exit 2)', async () => {
    const p = parseLoraOption(['rank', 'alpha=2', 'alpha=4']);
    expect(p.diagnostics.map((d) => [d.code, d.span?.column])).toEqual([['MOE6654', 1], ['MOE6654', 14]]);
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
    expect(await main(['node', 'moec', 'train', 'specs/tiny.moe', '--lora', 'rank'])).toBe(2);
    expect(err).toContain('--lora:1:1 - error MOE6654');
  });
});
