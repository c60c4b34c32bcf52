/**
 * The kernel pool (src/parallel/kernel-pool.ts): chunks run on worker threads and this one, each
 * once, and the result equals one thread's; a kernel that fails in a worker is reported, not hung.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { KernelPool, sharedFloat64 } from '../../src/parallel/kernel-pool.js';

/** out[i] = sqrt(i) + (number of times chunk [start, end) ran), so a chunk run twice or never shows. */
function sqrtKernel(a: { out: Float64Array; [k: string]: unknown }, start: number, end: number): void {
  for (let i = start; i < end; i++) a.out[i] += Math.sqrt(i) + 1;
}

function throwingKernel(a: { at: number; [k: string]: unknown }, start: number, end: number): void {
  if (a.at >= start && a.at < end) throw new Error(`bad value at ${a.at}`);
}

const pool = new KernelPool(3);
afterAll(() => pool.close());

describe('KernelPool', () => {
  it('runs every chunk exactly once across threads; the result equals one thread', () => {
    const n = 1_000_003;
    const shared = { out: sharedFloat64(n) };
    pool.run(sqrtKernel, shared, 0, n, 4096);
    const single = { out: new Float64Array(n) };
    new KernelPool(1).run(sqrtKernel, single, 0, n, 4096);
    expect(Buffer.compare(Buffer.from(shared.out.buffer), Buffer.from(single.out.buffer))).toBe(0);
    // A second run reuses the workers (the kernel is sent once) and adds again.
    pool.run(sqrtKernel, shared, 0, n, 50_000);
    expect(shared.out[n - 1]).toBeCloseTo(2 * (Math.sqrt(n - 1) + 1), 9);
  });

  it('a kernel that throws in a worker is an internal error naming it, not a hang', () => {
    // Many chunks, the bad one late: it lands on a worker at least sometimes; on this thread it throws as well.
    expect(() => pool.run(throwingKernel, { at: 990 }, 0, 1000, 10)).toThrow(/bad value at 990/);
    // The pool still works afterwards.
    const again = { out: sharedFloat64(100) };
    pool.run(sqrtKernel, again, 0, 100, 10);
    expect(again.out[99]).toBeCloseTo(Math.sqrt(99) + 1, 12);
  });
});
