/**
 * Weights phase — initial LoRA adapter values, as PEFT initialises them
 * (peft/tuners/lora/layer.py, LoraLayer.reset_lora_parameters with init_lora_weights=True):
 *   lora_A: nn.init.kaiming_uniform_(weight [r, in], a=√5)  →  U(−b, b), b = gain·√(3/fan_in)
 *           with gain = √(2/(1+a²)) = √(1/3) and fan_in = in, so b = 1/√in;
 *   lora_B: zeros, so a fresh adapter leaves the model's function unchanged.
 * moec stores A as [in, r] (its [in, out] orientation): the same distribution, transposed.
 * Values come from the seeded Philox stream of docs/weights.md, keyed by the adapter's name
 * (`…q_proj.lora_A.weight`), uniform u = (w + 0.5)/2³² mapped to (2u − 1)·b.
 */
import type { LoraModule } from '../ir/lora.js';
import { loraA, loraB } from '../ir/lora.js';
import { philox4x32 } from './philox.js';
import { streamKey } from './init-weights.js';

const INV_2_32 = 1 / 4294967296;

/** Fill `out` with U(−bound, bound) samples from the stream of (seed, name). */
export function fillUniform(out: Float32Array, bound: number, seed: number, name: string): void {
  const [k0, k1] = streamKey(seed, name);
  const words = new Uint32Array(4);
  for (let i = 0, j = 0; j < out.length; i++, j += 4) {
    philox4x32(i, 0, 0, 0, k0, k1, words);
    for (let w = 0; w < 4 && j + w < out.length; w++) out[j + w] = bound * (2 * ((words[w]! + 0.5) * INV_2_32) - 1);
  }
}

/** Kaiming-uniform bound of nn.init.kaiming_uniform_(a=√5) for fan_in `fanIn`: 1/√fan_in. */
export function kaimingUniformBound(fanIn: number): number {
  const gain = Math.sqrt(2 / (1 + 5));
  return gain * Math.sqrt(3 / fanIn);
}

/** A (Kaiming-uniform) and B (zeros) of every adapted projection, keyed by adapter tensor name. */
export function initLoraWeights(modules: readonly LoraModule[], rank: number, seed: number): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const m of modules) {
    const a = new Float32Array(m.in * rank);
    fillUniform(a, kaimingUniformBound(m.in), seed, loraA(m.prefix));
    out.set(loraA(m.prefix), a);
    out.set(loraB(m.prefix), new Float32Array(rank * m.out));
  }
  return out;
}
