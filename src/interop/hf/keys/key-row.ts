/**
 * HF bridge — the checkpoint key table's rows: one per tensor family, HF key ↔ IR name with the
 * transform as data (STYLE.md "Bridges to other tools"; as Megatron-Bridge's mapping registry).
 * Placeholders: `{i}` layer, `{e}` routed expert, `{d}` MTP depth, `{m}` = layers + d (the HF
 * layer index DeepSeek stores an MTP module under). Several rows with the same `ir` pattern are
 * alternative layouts on disk, tried in order on import; export writes the first.
 *
 * Transforms (import direction, HF → IR; export applies the inverse):
 * - `copy`: same shape (embeddings, norms, biases, sinks).
 * - `linear`: HF `nn.Linear` weight [out, in] → IR [in, out] (transpose). With `rope`, DeepSeek's
 *   interleaved rope rows are reordered first, when the layout has them (KeyTableOptions).
 * - `stacked`: one expert's slice of a tensor stacked over experts on axis 0 (transformers v5
 *   fused experts, gpt-oss), then a part of its rows or columns, then maybe a transpose.
 *   `mxfp4`: the tensor is stored as `<key>_blocks` / `<key>_scales` (gpt-oss Hub checkpoints).
 *   `flat`: no expert axis — the HF tensor is the one 2-D slice (GraniteMoeShared's fused
 *   `shared_mlp.input_linear` [2F, H], gate rows first).
 */

export interface KeyTableOptions {
  /** DeepSeek `rope_interleave` (default true; V2 always): rope rows of q / kv_a interleaved on disk. */
  ropeInterleave?: boolean;
}

/** Which rows or columns of an expert's 2-D slice a tensor takes. */
export type StackedPart = 'all' | 'first-half-rows' | 'second-half-rows' | 'even-cols' | 'odd-cols';

export type Transform =
  | { kind: 'copy' }
  | { kind: 'linear'; rope?: 'q' | 'kv_a' }
  | { kind: 'stacked'; part: StackedPart; transpose: boolean; mxfp4?: boolean; flat?: boolean };

export interface KeyRow {
  ir: string;
  hf: string;
  transform: Transform;
}

export const COPY: Transform = { kind: 'copy' };
export const LINEAR: Transform = { kind: 'linear' };

export const copy = (ir: string, hf: string): KeyRow => ({ ir, hf, transform: COPY });
export const linear = (ir: string, hf: string, rope?: 'q' | 'kv_a'): KeyRow => ({ ir, hf, transform: rope ? { kind: 'linear', rope } : LINEAR });
export const stacked = (ir: string, hf: string, part: StackedPart, transpose: boolean, mxfp4 = false): KeyRow => ({
  ir,
  hf,
  transform: { kind: 'stacked', part, transpose, ...(mxfp4 ? { mxfp4 } : {}) },
});

/** A part of one fused 2-D nn.Linear weight (no expert axis): `stacked` with `flat`. */
export const fusedPart = (ir: string, hf: string, part: StackedPart): KeyRow => ({ ir, hf, transform: { kind: 'stacked', part, transpose: true, flat: true } });

/** A weight and its optional bias as two rows (`.weight` linear, `.bias` copy). */
export function linearWithBias(ir: string, hf: string): KeyRow[] {
  return [linear(`${ir}.weight`, `${hf}.weight`), copy(`${ir}.bias`, `${hf}.bias`)];
}

export interface Bindings {
  i?: number;
  e?: number;
  d?: number;
  m?: number;
}

const escape = (s: string) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&');

/** Compile an IR pattern to a matcher of IR names. */
export function irMatcher(pattern: string): (name: string) => Bindings | undefined {
  const names: (keyof Bindings)[] = [];
  const source = escape(pattern).replace(/\\?\{([iedm])\\?\}/g, (_, n: keyof Bindings) => {
    names.push(n);
    return '(\\d+)';
  });
  const re = new RegExp(`^${source}$`);
  return (name) => {
    const m = re.exec(name);
    if (!m) return undefined;
    const b: Bindings = {};
    names.forEach((n, k) => (b[n] = Number(m[k + 1])));
    return b;
  };
}

/** Fill a pattern's placeholders. */
export function fill(pattern: string, b: Bindings): string {
  return pattern.replace(/\{([iedm])\}/g, (_, n: keyof Bindings) => String(b[n]));
}
