/**
 * Target-specific rules run for the targets in effect: the command's `--target`, else the
 * spec's `targets`. A spec that declares none gets the target-neutral rules only.
 */
import { describe, expect, test } from 'vitest';
import { validateSpec } from '../../src/validate/validate-spec.js';
import type { Target } from '../../src/spec/types.js';
import { baseSpec } from './base-spec.js';
import { fakeSpans } from './fake-spans.js';

function codes(targets: unknown, commandTargets?: Target[]): string[] {
  const spec: any = baseSpec();
  spec.mtp = { depth: 1 };
  spec.train = { optimizer: { type: 'lion' }, precision: 'bf16' };
  if (targets !== undefined) spec.targets = targets;
  const { spans } = fakeSpans(spec);
  return validateSpec(spec, spans, { targets: commandTargets }).diagnostics.map((d) => d.code).sort();
}

const TFJS_GAPS = ['MOE3701', 'MOE3702', 'MOE3703'];

describe('targets in effect', () => {
  test('no declared targets: no target-specific warnings', () => {
    expect(codes(undefined)).toEqual([]);
  });
  test('declared tfjs: the tfjs gaps are reported', () => {
    expect(codes(['tfjs'])).toEqual(TFJS_GAPS);
  });
  test('declared onnx only: no tfjs warnings', () => {
    expect(codes(['onnx'])).toEqual([]);
  });
  test("the command's target overrides the declaration", () => {
    expect(codes(['onnx'], ['tfjs'])).toEqual(TFJS_GAPS);
    expect(codes(undefined, ['tfjs'])).toEqual(TFJS_GAPS);
    expect(codes(['tfjs'], ['onnx'])).toEqual([]);
  });
  test('an unknown target is a schema error; the command target still applies', () => {
    expect(codes(['tfjs', 'vllm'])).toEqual(['MOE2004']);
    expect(codes(['tfjs', 'vllm'], ['tfjs'])).toEqual(['MOE2004', ...TFJS_GAPS]);
  });
});

describe('an uneven pipeline split (MOE3402) concerns the Megatron target, which runs the layout', () => {
  const uneven = (targets?: Target[]) => {
    const spec: any = baseSpec();
    spec.layers = 10;
    spec.parallel = { pipeline: 4 };
    const { spans } = fakeSpans(spec);
    return validateSpec(spec, spans, { targets }).diagnostics.map((d) => d.code);
  };
  test('no target: not reported (explain still shows each stage\'s layers)', () => {
    expect(uneven()).not.toContain('MOE3402');
    expect(uneven(['onnx', 'tfjs'])).not.toContain('MOE3402');
  });
  test('megatron: reported', () => {
    expect(uneven(['megatron'])).toContain('MOE3402');
  });
});
