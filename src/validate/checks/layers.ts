/**
 * Semantic rules for layer selections: every range inside the model, not reversed, no layer
 * twice; dense and MoE layers disjoint; every layer has a feed-forward block.
 */
import type { Check, CheckContext } from './context.js';
import type { LayerSelection } from '../../spec/types.js';
import { ffnLayout, selectionItems } from './layer-sets.js';
import { shortList } from './derive.js';

function checkSelection(ctx: CheckContext, sel: LayerSelection | undefined, at: string, path: string): void {
  if (sel === undefined) return;
  const layers = ctx.spec.layers;
  const seen = new Set<number>();
  for (const item of selectionItems(sel, layers, at)) {
    if (item.from > item.to) {
      ctx.report('MOE3302', item.at, { args: { range: item.text, path }, hint: `write ${item.to}..${item.from}` });
      continue;
    }
    const bad = item.to > layers - 1 ? item.to : undefined;
    if (bad !== undefined) {
      ctx.report('MOE3301', item.at, {
        args: { index: bad, path, layers, last: layers - 1 },
        hint: `layers are numbered from 0; the last layer is ${layers - 1}`,
        related: [{ at: '/layers', message: `layers ${layers} is set here` }],
      });
    }
    for (let i = item.from; i <= Math.min(item.to, layers - 1); i++) {
      if (seen.has(i)) {
        ctx.report('MOE3305', item.at, { args: { index: i, path }, hint: 'remove the repeated layer' });
        break;
      }
      seen.add(i);
    }
  }
}

export const checkLayers: Check = (ctx) => {
  const { spec } = ctx;
  checkSelection(ctx, spec.moe?.layers, '/moe/layers', 'moe.layers');
  checkSelection(ctx, spec.dense?.layers, '/dense/layers', 'dense.layers');
  checkSelection(ctx, spec.attention.window_layers, '/attention/window_layers', 'attention.window_layers');

  const { moe, dense, skipped } = ffnLayout(spec);
  const overlap = [...dense].filter((i) => moe.has(i)).sort((a, b) => a - b);
  if (overlap.length && spec.dense?.layers !== undefined) {
    ctx.report('MOE3303', '/dense/layers', {
      args: { list: shortList(overlap) },
      hint: 'a layer has one FFN: remove these layers from dense.layers or from moe.layers',
      related: ctx.has('/moe/layers') ? [{ at: '/moe/layers', message: 'moe.layers is set here' }] : [],
    });
  }
  const bare: number[] = [];
  for (let i = 0; i < spec.layers; i++) if (!moe.has(i) && !dense.has(i)) bare.push(i);
  if (bare.length) {
    const why = !spec.dense
      ? 'there is no dense block'
      : 'dense.layers does not select them';
    const at = spec.dense?.layers !== undefined ? '/dense/layers' : spec.moe?.layers !== undefined ? '/moe/layers' : spec.moe ? '/moe' : '';
    const hint = skipped.size
      ? `moe.every ${spec.moe?.every ?? 1} / offset ${spec.moe?.offset ?? 0} leave these layers dense: add a \`dense { ffn ... }\` block`
      : !spec.dense
        ? 'add a `dense { ffn ... }` block for them, or select them in moe.layers'
        : 'add them to dense.layers or moe.layers';
    ctx.report('MOE3304', at, { args: { list: shortList(bare), why }, hint });
  }
  if (spec.moe && moe.size === 0) {
    const why = spec.moe.layers === 'none' ? 'moe.layers is none' : skipped.size ? 'every/offset skip all selected layers' : 'dense.layers takes every layer';
    const at = spec.moe.layers !== undefined ? '/moe/layers' : ctx.has('/moe/offset') ? '/moe/offset' : '/moe';
    ctx.report('MOE3306', at, { args: { why }, hint: 'remove the moe block for a dense model, or select some layers' });
  }
  if (spec.dense && spec.dense.layers === undefined && dense.size === 0 && moe.size > 0) {
    ctx.report('MOE3307', '/dense', { hint: 'remove the dense block, or give it layers with dense.layers' });
  }
};
