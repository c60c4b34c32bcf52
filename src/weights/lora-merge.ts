/**
 * Weights phase — merging LoRA adapters into their base weights for export:
 *   W' = W + scale · A·B        (W [in, out], A [in, r], B [r, out]: moec's orientation)
 * which is PEFT's merge `W_peft + scaling · lora_B.weight @ lora_A.weight` ([out, in]) transposed
 * (peft/tuners/lora/layer.py, Linear.get_delta_weight). The product is accumulated in float64
 * and rounded once to float32, so the merged model's logits equal base + adapter's to float32
 * rounding (test/cli/compile-adapter.test.ts, test/train/finetune-hf.test.ts: within 1e-5).
 */
import { loraA, loraB, type LoraModule } from '../ir/lora.js';
import type { ModelIR } from '../ir/types.js';
import { LazySourceWeights } from './lazy-source.js';

/** W + scale·A·B for one projection (float64 accumulation, one rounding). */
export function mergeProjection(w: Float32Array, a: Float32Array, b: Float32Array, m: Pick<LoraModule, 'in' | 'out'>, rank: number, scale: number): Float32Array {
  const merged = new Float32Array(m.in * m.out);
  const acc = new Float64Array(m.out);
  for (let i = 0; i < m.in; i++) {
    acc.fill(0);
    for (let k = 0; k < rank; k++) {
      const aik = a[i * rank + k]!;
      if (aik === 0) continue;
      const bRow = k * m.out;
      for (let j = 0; j < m.out; j++) acc[j]! += aik * b[bRow + j]!;
    }
    const at = i * m.out;
    for (let j = 0; j < m.out; j++) merged[at + j] = w[at + j]! + scale * acc[j]!;
  }
  return merged;
}

/**
 * The base weights with the adapters merged, computed per `get`: the base (perhaps itself read
 * lazily from a Hugging Face checkpoint) is never copied whole, so an export holds one tensor at
 * a time as it would without an adapter.
 */
export function mergeLora(
  ir: Pick<ModelIR, 'tensors'>,
  base: ReadonlyMap<string, Float32Array>,
  adapters: ReadonlyMap<string, Float32Array>,
  modules: readonly LoraModule[],
  rank: number,
  scale: number,
): LazySourceWeights {
  const adapted = new Map(modules.map((m) => [`${m.prefix}.weight`, m]));
  return new LazySourceWeights(ir, (name) => {
    const w = base.get(name);
    const m = adapted.get(name);
    if (!w || !m) return { value: w, diagnostics: [] };
    const a = adapters.get(loraA(m.prefix));
    const b = adapters.get(loraB(m.prefix));
    if (!a || !b) throw new Error(`mergeLora: the adapter of ${name} is missing (checked by the caller)`);
    return { value: mergeProjection(w, a, b, m, rank, scale), diagnostics: [] };
  });
}
