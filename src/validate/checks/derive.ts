/**
 * Validation phase, semantic rules: values the rules need that the user may have left to a
 * default. These mirror the defaults documented in src/spec/types.ts (src/ir/ applies them for
 * real); here they only decide whether a rule applies and what numbers to quote.
 */
import type { ModelSpec } from '../../spec/types.js';

export function headDim(spec: ModelSpec): number | undefined {
  const a = spec.attention;
  if (a.head_dim !== undefined) return a.head_dim;
  return spec.hidden % a.heads === 0 ? spec.hidden / a.heads : undefined;
}

export interface Degrees {
  tensor: number;
  pipeline: number;
  context: number;
  expert: number;
  expertTensor: number;
  virtual: number;
  /** Given, or derived from world; undefined when world cannot be divided. */
  data: number | undefined;
}

export function degrees(spec: ModelSpec): Degrees {
  const p = spec.parallel ?? {};
  const tensor = p.tensor ?? 1;
  const pipeline = p.pipeline ?? 1;
  const context = p.context ?? 1;
  const model = tensor * pipeline * context;
  let data = p.data;
  if (data === undefined) data = p.world === undefined ? 1 : p.world % model === 0 ? p.world / model : undefined;
  return { tensor, pipeline, context, expert: p.expert ?? 1, expertTensor: p.expert_tensor ?? 1, virtual: p.virtual_stages ?? 1, data };
}

/** Trial divisions a hint may spend (complete for n ≤ 2^32): a millisecond or so, whatever the spec says. */
export const MAX_TRIAL_DIVISIONS = 1 << 16;

/**
 * The smallest `limit` divisors of `n`, ascending, for hints. Divisors come in pairs d·(n/d),
 * so trial division up to √n finds them all; it stops at MAX_TRIAL_DIVISIONS, so a prime near
 * 2^53 costs a millisecond, not minutes (then only divisors found so far are offered).
 */
export function divisors(n: number, limit = 8): number[] {
  if (!Number.isSafeInteger(n) || n < 1) return [];
  const root = Math.floor(Math.sqrt(n));
  const bound = Math.min(root, MAX_TRIAL_DIVISIONS);
  const small: number[] = [];
  const large: number[] = [];
  for (let d = 1; d <= bound && small.length < limit; d++) {
    if (n % d !== 0) continue;
    small.push(d);
    if (d !== n / d) large.push(n / d);
  }
  return [...small, ...large.reverse()].slice(0, limit);
}

/** The nearest multiple of `m` at or above `n` (for "pad vocab to …" hints). */
export function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

/** "layer 0" / "layers 3, 4, 5, ... (12 layers)": a short list for messages. */
export function shortList(values: readonly number[], max = 6): string {
  if (values.length === 1) return `layer ${values[0]}`;
  if (values.length <= max) return `layers ${values.join(', ')}`;
  return `layers ${values.slice(0, max).join(', ')}, ... (${values.length} layers)`;
}

export function trainSeqLen(spec: ModelSpec): number {
  return spec.train?.seq_len ?? spec.context;
}
