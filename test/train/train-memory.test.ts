/** `moec train` refuses a model that cannot fit its backend before allocating anything. */
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/pipeline.js';
import { checkTrainMemory, estimateTrainBytes, WASM_HEAP_BYTES } from '../../src/train/train-memory.js';

const ir = (file: string) => loadModel(file, { memoryFit: false }).ir!;

describe('training memory check', () => {
  it('lets the tiny spec through on every backend', () => {
    const tiny = ir('specs/tiny.moe');
    const { params, bytes } = estimateTrainBytes(tiny);
    expect(params).toBe(279_360);
    expect(bytes).toBeGreaterThan(20 * params); // activations on top of the 20 B a parameter
    expect(bytes).toBeLessThan(WASM_HEAP_BYTES / 8);
    expect(checkTrainMemory(tiny, 'wasm')).toEqual([]);
  });

  it('refuses Mixtral 8x7B with the size, the parameter count and the backend limit', () => {
    const [d] = checkTrainMemory(ir('specs/mixtral-8x7b.moe'), 'wasm', 24 * 1024 ** 3);
    expect(d?.code).toBe('MOE6534');
    expect(d?.message).toMatch(/^training `mixtral-8x7b` needs about \d+ GiB \(46,702,792,704 parameters/);
    expect(d?.message).toContain('the wasm backend can use at most 4.0 GiB');
    // The cpu backend is bounded by the machine instead.
    expect(checkTrainMemory(ir('specs/mixtral-8x7b.moe'), 'cpu', 24 * 1024 ** 3)[0]?.message).toContain('at most 24 GiB');
  });
});
