/**
 * ONNX lowering — initializer data computed when it is written, not when the graph is built.
 * The emitter describes each weight initializer as a *conversion* (which IR tensors it reads,
 * the byte length of each initializer it yields, and the function from float32 values to those
 * bytes); the writer runs a conversion when it reaches the conversion's first initializer and
 * drops the bytes as soon as they are written. So the graph of any model is built without a
 * single weight, and a model is written holding one tensor (and its stored form) at a time.
 *
 * One conversion may yield several initializers (int4 codes, scales, zero points of one
 * weight): they come from one pass over the float32 values, held until the last is taken.
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import type { KernelPool } from '../../parallel/kernel-pool.js';

/** Where conversions get float32 weights (IR names, IR shapes) and the threads to convert them on. */
export interface DataContext {
  /**
   * One IR tensor's values. `shared`: the conversion runs kernels on them, so large ones come
   * in the pool's reused shared memory (valid until the next shared read); otherwise they are
   * the conversion's own (the writer may then still be writing them while the next tensor is
   * read). A source that cannot give them throws SourceFailure with its diagnostics.
   */
  read(name: string, shared?: boolean): Float32Array;
  /** Parallel kernels; absent: everything runs on this thread. */
  pool?: KernelPool;
  /** After every byte is written, before anything is renamed into place: problems found only at the end (checksums). */
  finish?(): Diagnostic[];
}

/**
 * A weight source's diagnostics (a damaged checkpoint, an unreadable shard) raised from inside a
 * conversion: the writer removes its temporaries and reports them as they are.
 */
export class SourceFailure extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => d.message).join('; '));
  }
}

export class Conversion {
  private parts?: (Uint8Array | undefined)[];
  private left: number;

  constructor(
    /** IR tensors read, in the order they are read. */
    readonly inputs: readonly string[],
    /** Byte length of each initializer yielded, known from shapes before anything is read. */
    readonly lengths: readonly number[],
    private readonly run: (ctx: DataContext) => Uint8Array[],
    /** The output is a view of the input values (fp32 stored as read): it adds no memory. */
    readonly aliasesInput = false,
  ) {
    this.left = lengths.length;
  }

  /** Whether the next take runs the conversion (nothing taken yet). */
  get fresh(): boolean {
    return this.parts === undefined && this.left === this.lengths.length;
  }

  /** The bytes of output `index`; the conversion runs on the first call and forgets each output once taken. */
  take(index: number, ctx: DataContext): Uint8Array {
    if (!this.parts) {
      const parts = this.run(ctx);
      this.parts = parts;
      for (const [i, p] of parts.entries()) {
        if (p.byteLength !== this.lengths[i]) throw new Error(`internal: conversion of ${this.inputs.join(', ')} output ${i} has ${p.byteLength} bytes, planned ${this.lengths[i]}`);
      }
    }
    const bytes = this.parts[index];
    if (!bytes) throw new Error(`internal: conversion of ${this.inputs.join(', ')} output ${index} taken twice`);
    this.parts[index] = undefined;
    if (--this.left === 0) this.parts = undefined;
    return bytes;
  }
}

/** An initializer whose bytes are output `index` of `conversion`. */
export interface DeferredData {
  readonly conversion: Conversion;
  readonly index: number;
  readonly byteLength: number;
}

/** Deferred initializers `names[i]` ← output i of one conversion. */
export function deferAll(conversion: Conversion): DeferredData[] {
  return conversion.lengths.map((byteLength, index) => ({ conversion, index, byteLength }));
}

/** The bytes of a Float32Array (a view: no copy; the writer writes them before anything changes them). */
export function floatBytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}
