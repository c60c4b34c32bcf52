import { describe, expect, it } from 'vitest';
import { buildIR } from '../../src/ir/build-ir.js';
import { initWeights } from '../../src/weights/init-weights.js';
import { LazyInitWeights } from '../../src/weights/lazy-weights.js';
import { tinySpec } from '../ir/fixtures.js';

describe('LazyInitWeights', () => {
  const ir = buildIR(tinySpec).value;
  const eager = initWeights(ir, 1234);
  const lazy = new LazyInitWeights(ir, 1234);

  it('generates the same values as initWeights, on demand, in IR order', () => {
    expect(lazy.size).toBe(eager.size);
    expect([...lazy.keys()]).toEqual([...eager.keys()]);
    for (const [name, values] of eager) expect(lazy.get(name)).toEqual(values);
    expect(lazy.has('embed_tokens.weight')).toBe(true);
    expect(lazy.get('nope')).toBeUndefined();
    expect(lazy.has('nope')).toBe(false);
  });

  it('does not keep what it generated, and `set` overrides a tensor', () => {
    const a = lazy.get('norm.weight')!;
    a[0] = 42;
    expect(lazy.get('norm.weight')![0]).toBe(1);
    const m = new LazyInitWeights(ir, 1234);
    m.set('norm.weight', new Float32Array(64).fill(2));
    expect(m.get('norm.weight')![0]).toBe(2);
    expect(m.size).toBe(eager.size);
    let n = 0;
    m.forEach(() => n++);
    expect(n).toBe(eager.size);
  });
});
