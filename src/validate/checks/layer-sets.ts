/**
 * Validation phase, semantic rules: layer selections (`all`, `none`, `a..b`, `[0, 3..5]`)
 * resolved to sets of layer indices, and which layers end up MoE or dense. Problems inside a
 * selection (out of range, reversed, repeated) are reported by checks/layers.ts; here invalid
 * parts are simply left out so other rules still see a sensible set.
 */
import type { LayerSelection, ModelSpec } from '../../spec/types.js';
import { pointer } from '../../spec/spans.js';

export interface SelectionItem {
  /** Pointer to the written value (the range string or the list element). */
  at: string;
  text: string;
  from: number;
  to: number;
}

/** The ranges a selection names, each with the pointer of the value that wrote it. */
export function selectionItems(sel: LayerSelection, layers: number, at: string): SelectionItem[] {
  const item = (v: number | string, ptr: string): SelectionItem => {
    if (typeof v === 'number') return { at: ptr, text: String(v), from: v, to: v };
    const [a, b] = v.split('..').map(Number);
    return { at: ptr, text: v, from: a, to: b };
  };
  if (sel === 'all') return [{ at, text: 'all', from: 0, to: layers - 1 }];
  if (sel === 'none') return [];
  if (typeof sel === 'string') return [item(sel, at)];
  return sel.map((v, i) => item(v, at + pointer([i])));
}

export function resolveSelection(sel: LayerSelection, layers: number): Set<number> {
  const out = new Set<number>();
  for (const { from, to } of selectionItems(sel, layers, '')) {
    for (let i = Math.max(0, from); i <= Math.min(to, layers - 1); i++) out.add(i);
  }
  return out;
}

const range = (n: number) => new Set(Array.from({ length: n }, (_, i) => i));
const minus = (a: Set<number>, b: Set<number>) => new Set([...a].filter((x) => !b.has(x)));

export interface FfnLayout {
  moe: Set<number>;
  dense: Set<number>;
  /** Layers that moe.layers selects but every/offset skip. */
  skipped: Set<number>;
}

/** MoE and dense layer sets with the defaults of types.ts applied. */
export function ffnLayout(spec: ModelSpec): FfnLayout {
  const all = range(spec.layers);
  const explicitDense = spec.dense?.layers !== undefined ? resolveSelection(spec.dense.layers, spec.layers) : undefined;
  let moe = new Set<number>();
  const skipped = new Set<number>();
  if (spec.moe) {
    const selected = spec.moe.layers !== undefined ? resolveSelection(spec.moe.layers, spec.layers) : explicitDense ? minus(all, explicitDense) : all;
    const every = spec.moe.every ?? 1;
    const offset = spec.moe.offset ?? 0;
    for (const i of selected) (i >= offset && (i - offset) % every === 0 ? moe : skipped).add(i);
  }
  const dense = explicitDense ?? (spec.dense ? minus(all, moe) : new Set<number>());
  return { moe, dense, skipped };
}
