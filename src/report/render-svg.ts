/**
 * Report phase — render a Vega-Lite spec to an SVG string headless: compile to Vega, run a
 * View with the `none` renderer and ask for SVG (no canvas or browser needed).
 *
 * Vega numbers gradient and clip-path ids from process-wide counters, so the same chart
 * renders with different ids on a second call, and two SVGs inlined in one page can collide.
 * `scopeIds` renames every id to `<prefix>-<n>` in order of appearance: deterministic and unique.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export function scopeIds(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) if (!ids.has(m[1]!)) ids.set(m[1]!, `${prefix}-${ids.size}`);
  if (ids.size === 0) return svg;
  return svg.replace(/(\sid="|url\(#|href="#)([^")]+)/g, (whole, head: string, id: string) => {
    const renamed = ids.get(id);
    return renamed ? head + renamed : whole;
  });
}

export async function renderSvg(spec: TopLevelSpec, idPrefix = 'chart'): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return scopeIds(await view.toSVG(), idPrefix);
  } finally {
    view.finalize();
  }
}
