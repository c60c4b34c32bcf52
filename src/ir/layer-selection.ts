/**
 * IR phase — layer selections. A selection names a set of decoder layers: `"all"`, `"none"`,
 * a range `"a..b"` (inclusive, 0-based), or a list of indices and ranges (`[0, "3..5"]`).
 * Both IR resolution and the semantic checks (src/validate/) resolve selections here, so
 * the two can never disagree about which layers a spec means.
 */
import type { LayerSelection, ModelSpec } from '../spec/types.js';

/** Why one item of a selection could not be resolved. */
export interface SelectionProblem {
  /** Index of the offending list element; absent when the selection is a single value. */
  item?: number;
  /** The item as written, e.g. `"5..2"` or `40`. */
  text: string;
  reason: 'malformed' | 'reversed' | 'out-of-range';
}

export interface ResolvedSelection {
  /** Selected layer indices, ascending, without duplicates, all within [0, layers). */
  layers: number[];
  problems: SelectionProblem[];
}

const RANGE = /^\s*(\d+)\s*\.\.\s*(\d+)\s*$/;

function resolveItem(
  item: number | string,
  layers: number,
  into: Set<number>,
  problems: SelectionProblem[],
  index?: number,
): void {
  const report = (reason: SelectionProblem['reason']): void => {
    problems.push({ ...(index === undefined ? {} : { item: index }), text: String(item), reason });
  };
  if (typeof item === 'number') {
    if (!Number.isInteger(item) || item < 0) return report('malformed');
    if (item >= layers) return report('out-of-range');
    into.add(item);
    return;
  }
  if (item === 'all') {
    for (let i = 0; i < layers; i++) into.add(i);
    return;
  }
  if (item === 'none') return;
  const m = RANGE.exec(item);
  if (!m) return report('malformed');
  const from = Number(m[1]);
  const to = Number(m[2]);
  if (from > to) return report('reversed');
  // Past the end: reported, and the part that exists is kept, so later rules see the layers the
  // author evidently meant instead of reporting them again as uncovered.
  if (to >= layers) report('out-of-range');
  for (let i = from; i <= Math.min(to, layers - 1); i++) into.add(i);
}

/** Resolve a selection against a model with `layers` decoder layers. */
export function resolveLayerSelection(selection: LayerSelection, layers: number): ResolvedSelection {
  const set = new Set<number>();
  const problems: SelectionProblem[] = [];
  if (Array.isArray(selection)) {
    selection.forEach((item, i) => resolveItem(item, layers, set, problems, i));
  } else {
    resolveItem(selection, layers, set, problems);
  }
  return { layers: [...set].sort((a, b) => a - b), problems };
}

export interface FfnLayout {
  /** MoE layers: `moe.layers` (default: every layer not in `dense.layers`), thinned by every/offset. */
  moe: Set<number>;
  /** Dense-FFN layers: `dense.layers`, or (when a dense block exists) every layer that is not MoE. */
  dense: Set<number>;
  /** Layers `moe.layers` selects but every/offset skip. */
  skipped: Set<number>;
}

/**
 * Which layers are MoE and which dense, with the defaults of src/spec/types.ts. The one
 * definition: the IR builds its layers from it and the semantic rules check against it.
 * `every n` counts layer indices from `offset`: every 2, offset 1 → layers 1, 3, 5, …
 */
export function ffnLayout(spec: Pick<ModelSpec, 'layers' | 'dense' | 'moe'>): FfnLayout {
  const n = spec.layers;
  const set = (sel: LayerSelection | undefined) => (sel === undefined ? undefined : new Set(resolveLayerSelection(sel, n).layers));
  const explicitDense = set(spec.dense?.layers);
  const moe = new Set<number>();
  const skipped = new Set<number>();
  if (spec.moe) {
    const listed = set(spec.moe.layers);
    const every = spec.moe.every ?? 1;
    const offset = spec.moe.offset ?? 0;
    for (let i = 0; i < n; i++) {
      if (!(listed ? listed.has(i) : !explicitDense?.has(i))) continue;
      (i >= offset && (i - offset) % every === 0 ? moe : skipped).add(i);
    }
  }
  const dense = explicitDense ?? new Set<number>();
  if (!explicitDense && spec.dense) for (let i = 0; i < n; i++) if (!moe.has(i)) dense.add(i);
  return { moe, dense, skipped };
}

/** Compact text for a set of layers, e.g. `0..2, 5, 7..9` (for tables and messages). */
export function formatLayerSet(layers: readonly number[]): string {
  if (layers.length === 0) return 'none';
  const parts: string[] = [];
  let start = layers[0];
  let prev = start;
  for (const l of [...layers.slice(1), Number.NaN]) {
    if (l === prev + 1) {
      prev = l;
      continue;
    }
    parts.push(start === prev ? String(start) : `${start}..${prev}`);
    start = prev = l;
  }
  return parts.join(', ');
}
