/**
 * Weights phase — initial weights generated on demand. Because each tensor's values depend only
 * on (seed, name, shape) (docs/weights.md), a tensor can be generated when a consumer asks for
 * it and dropped when the consumer is done. The ONNX emitter reads each weight once and keeps
 * only its stored form (fp16, int8, int4 + scales), so compiling with these weights never holds
 * the whole float32 model: peak memory is the stored model plus one float32 tensor.
 *
 * It is a Map (the interface emitters take); reads generate, `set` overrides a tensor.
 */
import type { ModelIR, TensorIR } from '../ir/types.js';
import { initTensor } from './init-weights.js';

export class LazyInitWeights extends Map<string, Float32Array> {
  private readonly byName: Map<string, TensorIR>;

  constructor(ir: Pick<ModelIR, 'tensors'>, private readonly seed: number) {
    super();
    if (!Number.isSafeInteger(seed)) throw new RangeError(`LazyInitWeights: seed must be a safe integer, got ${seed}`);
    this.byName = new Map(ir.tensors.map((t) => [t.name, t]));
  }

  override get(name: string): Float32Array | undefined {
    const set = super.get(name);
    if (set) return set;
    const t = this.byName.get(name);
    return t ? initTensor(t, this.seed) : undefined;
  }

  override has(name: string): boolean {
    return super.has(name) || this.byName.has(name);
  }

  override get size(): number {
    let extra = 0;
    for (const k of super.keys()) if (!this.byName.has(k)) extra++;
    return this.byName.size + extra;
  }

  override *keys(): MapIterator<string> {
    yield* this.byName.keys();
    for (const k of super.keys()) if (!this.byName.has(k)) yield k;
  }

  override *entries(): MapIterator<[string, Float32Array]> {
    for (const k of this.keys()) yield [k, this.get(k)!];
  }

  override *values(): MapIterator<Float32Array> {
    for (const k of this.keys()) yield this.get(k)!;
  }

  override [Symbol.iterator](): MapIterator<[string, Float32Array]> {
    return this.entries();
  }

  override forEach(fn: (value: Float32Array, key: string, map: Map<string, Float32Array>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }
}
