/**
 * Run phase — choosing the next token from logits, as HF's `generate` does with its logits
 * warpers in this order (transformers generation/logits_process.py: TemperatureLogitsWarper,
 * TopKLogitsWarper, TopPLogitsWarper): divide by the temperature, keep the k largest, keep the
 * smallest set of largest-probability tokens whose mass reaches top_p (always at least one),
 * then draw from the renormalised softmax. Temperature 0 is greedy (argmax, ties to the lower
 * id). The draw uses a seeded xoroshiro128+ (pure-rand), one uniform number per token chosen, so
 * the same seed, model and options give the same tokens.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { argmax } from './lm-session.js';

export interface SamplingOptions {
  /** 0 = greedy. */
  temperature: number;
  /** 0 = no top-k filter. */
  topK: number;
  /** 1 = no nucleus filter. */
  topP: number;
}

export const GREEDY: SamplingOptions = { temperature: 0, topK: 0, topP: 1 };

export type Sampler = (logits: ArrayLike<number>) => number;

/** The token ids kept by top-k and top-p, with their probabilities (summing to 1), most probable first. */
export function candidates(logits: ArrayLike<number>, o: SamplingOptions): { ids: number[]; probs: number[] } {
  const order = Array.from({ length: logits.length }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
  const kept = o.topK > 0 ? order.slice(0, o.topK) : order;
  // Differences first, then the division: logit / T overflows to ±Infinity for a tiny T, and
  // Infinity − Infinity = NaN would turn every probability into NaN (the last candidate drawn).
  const top = logits[kept[0]];
  const weights = kept.map((id) => Math.exp((logits[id] - top) / o.temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let probs = weights.map((w) => w / total);
  let n = probs.length;
  if (o.topP < 1) {
    let mass = 0;
    n = 0;
    while (n < probs.length && (n === 0 || mass < o.topP)) mass += probs[n++];
    const kept = probs.slice(0, n).reduce((a, b) => a + b, 0);
    probs = probs.slice(0, n).map((p) => p / kept);
  }
  return { ids: kept.slice(0, n), probs };
}

export function createSampler(o: SamplingOptions, seed: number): Sampler {
  if (o.temperature === 0) return (logits) => argmax(logits);
  const rng = xoroshiro128plus(seed | 0);
  return (logits) => {
    const { ids, probs } = candidates(logits, o);
    const u = uniformFloat64(rng);
    let acc = 0;
    for (let i = 0; i < ids.length; i++) {
      acc += probs[i];
      if (u < acc) return ids[i];
    }
    return ids[ids.length - 1];
  };
}
