/**
 * Weights phase — merging LoRA adapters into their base weights for export:
 *   W' = W + scale · A·B        (W [in, out], A [in, r], B [r, out]: moec's orientation)
 * which is PEFT's merge `W_peft + scaling · lora_B.weight @ lora_A.weight` ([out, in]) transposed
 * (peft/tuners/lora/layer.py, Linear.get_delta_weight). The product is accumulated in float64
 * and rounded once to float32, so the merged model's logits equal base + adapter's to float32
 * rounding (test/weights/lora-merge.test.ts: 1e-5).
 */
import { loraA, loraB, type LoraModule } from '../ir/lora.js';

/** A copy of `base` with every adapted weight replaced by its merged value (other tensors shared, not copied). */
export function mergeLora(
  base: ReadonlyMap<string, Float32Array>,
  adapters: ReadonlyMap<string, Float32Array>,
  modules: readonly LoraModule[],
  rank: number,
  scale: number,
): Map<string, Float32Array> {
  const out = new Map(base);
  for (const m of modules) {
    const name = `${m.prefix}.weight`;
    const w = base.get(name);
    const a = adapters.get(loraA(m.prefix));
    const b = adapters.get(loraB(m.prefix));
    if (!w || !a || !b) throw new Error(`mergeLora: ${name} or its adapter is missing (checked by the caller)`);
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
    out.set(name, merged);
  }
  return out;
}
