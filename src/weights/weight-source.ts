/**
 * Weights phase — where a compile gets its weights, one tensor at a time. Every producer of
 * weights (the seeded initializer, a moec checkpoint, a Hugging Face checkpoint directory)
 * implements `WeightSource`, and the ONNX writer pulls each tensor when it reaches it, converts
 * it (cast, quantize) and writes it before asking for the next. So a compile holds one tensor,
 * never the model, and models larger than memory compile (docs/onnx.md "Memory and time").
 *
 * The contract, for implementers:
 * - `read(name)` gives the IR tensor `name` (docs/ir.md) as float32 in IR shape and layout —
 *   linear weights [in, out], experts split per expert, rotary rows in rotate-half order — with
 *   every conversion the source's format needs already applied. Each call returns fresh values
 *   the caller may keep or drop; a source holds nothing between reads except what it documents.
 * - `out`, when given, is where to put the values (its length is the tensor's size, and it lives
 *   on a SharedArrayBuffer so the caller's kernels can use several threads): fill it and return
 *   it, or return another array (the caller then converts on one thread).
 * - `begin(order)` starts a pass: the tensors will be read in `order`, each at most once. A
 *   compile makes one pass per model it writes (a model folder with variants makes several).
 *   Sources whose files are faster read in order (or must be hashed in order) use it; others
 *   ignore it.
 * - `end()` closes a pass and returns what could only be known once everything was read (a
 *   shard whose sha256 does not match). The compile writes nothing under its final names until
 *   `end()` came back without errors.
 * - `readBytes(name)`: the most memory one read of `name` holds at once (the returned values
 *   included), for the memory check that runs before anything is read (MOE5518).
 * - `generates`: reading is computation that runs on the caller's threads when given `out`
 *   (the seeded initializer): the caller then passes `out` for every large tensor.
 * - Problems are diagnostics in `Result`s, never exceptions.
 */
import type { Diagnostic, Result } from '../diagnostics/diagnostic.js';

export interface WeightSource {
  /** For the summary: `init seed 1234`, `checkpoint step 200 (<dir>)`, … */
  readonly from: string;
  /** metadata_props recording the weights' origin, e.g. [['moec.weights', 'init'], ['moec.seed', '1234']]. */
  readonly metadata: readonly (readonly [string, string])[];
  readonly generates?: boolean;
  begin(order: readonly string[]): void;
  read(name: string, out?: Float32Array): Result<Float32Array | undefined>;
  end(): Diagnostic[];
  readBytes(name: string): number;
  /** Release files and threads; the source is not used afterwards. */
  close(): void;
}

/** A source over weights already in memory (tests, `moec eval` of a spec). */
export function mapSource(weights: ReadonlyMap<string, Float32Array>, from = 'weights in memory'): WeightSource {
  return {
    from,
    metadata: [],
    begin: () => undefined,
    read: (name) => {
      const w = weights.get(name);
      return w ? { value: w, diagnostics: [] } : { value: undefined, diagnostics: [] };
    },
    end: () => [],
    readBytes: () => 0,
    close: () => undefined,
  };
}
