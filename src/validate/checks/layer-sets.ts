/**
 * Validation phase, semantic rules: the items of a layer selection (`all`, `none`, `a..b`,
 * `[0, 3..5]`) with the pointer of the value that wrote each, for checks/layers.ts to report
 * problems at. Resolving selections to layer sets, and which layers end up MoE or dense, is
 * src/ir/layer-selection.ts's (re-exported here).
 */
import type { LayerSelection } from '../../spec/types.js';
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

// The MoE/dense layout is the IR's own definition, so a rule and the IR cannot disagree.
export { ffnLayout, type FfnLayout } from '../../ir/layer-selection.js';
