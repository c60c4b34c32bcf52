/**
 * Weights phase — a model's weights read on demand from a source (a Hugging Face checkpoint,
 * src/interop/hf/weights/): the Map interface the emitters take, over the IR's tensor list, where
 * `get` reads one tensor when a consumer asks for it and keeps nothing. The ONNX emitter reads
 * each weight once and keeps only its stored form, so a compile holds one float32 tensor at a
 * time (as with LazyInitWeights), never the checkpoint.
 *
 * A read that fails after the source was validated (the file changed or vanished) throws
 * WeightsReadError carrying the diagnostics; the command that drives the emitter reports them.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { ModelIR } from '../ir/types.js';

export class WeightsReadError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => `${d.code} ${d.message}`).join('; '));
  }
}

/** One tensor's values, into `into` when given (its size; shared memory a compile's kernels use). */
export type TensorLoader = (name: string, into?: Float32Array) => { value?: Float32Array; diagnostics: Diagnostic[] };

export class LazySourceWeights extends Map<string, Float32Array> {
  private readonly names: string[];
  private readonly known: Set<string>;

  constructor(
    ir: Pick<ModelIR, 'tensors'>,
    private readonly load: TensorLoader,
    private readonly release: () => void = () => {},
    /** Most bytes one read holds (for the compile's memory check); default: the float32 tensor twice. */
    readonly peakBytes?: (name: string) => number,
  ) {
    super();
    this.names = ir.tensors.map((t) => t.name);
    this.known = new Set(this.names);
  }

  override get(name: string): Float32Array | undefined {
    const set = super.get(name);
    if (set) return set;
    if (!this.known.has(name)) return undefined;
    const r = this.load(name);
    if (!r.value) throw new WeightsReadError(r.diagnostics);
    return r.value;
  }

  override has(name: string): boolean {
    return super.has(name) || this.known.has(name);
  }

  override get size(): number {
    return this.known.size + [...super.keys()].filter((k) => !this.known.has(k)).length;
  }

  override *keys(): MapIterator<string> {
    yield* this.names;
    for (const k of super.keys()) if (!this.known.has(k)) yield k;
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

  /** One tensor as a Result (no exception), into `into` when given: what a WeightSource reads (src/weights/open-weights.ts). */
  read(name: string, into?: Float32Array): { value?: Float32Array; diagnostics: Diagnostic[] } {
    return this.load(name, into);
  }

  /** Release the source's file handles (reads after close reopen them). */
  close(): void {
    this.release();
  }
}
